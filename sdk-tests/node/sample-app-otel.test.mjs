// The sample app across two SDKs: the X-Ray SDK frontend (sample-app/server.mjs) calls the
// OpenTelemetry inventory service (sample-app/otel-service.mjs, OTLP/HTTP protobuf to fluoro's
// /v1/traces) with X-Amzn-Trace-Id. One request must be one trace: frontend segment -> remote
// subsegment -> inventory segment (translated from the OTel SERVER span) -> DynamoDB subsegment,
// with the edges drawn between them, as /api/v1/assert and the assembled trace report.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { Fluoro } from './fluoro.mjs';

const APP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'sample-app');
let fluoro;
const procs = [];

function start(script, env) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(APP, script)], {
      env: { ...process.env, ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    procs.push(p);
    readline.createInterface({ input: p.stdout }).once('line', (line) => {
      const m = line.match(/^listening (\d+)$/);
      if (m) resolve(Number(m[1])); else reject(new Error('unexpected output: ' + line));
    });
    p.once('exit', (code) => reject(new Error(script + ' exited ' + code)));
  });
}

let frontend;
before(async () => {
  fluoro = await Fluoro.start();
  const inventory = await start('otel-service.mjs',
    { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${fluoro.url}/v1/traces` });
  const port = await start('server.mjs', { SERVICE: 'frontend',
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${fluoro.port}`,
    INVENTORY_URL: `http://127.0.0.1:${inventory}` });
  frontend = `http://127.0.0.1:${port}`;
});

after(async () => {
  for (const p of procs) p.kill('SIGTERM');
  await fluoro?.stop();
});

test('an X-Ray SDK service calling an OpenTelemetry service is one trace', async () => {
  const r = await fetch(frontend + '/stock/s-1');
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { id: 's-1', in_stock: 7 });
  const res = await fetch(fluoro.url + '/api/v1/assert', { method: 'POST', body: JSON.stringify({
    filter: 'annotation.stock.id = "s-1"', count: 1, within_ms: 10000,
    tree: { name: 'frontend', subsegments: [{ namespace: 'remote', subsegments: [{
      name: 'inventory', kind: 'segment', annotations: { 'stock.id': 's-1' },
      aws: { xray: { sdk: 'opentelemetry for nodejs' } },
      subsegments: [{ name: 'DynamoDB', namespace: 'aws', aws: { operation: 'GetItem', table_name: 'stock' } }],
    }] }] },
  }) });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  const t = await fluoro.get('/api/v1/traces/' + body.traces.ids[0]);
  const edges = t.edges.map((e) => `${e.source.name} -> ${e.destination.name}`);
  assert.ok(edges.includes('frontend -> inventory'), edges.join(', '));
  assert.ok(edges.includes('inventory -> DynamoDB'), edges.join(', '));
});
