// @aws-sdk/client-xray (JS SDK v3) against fluoro's Transaction Search operations, which the
// newer X-Ray models carry (Debian's boto3 1.26 predates them, so this suite covers them):
// StartTraceRetrieval -> ListRetrievedTraces (X-Ray and OTel formats, pages of 5) ->
// GetRetrievedTracesGraph -> CancelTraceRetrieval, the segment destination and the indexing
// rule, each with the bad input the model and the service reject.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  CancelTraceRetrievalCommand, GetIndexingRulesCommand, GetRetrievedTracesGraphCommand,
  GetTraceSegmentDestinationCommand, InvalidRequestException, ListRetrievedTracesCommand,
  PutTraceSegmentsCommand, ResourceNotFoundException, StartTraceRetrievalCommand,
  UpdateIndexingRuleCommand, UpdateTraceSegmentDestinationCommand, XRayClient,
} from '@aws-sdk/client-xray';

import { Fluoro } from './fluoro.mjs';

let fluoro;
let xray;
const now = Date.now() / 1000;
const hex = (n, width) => n.toString(16).padStart(width, '0');
const traceIds = [];

/** Seven traces: frontend (segment) -> backend (segment) with a DynamoDB call under backend. */
function traceDocuments(i) {
  const traceId = `1-${hex(Math.floor(now) - 60 + i, 8)}-${hex(i, 24)}`;
  const start = now - 60 + i;
  const front = hex(0x1000 + i, 16);
  const call = hex(0x2000 + i, 16);
  const back = hex(0x3000 + i, 16);
  traceIds.push(traceId);
  return [
    {
      trace_id: traceId, id: front, name: 'frontend', start_time: start, end_time: start + 0.3,
      http: { request: { method: 'GET', url: 'http://frontend/orders' }, response: { status: 200 } },
      annotations: { tenant: 't1' },
      subsegments: [{ id: call, name: 'backend', namespace: 'remote', start_time: start + 0.01, end_time: start + 0.2 }],
    },
    {
      trace_id: traceId, id: back, parent_id: call, name: 'backend', start_time: start + 0.02,
      end_time: start + 0.19, fault: i === 3,
      subsegments: [{
        id: hex(0x4000 + i, 16), name: 'DynamoDB', namespace: 'aws', start_time: start + 0.03,
        end_time: start + 0.05, aws: { operation: 'GetItem', table_name: 'orders' },
      }],
    },
  ].map((d) => JSON.stringify(d));
}

before(async () => {
  fluoro = await Fluoro.start();
  xray = new XRayClient({
    endpoint: fluoro.url, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const docs = [];
  for (let i = 0; i < 7; i++) docs.push(...traceDocuments(i));
  const out = await xray.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: docs }));
  assert.deepEqual(out.UnprocessedTraceSegments, []);
});

after(async () => {
  xray?.destroy();
  await fluoro?.stop();
});

const window = () => ({ StartTime: new Date((now - 3600) * 1000), EndTime: new Date((now + 60) * 1000) });

test('a retrieval lists the stored traces five at a time, as X-Ray documents', async () => {
  const missing = '1-00000000-000000000000000000000000';
  const { RetrievalToken } = await xray.send(new StartTraceRetrievalCommand({
    TraceIds: [...traceIds, missing], ...window(),
  }));
  assert.ok(RetrievalToken);
  const first = await xray.send(new ListRetrievedTracesCommand({ RetrievalToken }));
  assert.equal(first.RetrievalStatus, 'COMPLETE');
  assert.equal(first.TraceFormat, 'XRAY');
  assert.equal(first.Traces.length, 5);
  assert.ok(first.NextToken);
  const second = await xray.send(new ListRetrievedTracesCommand({ RetrievalToken, NextToken: first.NextToken }));
  assert.equal(second.Traces.length, 2);
  assert.equal(second.NextToken, undefined);
  const got = [...first.Traces, ...second.Traces];
  assert.deepEqual(got.map((t) => t.Id), traceIds, 'request order, the unknown id left out');
  const t0 = got[0];
  assert.ok(Math.abs(t0.Duration - 0.3) < 1e-6, `duration ${t0.Duration}`);
  const docs = t0.Spans.map((s) => JSON.parse(s.Document));
  assert.deepEqual(docs.filter((d) => !d.inferred).map((d) => d.name).sort(), ['backend', 'frontend']);
  for (const s of t0.Spans) assert.equal(JSON.parse(s.Document).id, s.Id);
});

