// OpenTelemetry in: the real OpenTelemetry JS SDK and exporters against fluoro's OTLP endpoints.
// - @opentelemetry/exporter-trace-otlp-proto and -otlp-http (protobuf and JSON) to /v1/traces,
//   with the X-Ray id generator and propagator: spans become segments and subsegments the way
//   the Collector's awsxray exporter translates them, checked through /api/v1/assert;
// - a trace begun by an X-Ray SDK service (aws-xray-sdk-core over UDP) and continued by an OTel
//   service (trace header extracted with @opentelemetry/propagator-aws-xray) is one trace;
// - ADOT Node's OTLPUdpSpanExporter (T1S) on UDP 2000, and T1U counted and dropped;
// - @opentelemetry/exporter-logs-otlp-proto to /v1/logs into an existing group and stream;
// - ListRetrievedTraces (TraceFormat OTEL) serves the spans as the SDK sent them.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, FilterLogEventsCommand,
  GetQueryResultsCommand, StartQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  ListRetrievedTracesCommand, StartTraceRetrievalCommand, XRayClient,
} from '@aws-sdk/client-xray';

import { Fluoro } from './fluoro.mjs';

const require = createRequire(import.meta.url);
// ADOT's UDP exporter is not among the package's exports; load its module by path.
const adotSrc = path.dirname(require.resolve('@aws/aws-distro-opentelemetry-node-autoinstrumentation/register'));
const { OTLPUdpSpanExporter } = require(path.join(adotSrc, 'otlp-udp-exporter.js'));

let fluoro;
const clientConfig = () => ({
  endpoint: fluoro.url, region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDFLUORO', secretAccessKey: 'secret' },
});

before(async () => { fluoro = await Fluoro.start(); });
after(async () => { await fluoro?.stop(); });

async function assertSpec(spec) {
  const r = await fetch(fluoro.url + '/api/v1/assert', { method: 'POST', body: JSON.stringify(spec) });
  return { status: r.status, body: await r.json() };
}

function provider(service, exporter, extra = {}) {
  return new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'telemetry.sdk.language': 'nodejs',
      'cloud.provider': 'aws', 'cloud.platform': 'aws_ec2', 'host.id': 'i-0123456789', ...extra }),
    idGenerator: new AWSXRayIdGenerator(),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
}

/** A SERVER span with an AWS SDK CLIENT child that fails with an exception. */
function orderSpans(tracer, orderId, parentCtx = ROOT_CONTEXT) {
  const server = tracer.startSpan('GET /orders/:id', { kind: SpanKind.SERVER, attributes: {
    'http.request.method': 'GET', 'url.full': `http://orders.local/orders/${orderId}`,
    'http.response.status_code': 200, 'order.id': orderId, 'enduser.id': 'alice',
    'aws.xray.annotations': ['order.id'],
  } }, parentCtx);
  const ctx = trace.setSpan(parentCtx, server);
  const call = tracer.startSpan('DynamoDB.PutItem', { kind: SpanKind.CLIENT, attributes: {
    'rpc.system': 'aws-api', 'rpc.service': 'DynamoDB', 'rpc.method': 'PutItem',
    'aws.region': 'us-east-1', 'aws.dynamodb.table_names': ['orders'],
  } }, ctx);
  const err = new Error('ConditionalCheckFailed');
  call.recordException(err);
  call.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  call.end();
  server.end();
  return server.spanContext().traceId;
}

const xrayId = (w3c) => `1-${w3c.slice(0, 8)}-${w3c.slice(8)}`;

