// The Node sample app (sample-app/server.mjs: two Express services instrumented with
// aws-xray-sdk-core + aws-xray-sdk-express) against fluoro: one request through both services
// must be one trace with an edge frontend -> backend, and POST /api/v1/assert must say so.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { Fluoro } from './fluoro.mjs';

const APP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'sample-app',
  'server.mjs');
let fluoro;
const procs = [];

function startService(env) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [APP], { env: { ...process.env, ...env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'] });
    procs.push(p);
    const lines = readline.createInterface({ input: p.stdout });
    lines.once('line', (line) => {
      const m = line.match(/^listening (\d+)$/);
      if (m) resolve(Number(m[1])); else reject(new Error('unexpected output: ' + line));
    });
    p.once('exit', (code) => reject(new Error('sample app exited ' + code)));
  });
}

let frontend;
before(async () => {
  fluoro = await Fluoro.start();
  const daemon = { AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${fluoro.port}` };
  const backendPort = await startService({ ...daemon, SERVICE: 'backend' });
  const frontendPort = await startService({ ...daemon, SERVICE: 'frontend',
    BACKEND_URL: `http://127.0.0.1:${backendPort}` });
  frontend = `http://127.0.0.1:${frontendPort}`;
});

after(async () => {
  for (const p of procs) p.kill('SIGTERM');
  await fluoro?.stop();
});

async function assertSpec(spec) {
  const r = await fetch(fluoro.url + '/api/v1/assert', { method: 'POST',
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(spec) });
  return { status: r.status, body: await r.json() };
}

test('a request through both services is one trace with an edge between them', async () => {
  const r = await fetch(frontend + '/order/n-1');
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { id: 'n-1', name: 'widget', price: 9.5 });
  const { status, body } = await assertSpec({
    filter: 'annotation.order_id = "n-1"', count: 1, within_ms: 10000,
    tree: { name: 'frontend', subsegments: [{ namespace: 'remote',
      subsegments: [{ name: 'backend', kind: 'segment', annotations: { item_id: 'n-1' } }] }] },
  });
  assert.equal(status, 200, JSON.stringify(body));
  const [traceId] = body.traces.ids;
  const trace = await fluoro.get('/api/v1/traces/' + traceId);
  const edges = trace.edges.map((e) => `${e.source.name} -> ${e.destination.name}`);
  assert.ok(edges.includes('frontend -> backend'), edges.join(', '));
  const sent = trace.segments.filter((s) => !s.inferred).map((s) => s.name).sort();
  assert.deepEqual(sent, ['backend', 'frontend']);
  const backend = trace.segments.find((s) => s.name === 'backend');
  const frontSeg = trace.segments.find((s) => s.name === 'frontend');
  assert.equal(backend.parent_id, frontSeg.subsegments[0].id);
});

test('a broken expectation on the sample app is a 422 with the first difference', async () => {
  assert.equal((await fetch(frontend + '/order/n-2')).status, 200);
  const arrived = await assertSpec({ filter: 'annotation.order_id = "n-2"', within_ms: 10000,
    tree: { name: 'backend' } });
  assert.equal(arrived.status, 200, JSON.stringify(arrived.body));
  const { status, body } = await assertSpec({
    filter: 'annotation.order_id = "n-2"',
    tree: { name: 'frontend', subsegments: [{ name: 'backend', http: { response: { status: 503 } } }] },
  });
  assert.equal(status, 422);
  assert.equal(body.error.code, 'AssertionFailed');
  assert.match(body.error.message, /http\.response\.status expected 503, found 200/);
});
