// fluoro's sample app: two instrumented Express services that call each other over HTTP, the way
// a team's real app would reach fluoro. One file, two roles (SERVICE=frontend|backend):
//
//   frontend  GET /order/:id   -> backend GET /items/:id   (tracing header carried by the SDK)
//             GET /stock/:id   -> inventory GET /stock/:id (otel-service.mjs, an OpenTelemetry service)
//             GET /checkout    -> backend GET /fail        (the backend faults; frontend answers 502)
//   backend   GET /items/:id   a "db" subsegment with an SQL-shaped record and an annotation
//             GET /fail        500
//
// Environment: SERVICE, PORT, BACKEND_URL and INVENTORY_URL (frontend), AWS_XRAY_DAEMON_ADDRESS (the SDK's own
// variable: fluoro's UDP address). Every request is sampled so tests see every trace.
// Prints "listening <port>" once ready (the tests and the compose healthcheck wait for it).
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
process.env.AWS_XRAY_CONTEXT_MISSING ||= 'IGNORE_ERROR';
const AWSXRay = require('aws-xray-sdk-core');
const xrayExpress = require('aws-xray-sdk-express');
const express = require('express');

const service = process.env.SERVICE || 'frontend';
const port = Number(process.env.PORT || (service === 'frontend' ? 8080 : 8081));
const backendUrl = process.env.BACKEND_URL || 'http://127.0.0.1:8081';
const inventoryUrl = process.env.INVENTORY_URL || 'http://127.0.0.1:8082';

AWSXRay.setLogger({ error: console.error, warn() {}, info() {}, debug() {} });
AWSXRay.middleware.disableCentralizedSampling();
AWSXRay.middleware.setSamplingRules({ version: 2, rules: [], default: { fixed_target: 1, rate: 1.0 } });
// Outgoing calls become "remote" subsegments and carry X-Amzn-Trace-Id to the callee.
AWSXRay.captureHTTPsGlobal(http, true);

const app = express();
// Health checks stay out of the traces.
app.get('/health', (req, res) => res.json({ ok: true }));
app.use(xrayExpress.openSegment(service));

function callBackend(path, cb, base = backendUrl) {
  http.get(base + path, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c) => { body += c; });
    res.on('end', () => cb(null, res.statusCode, body));
  }).on('error', (err) => cb(err));
}

if (service === 'frontend') {
  app.get('/order/:id', (req, res) => {
    const seg = AWSXRay.getSegment();
    seg?.addAnnotation('order_id', req.params.id);
    callBackend('/items/' + encodeURIComponent(req.params.id), (err, status, body) => {
      if (err) return res.status(502).json({ error: String(err) });
      res.status(status === 200 ? 200 : 502).type('json').send(body);
    });
  });
  app.get('/stock/:id', (req, res) => {
    callBackend('/stock/' + encodeURIComponent(req.params.id), (err, status, body) => {
      if (err) return res.status(502).json({ error: String(err) });
      res.status(status === 200 ? 200 : 502).type('json').send(body);
    }, inventoryUrl);
  });
  app.get('/checkout', (req, res) => {
    callBackend('/fail', (err, status) => {
      res.status(502).json({ error: err ? String(err) : 'backend answered ' + status });
    });
  });
} else {
  app.get('/items/:id', (req, res) => {
    const seg = AWSXRay.getSegment();
    seg?.addAnnotation('item_id', req.params.id);
    const db = seg?.addNewSubsegment('orders-db');
    if (db) {
      db.namespace = 'remote';
      db.addSqlData({ url: 'postgresql://db:5432/orders', database_type: 'PostgreSQL',
        sanitized_query: 'SELECT * FROM items WHERE id = $1' });
    }
    setTimeout(() => {
      db?.close();
      res.json({ id: req.params.id, name: 'widget', price: 9.5 });
    }, 5);
  });
  app.get('/fail', (req, res) => {
    res.status(500).json({ error: 'boom' });
  });
}

app.use(xrayExpress.closeSegment());

const server = app.listen(port, '0.0.0.0', () => {
  console.log('listening ' + server.address().port);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