test('the OTEL format converts segments and subsegments to spans', async () => {
  const { RetrievalToken } = await xray.send(new StartTraceRetrievalCommand({ TraceIds: [traceIds[3]], ...window() }));
  const out = await xray.send(new ListRetrievedTracesCommand({ RetrievalToken, TraceFormat: 'OTEL' }));
  assert.equal(out.TraceFormat, 'OTEL');
  const spans = out.Traces[0].Spans.map((s) => JSON.parse(s.Document));
  const byName = Object.fromEntries(spans.map((s) => [s.name, s]));
  assert.deepEqual(Object.keys(byName).sort(), ['DynamoDB', 'backend', 'frontend']);
  const otelId = traceIds[3].slice(2, 10) + traceIds[3].slice(11);
  for (const s of spans) assert.equal(s.traceId, otelId);
  assert.equal(byName.frontend.kind, 'SERVER');
  assert.equal(byName.frontend.attributes['http.request.method'], 'GET');
  assert.equal(byName.frontend.attributes['http.response.status_code'], 200);
  assert.equal(byName.frontend.attributes['aws.xray.annotation.tenant'], 't1');
  assert.equal(byName.backend.status.code, 'ERROR', 'trace 3 faults in backend');
  assert.equal(byName.DynamoDB.kind, 'CLIENT');
  assert.equal(byName.DynamoDB.parentSpanId, byName.backend.spanId);
  assert.equal(byName.DynamoDB.resource.attributes['service.name'], 'backend');
  assert.equal(byName.DynamoDB.durationNano, byName.DynamoDB.endTimeUnixNano - byName.DynamoDB.startTimeUnixNano);
});

test('the retrieved traces graph is the service graph of those traces', async () => {
  const { RetrievalToken } = await xray.send(new StartTraceRetrievalCommand({ TraceIds: traceIds.slice(0, 4), ...window() }));
  const out = await xray.send(new GetRetrievedTracesGraphCommand({ RetrievalToken }));
  assert.equal(out.RetrievalStatus, 'COMPLETE');
  const names = out.Services.map((s) => `${s.Service.Name}|${s.Service.Type}`);
  for (const want of ['frontend|client', 'frontend|', 'backend|', 'DynamoDB|AWS::DynamoDB::Table']) {
    assert.ok(names.includes(want), `${want} in ${names}`);
  }
  const backend = out.Services.find((s) => s.Service.Name === 'backend').Service;
  assert.equal(backend.SummaryStatistics.TotalCount, 4);
  assert.equal(backend.SummaryStatistics.FaultStatistics.TotalCount, 1);
  for (const s of out.Services) assert.deepEqual(s.Links, []);
});

test('a time window that misses the traces retrieves none; cancel is reported', async () => {
  const { RetrievalToken } = await xray.send(new StartTraceRetrievalCommand({
    TraceIds: traceIds, StartTime: new Date((now - 7200) * 1000), EndTime: new Date((now - 3600) * 1000),
  }));
  const out = await xray.send(new ListRetrievedTracesCommand({ RetrievalToken }));
  assert.deepEqual(out.Traces, []);
  await xray.send(new CancelTraceRetrievalCommand({ RetrievalToken }));
  const cancelled = await xray.send(new ListRetrievedTracesCommand({ RetrievalToken }));
  assert.equal(cancelled.RetrievalStatus, 'CANCELLED');
  const graph = await xray.send(new GetRetrievedTracesGraphCommand({ RetrievalToken }));
  assert.equal(graph.RetrievalStatus, 'CANCELLED');
  assert.deepEqual(graph.Services, []);
});