for (const [label, Exporter] of [['protobuf', ProtoExporter], ['JSON', HttpJsonExporter]]) {
  test(`OTLP/HTTP ${label} spans become a segment with an aws subsegment`, async () => {
    const tp = provider('orders', new Exporter({ url: `${fluoro.url}/v1/traces` }));
    const orderId = `o-${label}`;
    const traceId = orderSpans(tp.getTracer('test'), orderId);
    await tp.forceFlush();
    await tp.shutdown();
    const { status, body } = await assertSpec({
      filter: `annotation.order.id = "${orderId}"`, count: 1, within_ms: 10000,
      tree: { name: 'orders', kind: 'segment', origin: 'AWS::EC2::Instance',
        http: { request: { method: 'GET' }, response: { status: 200 } },
        subsegments: [{ name: 'DynamoDB', namespace: 'aws', fault: true,
          aws: { operation: 'PutItem', table_name: 'orders', region: 'us-east-1' } }] },
    });
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body.traces.ids, [xrayId(traceId)]);
    const t = await fluoro.get('/api/v1/traces/' + xrayId(traceId));
    const root = t.segments.find((s) => s.name === 'orders');
    assert.equal(root.user, 'alice');
    const exc = root.subsegments[0].cause.exceptions[0];
    assert.equal(exc.message, 'ConditionalCheckFailed');
    assert.ok(exc.stack.length > 0 && exc.stack[0].path.endsWith('.mjs'), JSON.stringify(exc));
    assert.equal(root.metadata.default['otel.resource.service.name'], 'orders');
  });
}

test('a trace begun by the X-Ray SDK and continued by an OTel service is one trace', async () => {
  process.env.AWS_XRAY_DAEMON_ADDRESS = `127.0.0.1:${fluoro.port}`;
  const AWSXRay = require('aws-xray-sdk-core');
  AWSXRay.setDaemonAddress(`127.0.0.1:${fluoro.port}`);
  AWSXRay.setLogger({ error() {}, warn() {}, info() {}, debug() {} });
  const seg = new AWSXRay.Segment('frontend');
  const sub = seg.addNewSubsegment('orders');
  sub.namespace = 'remote';
  // The header the X-Ray SDK sends downstream, read by the OTel service's propagator.
  const header = `Root=${seg.trace_id};Parent=${sub.id};Sampled=1`;
  const parentCtx = new AWSXRayPropagator().extract(ROOT_CONTEXT, { 'x-amzn-trace-id': header },
    { get: (c, k) => c[k], keys: (c) => Object.keys(c) });
  const tp = provider('orders', new ProtoExporter({ url: `${fluoro.url}/v1/traces` }));
  const traceId = orderSpans(tp.getTracer('test'), 'o-mixed', parentCtx);
  await tp.forceFlush();
  await tp.shutdown();
  sub.close();
  seg.close();
  assert.equal(xrayId(traceId), seg.trace_id);
  const { status, body } = await assertSpec({
    filter: 'annotation.order.id = "o-mixed"', count: 1, within_ms: 10000,
    tree: { name: 'frontend', subsegments: [{ name: 'orders', namespace: 'remote',
      subsegments: [{ name: 'orders', kind: 'segment',
        subsegments: [{ name: 'DynamoDB', namespace: 'aws' }] }] }] },
  });
  assert.equal(status, 200, JSON.stringify(body));
  const t = await fluoro.get('/api/v1/traces/' + seg.trace_id);
  const edges = t.edges.map((e) => `${e.source.name} -> ${e.destination.name}`);
  assert.ok(edges.includes('frontend -> orders'), edges.join(', '));
  assert.ok(edges.includes('orders -> DynamoDB'), edges.join(', '));
});

