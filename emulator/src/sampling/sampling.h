/*
 * sampling.h - centralized sampling for the SDK pollers (reference/daemon-protocol.md §2):
 * the rule records GetSamplingRules returns (always including `Default`), the statistics
 * GetSamplingTargets receives, and the reservoir quotas it hands back. Reads on HTTP threads with
 * their own store; statistics are written through the writer.
 */
#ifndef SAMPLING_H
#define SAMPLING_H

#include <jansson.h>

#include "store.h"
#include "writer.h"

/* Seconds a reservoir quota stays valid, and the reporting interval the SDKs are told to use. */
#define SAMPLING_QUOTA_TTL_S 300
#define SAMPLING_INTERVAL_S 10

/* New reference: every SamplingRuleRecord, ascending by Priority then RuleName, Default last.
 * Each rule carries every member and "Attributes": {} (the Node SDK drops rules without it). */
json_t *sampling_rule_records(struct store *ro, const char *region, const char *account_id);

/* Epoch seconds of the latest rule change (the Default rule's creation time otherwise). */
double sampling_last_modification(struct store *ro);

/* Writer function: stores the SamplingStatisticsDocuments array given as arg (borrowed json_t). */
int sampling_store_statistics(struct writer_txn *txn, void *docs);

/* New reference: the GetSamplingTargets response for docs (already stored). */
json_t *sampling_targets(struct store *ro, const json_t *docs, const char *region,
                         const char *account_id);

#endif