test('retrieval bad input', async () => {
  const notFound = (e) => e instanceof ResourceNotFoundException;
  const invalid = (e) => e instanceof InvalidRequestException;
  await assert.rejects(xray.send(new ListRetrievedTracesCommand({ RetrievalToken: 'nope' })), notFound);
  await assert.rejects(xray.send(new GetRetrievedTracesGraphCommand({ RetrievalToken: 'nope' })), notFound);
  await assert.rejects(xray.send(new CancelTraceRetrievalCommand({ RetrievalToken: 'nope' })), notFound);
  await assert.rejects(xray.send(new StartTraceRetrievalCommand({ TraceIds: ['x'.repeat(36)], ...window() })), invalid);
  await assert.rejects(xray.send(new StartTraceRetrievalCommand({
    TraceIds: Array.from({ length: 101 }, (_, i) => `id-${i}`), ...window(),
  })), invalid);
  await assert.rejects(xray.send(new StartTraceRetrievalCommand({
    TraceIds: traceIds, StartTime: new Date(now * 1000), EndTime: new Date((now - 60) * 1000),
  })), invalid);
  await assert.rejects(xray.send(new StartTraceRetrievalCommand({ TraceIds: traceIds })), invalid);
  const { RetrievalToken } = await xray.send(new StartTraceRetrievalCommand({ TraceIds: traceIds, ...window() }));
  await assert.rejects(xray.send(new ListRetrievedTracesCommand({ RetrievalToken, TraceFormat: 'JSON' })), invalid);
  await assert.rejects(xray.send(new ListRetrievedTracesCommand({ RetrievalToken, NextToken: 'garbage' })), invalid);
});

test('the trace segment destination is stored and reported', async () => {
  const initial = await xray.send(new GetTraceSegmentDestinationCommand({}));
  assert.deepEqual([initial.Destination, initial.Status], ['XRay', 'ACTIVE']);
  const updated = await xray.send(new UpdateTraceSegmentDestinationCommand({ Destination: 'CloudWatchLogs' }));
  assert.equal(updated.Destination, 'CloudWatchLogs');
  const after = await xray.send(new GetTraceSegmentDestinationCommand({}));
  assert.equal(after.Destination, 'CloudWatchLogs');
  await assert.rejects(xray.send(new UpdateTraceSegmentDestinationCommand({ Destination: 'S3' })),
    (e) => e instanceof InvalidRequestException);
});

test('the Default indexing rule can be updated within 0-100 percent', async () => {
  const initial = await xray.send(new GetIndexingRulesCommand({}));
  assert.equal(initial.IndexingRules.length, 1);
  assert.equal(initial.IndexingRules[0].Name, 'Default');
  assert.equal(initial.IndexingRules[0].Rule.Probabilistic.DesiredSamplingPercentage, 1);
  const out = await xray.send(new UpdateIndexingRuleCommand({
    Name: 'Default', Rule: { Probabilistic: { DesiredSamplingPercentage: 25 } },
  }));
  assert.equal(out.IndexingRule.Rule.Probabilistic.DesiredSamplingPercentage, 25);
  assert.ok(out.IndexingRule.ModifiedAt instanceof Date);
  assert.ok(Math.abs(out.IndexingRule.ModifiedAt.getTime() / 1000 - Date.now() / 1000) < 60);
  const again = await xray.send(new GetIndexingRulesCommand({}));
  assert.equal(again.IndexingRules[0].Rule.Probabilistic.DesiredSamplingPercentage, 25);
  await assert.rejects(xray.send(new UpdateIndexingRuleCommand({
    Name: 'Other', Rule: { Probabilistic: { DesiredSamplingPercentage: 5 } },
  })), (e) => e instanceof ResourceNotFoundException);
  await assert.rejects(xray.send(new UpdateIndexingRuleCommand({
    Name: 'Default', Rule: { Probabilistic: { DesiredSamplingPercentage: 101 } },
  })), (e) => e instanceof InvalidRequestException);
  await assert.rejects(xray.send(new UpdateIndexingRuleCommand({ Name: 'Default', Rule: {} })),
    (e) => e instanceof InvalidRequestException);
});