test('ADOT UDP exporter: T1S spans are stored, T1U spans counted and dropped', async () => {
  const before = await fluoro.metric('fluoro_udp_rejected_total', { reason: 'otel_unsampled' });
  const spansBefore = await fluoro.metric('fluoro_otlp_spans_rejected_total', { reason: 'udp_unsampled' });
  const sampled = new OTLPUdpSpanExporter(`127.0.0.1:${fluoro.port}`);
  const tp = provider('lambda-fn', sampled, { 'cloud.platform': 'aws_lambda' });
  const traceId = orderSpans(tp.getTracer('test'), 'o-udp');
  await tp.forceFlush();
  await tp.shutdown();
  const unsampled = new OTLPUdpSpanExporter(`127.0.0.1:${fluoro.port}`, 'T1U');
  const tp2 = provider('lambda-fn', unsampled);
  orderSpans(tp2.getTracer('test'), 'o-unsampled');
  await tp2.forceFlush();
  await tp2.shutdown();
  const { status, body } = await assertSpec({
    filter: 'annotation.order.id = "o-udp"', count: 1, within_ms: 10000,
    tree: { name: 'lambda-fn', origin: 'AWS::Lambda::Function',
      subsegments: [{ name: 'DynamoDB', namespace: 'aws' }] },
  });
  assert.equal(status, 200, JSON.stringify(body));
  assert.deepEqual(body.traces.ids, [xrayId(traceId)]);
  await fluoro.waitIdle();
  // SimpleSpanProcessor exports each of the two spans in its own datagram.
  assert.equal(await fluoro.metric('fluoro_udp_rejected_total', { reason: 'otel_unsampled' }), before + 2);
  assert.equal(await fluoro.metric('fluoro_otlp_spans_rejected_total', { reason: 'udp_unsampled' }),
    spansBefore + 2);
  assert.equal(await fluoro.metric('fluoro_udp_rejected_total', { reason: 'not_json' }), 0);
  const none = await assertSpec({ filter: 'annotation.order.id = "o-unsampled"', count: 0 });
  assert.equal(none.status, 200, JSON.stringify(none.body));
});

test('OTLP logs land in the named stream with their trace linked', async () => {
  const logs = new CloudWatchLogsClient(clientConfig());
  await logs.send(new CreateLogGroupCommand({ logGroupName: 'otel-app' }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: 'otel-app', logStreamName: 'main' }));
  const exporter = new OTLPLogExporter({ url: `${fluoro.url}/v1/logs`,
    headers: { 'x-aws-log-group': 'otel-app', 'x-aws-log-stream': 'main' } });
  const lp = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'orders' }),
    processors: [new SimpleLogRecordProcessor({ exporter })] });
  const tp = provider('orders', new ProtoExporter({ url: `${fluoro.url}/v1/traces` }));
  const span = tp.getTracer('test').startSpan('work', { kind: SpanKind.SERVER });
  const ctx = trace.setSpan(context.active(), span);
  lp.getLogger('test').emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR',
    body: 'payment declined', attributes: { 'order.id': 'o-log' }, context: ctx });
  lp.getLogger('test').emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO',
    body: { event: 'structured', n: 3 } });
  span.end();
  await lp.forceFlush();
  await tp.forceFlush();
  await Promise.all([lp.shutdown(), tp.shutdown()]);
  const found = await logs.send(new FilterLogEventsCommand({ logGroupName: 'otel-app',
    filterPattern: '{ $.severityText = "ERROR" }' }));
  assert.equal(found.events.length, 1);
  const rec = JSON.parse(found.events[0].message);
  assert.equal(rec.body, 'payment declined');
  assert.equal(rec.attributes['order.id'], 'o-log');
  assert.equal(rec.traceId, span.spanContext().traceId);
  assert.equal(rec.spanId, span.spanContext().spanId);
  const structured = await logs.send(new FilterLogEventsCommand({ logGroupName: 'otel-app',
    filterPattern: '{ $.body.event = "structured" }' }));
  assert.equal(JSON.parse(structured.events[0].message).body.n, 3);
  const linked = await fluoro.get(`/api/v1/traces/${xrayId(span.spanContext().traceId)}/logs`);
  const groups = linked.events.map((e) => e.group).sort();
  assert.deepEqual(groups, ['aws/spans', 'otel-app'], JSON.stringify(linked)); // the span and the log
});

