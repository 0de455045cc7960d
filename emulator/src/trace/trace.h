/*
 * trace.h - pure trace derivation and assembly from a trace's stored documents
 * (DESIGN.md §5, reference/segment-document.md §9-10, reference/xray-api.md "TraceSummary
 * derivation"). No SQL, no I/O: callers pass documents in, get JSON out. Any thread may call.
 *
 * Input: the documents of one trace, as stored (each a segment or an independently sent
 * subsegment; embedded subsegments stay embedded), in any order.
 *
 * trace_derive() returns the trace's *view* (struct trace_view, trace_facts.h) already encoded
 * in its binary form; decode it with trace_facts_decode(). trace_view_json() renders a decoded
 * view in the JSON shape below, which is what /api/v1 answers with (and what traces.derived
 * held before schema migration 8):
 *
 * {
 *   "trace_id": "1-…", "start_time": n, "end_time": n, "duration": n,
 *   "response_time": n|null,            root segment end-start (null while unknown)
 *   "partial": bool, "inferred": bool,  inferred = has inferred nodes
 *   "root": null | { "name", "type" (origin or ""), "id", "ok","error","fault","throttle",
 *                    "http": {"method","url","useragent","clientip","status"} (members present
 *                             only when known) },
 *   "users": [str], "resource_arns": [str], "instance_ids": [str], "availability_zones": [str],
 *   "annotations": [ {"key": str, "value": str|number|bool, "service": {"name","type"}} ],
 *   "nodes": [ { "name", "type", "account_id" (or absent), "root": bool, "inferred": bool,
 *                "client": bool,   the synthetic client node in front of the root
 *                "segments": [ { "start_time", "end_time", "response_time",
 *                                "ok","error","fault","throttle", "http_status" (or absent),
 *                                "id", "in_progress": bool } ] } ],
 *   "edges": [ { "source": {"name","type"}, "destination": {"name","type"},
 *                "calls": [ { "start_time","end_time","response_time",
 *                             "ok","error","fault","throttle","http_status" (or absent) } ] } ],
 *   "root_causes": { "fault": [FaultRootCause…], "error": [ErrorRootCause…],
 *                    "responsetime": [ResponseTimeRootCause…] }   (API shapes)
 *   "summary": { TraceSummary exactly as GetTraceSummaries returns it (API shape) }
 * }
 * A node is (name, type): each segment is a node (name, origin or ""); each subsegment with
 * namespace "aws" infers a node named after the subsegment with type "AWS::<Service>" (or
 * "AWS::<Service>::<Resource>" when it names a resource such as table_name); namespace "remote"
 * infers a node of type "remote". Inferred nodes are replaced by a real segment whose parent_id
 * is the calling subsegment's id. The client node has type "client" and the root's name.
 */
#ifndef TRACE_H
#define TRACE_H

#include <jansson.h>

#include "fluoro.h"

/* Returns a new malloc'd blob of *len bytes: the trace's view in the encoding of trace_facts.h,
 * or NULL when docs is empty. docs are borrowed. */
void *trace_derive(json_t *const *docs, size_t n, size_t *len);

/* Returns a new reference to the BatchGetTraces `Trace` object: {Id, Duration, LimitExceeded,
 * Segments: [{Id, Document}]} with one Document (JSON text) per segment, independently sent
 * subsegments nested back under their parents at any depth, plus inferred segments.
 * NULL when docs is empty. */
json_t *trace_assemble(json_t *const *docs, size_t n);

#endif
