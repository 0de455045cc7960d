/*
 * xray_tags.h - tags on X-Ray groups and sampling rules (TagResource, UntagResource,
 * ListTagsForResource, and the Tags member of CreateGroup/CreateSamplingRule), kept in the
 * resource_tags table by ARN. Validation runs on HTTP threads; the writes run on the writer.
 */
#ifndef XRAY_TAGS_H
#define XRAY_TAGS_H

#include <jansson.h>

#include "store.h"

/* Checks a TagList (borrowed): objects with Key (1-128) and Value (0-256) of the characters AWS
 * allows, no `aws:` prefix, no key twice. Returns 0 or ERR_INVALID with err in AWS wording. Any
 * thread. */
int xray_tags_validate(const json_t *tags, struct errbuf *err) MUST_CHECK;

/* Writer thread: adds or replaces the tags (a validated TagList) of arn. Returns 0 or
 * ERR_INTERNAL. */
int xray_tags_put(struct store *rw, const char *arn, const json_t *tags) MUST_CHECK;

/* Writer thread: removes every tag of arn (the resource was deleted). */
int xray_tags_delete_all(struct store *rw, const char *arn) MUST_CHECK;

#endif