test('OTLP logs into a missing group are refused with the OTLP error', async () => {
  const exporter = new OTLPLogExporter({ url: `${fluoro.url}/v1/logs`,
    headers: { 'x-aws-log-group': 'nope', 'x-aws-log-stream': 'main' } });
  const lp = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
  const result = await new Promise((resolve) => exporter.export([{
    hrTime: [Math.floor(Date.now() / 1000), 0], hrTimeObserved: [Math.floor(Date.now() / 1000), 0],
    body: 'x', attributes: {}, resource: resourceFromAttributes({}),
    instrumentationScope: { name: 't' }, droppedAttributesCount: 0,
  }], resolve));
  await lp.shutdown();
  assert.notEqual(result.code, 0);
  assert.equal(result.error?.code, 400, String(result.error));
  assert.equal(await fluoro.metric('fluoro_otlp_requests_rejected_total', { reason: 'no_log_group' }), 1);
});

test('ListRetrievedTraces with TraceFormat OTEL returns the spans as sent', async () => {
  const tp = provider('catalog', new ProtoExporter({ url: `${fluoro.url}/v1/traces` }));
  const traceId = orderSpans(tp.getTracer('test'), 'o-retrieve');
  await tp.forceFlush();
  await tp.shutdown();
  await fluoro.waitIdle();
  const xray = new XRayClient(clientConfig());
  const now = new Date();
  const { RetrievalToken } = await xray.send(new StartTraceRetrievalCommand({
    TraceIds: [xrayId(traceId)], StartTime: new Date(now - 3600e3), EndTime: new Date(+now + 60e3) }));
  let out;
  for (let i = 0; i < 50; i++) {
    out = await xray.send(new ListRetrievedTracesCommand({ RetrievalToken, TraceFormat: 'OTEL' }));
    if (out.RetrievalStatus === 'COMPLETE') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(out.Traces.length, 1);
  const spans = out.Traces[0].Spans.map((s) => JSON.parse(s.Document));
  assert.deepEqual(spans.map((s) => s.name).sort(), ['DynamoDB.PutItem', 'GET /orders/:id']);
  const call = spans.find((s) => s.name === 'DynamoDB.PutItem');
  assert.equal(call.traceId, traceId);
  assert.equal(call.kind, 'CLIENT');
  assert.equal(call.attributes['rpc.method'], 'PutItem');
  assert.equal(call.status.code, 'ERROR');
  assert.equal(call.resource.attributes['service.name'], 'catalog');
});

test('spans are log events of aws/spans, for FilterLogEvents and Insights', async () => {
  const tp = provider('inventory', new ProtoExporter({ url: `${fluoro.url}/v1/traces` }));
  const traceId = orderSpans(tp.getTracer('test'), 'o-spanlog');
  await tp.forceFlush();
  await tp.shutdown();
  await fluoro.waitIdle();
  const logs = new CloudWatchLogsClient(clientConfig());
  const found = await logs.send(new FilterLogEventsCommand({ logGroupName: 'aws/spans',
    filterPattern: `{ $.traceId = "${traceId}" && $.kind = "CLIENT" }` }));
  assert.equal(found.events.length, 1);
  const span = JSON.parse(found.events[0].message);
  assert.equal(span.name, 'DynamoDB.PutItem');
  assert.equal(span.resource.attributes['service.name'], 'inventory');
  const { queryId } = await logs.send(new StartQueryCommand({ logGroupName: 'aws/spans',
    startTime: Math.floor(Date.now() / 1000) - 600, endTime: Math.floor(Date.now() / 1000) + 60,
    queryString: `filter traceId = "${traceId}" | stats count(*) as spans by kind | sort kind` }));
  let res;
  for (let i = 0; i < 50; i++) {
    res = await logs.send(new GetQueryResultsCommand({ queryId }));
    if (res.status === 'Complete') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const rows = res.results.map((r) => Object.fromEntries(r.map((f) => [f.field, f.value])));
  assert.deepEqual(rows.map((r) => [r.kind, r.spans]), [['CLIENT', '1'], ['SERVER', '1']]);
  const linked = await fluoro.get(`/api/v1/traces/${xrayId(traceId)}/logs`);
  assert.equal(linked.events.length, 2, JSON.stringify(linked));
});
