// The sample app's OpenTelemetry service: "inventory", instrumented with the OpenTelemetry JS SDK
// (no X-Ray SDK), exporting OTLP/HTTP protobuf to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, which is
// fluoro's /v1/traces. The X-Ray SDK frontend (server.mjs) calls it with X-Amzn-Trace-Id, read here
// by the AWS X-Ray propagator, so the request is one trace across both SDKs.
//
//   GET /stock/:id   a SERVER span, and under it a DynamoDB GetItem CLIENT span (AWS SDK shape)
//
// Environment: PORT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_SERVICE_NAME (default inventory).
// Prints "listening <port>" once ready.
import http from 'node:http';

import { context, SpanKind, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

const port = Number(process.env.PORT || 8082);
const service = process.env.OTEL_SERVICE_NAME || 'inventory';
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': service, 'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry' }),
  idGenerator: new AWSXRayIdGenerator(),
  // The exporter reads OTEL_EXPORTER_OTLP_TRACES_ENDPOINT itself.
  spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter())],
});
const tracer = provider.getTracer('fluoro-sample-app');
const propagator = new AWSXRayPropagator();
const getter = { get: (h, k) => h[k], keys: (h) => Object.keys(h) };

const server = http.createServer((req, res) => {
  const m = req.url.match(/^\/stock\/([^/?]+)/);
  if (req.url === '/health' || !m) {
    res.writeHead(m ? 200 : 404, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify({ ok: !!m || req.url === '/health' }));
  }
  const parent = propagator.extract(context.active(), req.headers, getter);
  const span = tracer.startSpan('GET /stock/:id', { kind: SpanKind.SERVER, attributes: {
    'http.request.method': 'GET', 'url.full': `http://${req.headers.host}${req.url}`,
    'stock.id': m[1], 'aws.xray.annotations': ['stock.id'],
  } }, parent);
  const call = tracer.startSpan('DynamoDB.GetItem', { kind: SpanKind.CLIENT, attributes: {
    'rpc.system': 'aws-api', 'rpc.service': 'DynamoDB', 'rpc.method': 'GetItem',
    'aws.dynamodb.table_names': ['stock'],
  } }, trace.setSpan(parent, span));
  setTimeout(() => {
    call.end();
    span.setAttribute('http.response.status_code', 200);
    span.end();
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ id: m[1], in_stock: 7 }));
  }, 3);
});

server.listen(port, '0.0.0.0', () => console.log('listening ' + server.address().port));
process.on('SIGTERM', () => provider.shutdown().finally(() => server.close(() => process.exit(0))));
