// aws-xray-sdk-core against fluoro: segments built with the SDK travel over UDP exactly as an
// instrumented app sends them and come back through @aws-sdk/client-xray; the SDK's centralized
// sampling pollers talk to fluoro's TCP port (unsigned) and accept its answers.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';

import {
  BatchGetTracesCommand, GetTraceSummariesCommand, InvalidRequestException, XRayClient,
} from '@aws-sdk/client-xray';

import { Fluoro } from './fluoro.mjs';

const require = createRequire(import.meta.url);
let fluoro;
let AWSXRay;
let xray;

before(async () => {
  fluoro = await Fluoro.start();
  // The SDK reads the daemon address when it is first loaded.
  process.env.AWS_XRAY_DAEMON_ADDRESS = `127.0.0.1:${fluoro.port}`;
  process.env.AWS_XRAY_CONTEXT_MISSING = 'IGNORE_ERROR';
  AWSXRay = require('aws-xray-sdk-core');
  AWSXRay.setLogger({ error() {}, warn() {}, info() {}, debug() {} });
  xray = new XRayClient({
    endpoint: fluoro.url, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

after(async () => {
  xray?.destroy();
  await fluoro?.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits for ingest to settle, then returns the trace's parsed documents. */
async function traceDocs(traceId, count) {
  let docs = [];
  for (let i = 0; i < 50; i++) {
    await fluoro.waitIdle();
    const out = await xray.send(new BatchGetTracesCommand({ TraceIds: [traceId] }));
    if (out.Traces.length === 1) {
      docs = out.Traces[0].Segments.map((s) => JSON.parse(s.Document));
      if (docs.filter((d) => !d.inferred).length >= count) return { trace: out.Traces[0], docs };
    }
    await sleep(20); // the SDK's UDP send is asynchronous: it may not have left the process yet
  }
  assert.fail(`trace ${traceId} did not arrive: ${JSON.stringify(docs)}`);
}

function findSub(doc, name) {
  for (const s of doc.subsegments || []) {
    if (s.name === name) return s;
    const hit = findSub(s, name);
    if (hit) return hit;
  }
  return undefined;
}

test('segments built with aws-xray-sdk-core arrive over UDP and read back via client-xray', async () => {
  const seg = new AWSXRay.Segment('node-orders');
  seg.setUser('carol');
  seg.addAnnotation('order_id', 'ord-42');
  seg.addAnnotation('items', 3);
  seg.addAnnotation('express', true);
  seg.addMetadata('payload', { big: [1, 2, 3] });
  seg.addIncomingRequestData({ request: { method: 'POST', url: 'http://localhost/orders',
    user_agent: 'node-test', client_ip: '127.0.0.1' }, response: { status: 500 } });

  const ddb = seg.addNewSubsegment('DynamoDB');
  ddb.namespace = 'aws';
  ddb.addAttribute('aws', { operation: 'PutItem', region: 'us-east-1', table_name: 'orders',
    retries: 0 });
  ddb.addAttribute('http', { response: { status: 200 } });
  ddb.close();

  const work = seg.addNewSubsegment('charge-card');
  work.addAnnotation('provider', 'acme');
  const inner = work.addNewSubsegment('http-call');
  inner.namespace = 'remote';
  inner.addAttribute('http', { request: { method: 'POST', url: 'https://pay.example/charge' },
    response: { status: 502 } });
  inner.close();
  const err = new Error('card declined upstream');
  work.addError(err);
  work.close();
  seg.close(err); // the error propagated out of the handler

  const { trace, docs } = await traceDocs(seg.trace_id, 1);
  assert.equal(trace.Id, seg.trace_id);
  const real = docs.filter((d) => !d.inferred);
  assert.equal(real.length, 1);
  const d = real[0];
  assert.equal(d.id, seg.id);
  assert.equal(d.name, 'node-orders');
  assert.equal(d.user, 'carol');
  assert.equal(d.fault, true);
  assert.equal(d.aws.xray.sdk, 'X-Ray for Node.js');
  assert.deepEqual(d.annotations, { order_id: 'ord-42', items: 3, express: true });
  assert.deepEqual(d.metadata.default.payload, { big: [1, 2, 3] });
  const w = findSub(d, 'charge-card');
  assert.equal(w.fault, true);
  assert.equal(w.cause.exceptions[0].message, 'card declined upstream');
  assert.equal(w.cause.exceptions[0].type, 'Error');
  assert.ok(Array.isArray(w.cause.exceptions[0].stack) && w.cause.exceptions[0].stack.length > 0);
  assert.match(w.cause.exceptions[0].id, /^[0-9a-f]{16}$/);
  assert.equal(findSub(w, 'http-call').namespace, 'remote');
  const inferred = Object.fromEntries(docs.filter((x) => x.inferred).map((x) => [x.name, x]));
  assert.equal(inferred.DynamoDB.origin, 'AWS::DynamoDB::Table');
  assert.equal(inferred.DynamoDB.parent_id, ddb.id);
  assert.ok(inferred['http-call'], Object.keys(inferred).join());

  const now = Date.now() / 1000;
  const out = await xray.send(new GetTraceSummariesCommand({
    StartTime: new Date((now - 600) * 1000), EndTime: new Date((now + 60) * 1000),
    FilterExpression: 'annotation.order_id = "ord-42" AND user = "carol"',
  }));
  assert.equal(out.TraceSummaries.length, 1);
  const s = out.TraceSummaries[0];
  assert.equal(s.Id, seg.trace_id);
  assert.equal(s.HasFault, true);
  assert.equal(s.IsPartial, false);
  assert.equal(s.Http.HttpStatus, 500);
  assert.equal(s.Http.HttpMethod, 'POST');
  assert.equal(s.Http.UserAgent, 'node-test');
  assert.deepEqual(s.Users.map((u) => u.UserName), ['carol']);
  assert.equal(s.Annotations.order_id[0].AnnotationValue.StringValue, 'ord-42');
  assert.equal(s.Annotations.items[0].AnnotationValue.NumberValue, 3);
  assert.equal(s.Annotations.express[0].AnnotationValue.BooleanValue, true);
  assert.equal(s.Annotations.provider[0].AnnotationValue.StringValue, 'acme');
  assert.equal(s.EntryPoint.Name, 'node-orders');
  assert.ok(Math.abs(s.ResponseTime - (d.end_time - d.start_time)) < 1e-3);
  assert.ok(s.ServiceIds.some((x) => x.Name === 'DynamoDB'));
  assert.ok(s.Duration >= s.ResponseTime - 1e-6);
});

test('subsegments the SDK streams on their own are nested back under their parent', async () => {
  AWSXRay.SegmentUtils.setStreamingThreshold(0);
  try {
    const stored = (await fluoro.get('/api/v1/stats')).segments;
    const seg = new AWSXRay.Segment('node-streamer');
    const first = seg.addNewSubsegment('step-1');
    first.addAnnotation('step', 1);
    first.close();
    const second = seg.addNewSubsegment('step-2'); // streams the closed step-1 on its own
    second.close();
    seg.close();
    const { docs } = await traceDocs(seg.trace_id, 1);
    const real = docs.filter((x) => !x.inferred);
    assert.equal(real.length, 1, JSON.stringify(docs));
    const names = (real[0].subsegments || []).map((x) => x.name).sort();
    assert.deepEqual(names, ['step-1', 'step-2']);
    assert.equal(findSub(real[0], 'step-1').annotations.step, 1);
    // Two documents were stored: the streamed step-1 on its own, then the segment.
    assert.equal((await fluoro.get('/api/v1/stats')).segments, stored + 2);
  } finally {
    AWSXRay.SegmentUtils.setStreamingThreshold(100);
  }
});

test('client-xray maps fluoro errors to modeled exceptions', async () => {
  const now = new Date();
  await assert.rejects(
    xray.send(new GetTraceSummariesCommand({ StartTime: now, EndTime: new Date(now - 60000) })),
    (e) => e instanceof InvalidRequestException && /StartTime/.test(e.message)
      && e.$metadata.httpStatusCode === 400 && Boolean(e.$metadata.requestId));
  await assert.rejects(
    xray.send(new GetTraceSummariesCommand({ StartTime: new Date(now - 60000), EndTime: now,
      FilterExpression: 'service("x" {' })),
    (e) => e instanceof InvalidRequestException);
});

test('the SDK sampling pollers fetch rules and targets from fluoro, unsigned', async () => {
  const sampler = AWSXRay.middleware.sampler;
  const before200 = await fluoro.metric('fluoro_http_requests_total', { route: 'xray', status: '200' });
  const request = { host: 'shop.example', httpMethod: 'GET', urlPath: '/cart', serviceName: 'node-svc' };
  sampler.shouldSample(request); // starts the rule poller (immediate fetch) and the target poller
  let rules = [];
  for (let i = 0; i < 200 && rules.length === 0; i++) {
    await sleep(25);
    rules = sampler.ruleCache.getRules();
  }
  assert.ok(rules.length > 0, 'the SDK never loaded centralized rules:\n' + fluoro.log().slice(-2000));
  const def = rules.find((r) => r.getName() === 'Default');
  assert.ok(def && def.isDefault(), 'Default rule accepted by the SDK');
  assert.equal(def.getRate(), 0.05);
  assert.match(fluoro.log(), /method=POST path="\/GetSamplingRules" status=200/);

  // Requests now match the Default rule; the target poller reports them within ~10 s.
  for (let i = 0; i < 5; i++) sampler.shouldSample(request);
  assert.ok(def.everMatched());
  const reservoir = def.getReservoir();
  for (let i = 0; i < 600 && reservoir.quota === null; i++) await sleep(25);
  assert.equal(reservoir.quota, 1, 'no sampling targets loaded:\n' + fluoro.log().slice(-2000));
  assert.ok(reservoir.TTL > 0);
  assert.equal(reservoir.reportInterval, 1); // Interval 10 s / the poller's 10 s tick
  assert.match(fluoro.log(), /method=POST path="\/SamplingTargets" status=200/);
  const after200 = await fluoro.metric('fluoro_http_requests_total', { route: 'xray', status: '200' });
  assert.ok(after200 >= before200 + 2, `${before200} -> ${after200}`);
  // The first request of a fresh second is sampled by the Default rule. (Node reads
  // ReservoirQuotaTTL as milliseconds, so it borrows instead of taking from the quota; see
  // reference/daemon-protocol.md.)
  await sleep(1000 - (Date.now() % 1000) + 5);
  assert.equal(sampler.shouldSample(request), 'Default');
});
