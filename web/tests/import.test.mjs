// import.test.mjs - viewing traces that are not in the store (#/import): a BatchGetTraces
// response picked as a file, fluoro's own trace JSON after the store is reset, an NDJSON export
// dropped on the page, and a file that is none of these. The imported trace gets the server's
// analysis through POST /api/v1/analyze, which stores nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ownServer } from './own-server.mjs';

// A fluoro of this file's own: the test resets its store.
const server = await ownServer();
const { launch, usePage, shot, api, putSegments, waitIdle, newTraceId, hex, BASE } = await import('./helpers.mjs');

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  await server.stop();
});

const withPage = (fn, allow) => usePage(browser, fn, allow);

// checkout [0,1] -> pay [0,0.3], ship [0.3,0.9], and notify [0.4,0.6] in parallel with ship.
function docs(tid, t0) {
  const id = { root: hex(16), pay: hex(16), ship: hex(16), notify: hex(16) };
  const root = {
    trace_id: tid, id: id.root, name: 'checkout', start_time: t0, end_time: t0 + 1, http: { request: { method: 'POST', url: 'https://shop.example/checkout' }, response: { status: 201 } },
    subsegments: [
      { id: id.pay, name: 'pay', start_time: t0, end_time: t0 + 0.3 },
      { id: id.ship, name: 'ship', start_time: t0 + 0.3, end_time: t0 + 0.9 },
      { id: id.notify, name: 'notify', start_time: t0 + 0.4, end_time: t0 + 0.6 },
    ],
  };
  return { id, root };
}

async function pick(page, name, text) {
  await page.goto(`${BASE}/#/import`);
  await page.getByLabel('Choose a trace file').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
}

test('a BatchGetTraces response picked as a file opens in the trace page with its critical path', async () => {
  const tid = newTraceId();
  const { id, root } = docs(tid, Date.now() / 1000 - 100);
  const batch = { Traces: [{ Id: tid, Duration: 1, LimitExceeded: false, Segments: [{ Id: root.id, Document: JSON.stringify(root) }] }], UnprocessedTraceIds: [] };
  await withPage(async (page) => {
    await pick(page, 'batch.json', JSON.stringify(batch));
    await page.waitForFunction((t) => location.hash === `#/import/${t}`, tid);
    await page.locator('.wf-row').first().waitFor();
    assert.equal(await page.locator('.wf-row').count(), 4);
    assert.match(await page.locator('.trace-head').textContent(), /not in the store/);
    await page.getByLabel('Critical path').check();
    const crit = await page.locator('.wf-row.critical').evaluateAll((els) => els.map((e) => e.dataset.id));
    assert.deepEqual(crit.sort(), [id.root, id.pay, id.ship].sort());
    await shot(page, 'import-trace');
  });
  assert.equal((await api(`/api/v1/traces/${tid}`)).status, 404, 'importing stores nothing');
});

test("fluoro's own trace JSON imports after the store is reset", async () => {
  const tid = newTraceId();
  const { root } = docs(tid, Date.now() / 1000 - 50);
  await putSegments([root]);
  await waitIdle();
  const exported = (await api(`/api/v1/traces/${tid}`)).body;
  assert.equal((await api('/api/v1/reset', { method: 'POST' })).status, 200);
  await withPage(async (page) => {
    await pick(page, `${tid}.json`, JSON.stringify(exported));
    await page.locator('.wf-row').first().waitFor();
    assert.equal(await page.locator('.root-name').textContent(), 'checkout');
    await page.getByRole('button', { name: 'Statistics' }).click();
    const counts = await page.locator('td[data-col="count"]').allTextContents();
    assert.equal(counts.map(Number).reduce((a, b) => a + b, 0), 4);
  });
});

test('an NDJSON export dropped on the page lists its traces; a bad file says why', async () => {
  const a = newTraceId();
  const b = newTraceId();
  const now = Date.now() / 1000;
  const ndjson = [a, b].map((t, i) => JSON.stringify({ trace_id: t, segments: [docs(t, now - 40 + i).root] })).join('\n');
  await withPage(async (page) => {
    await page.goto(`${BASE}/#/import`);
    const zone = page.locator('.drop-zone');
    const dt = await page.evaluateHandle((text) => {
      const d = new DataTransfer();
      d.items.add(new File([text], 'export.ndjson', { type: 'application/x-ndjson' }));
      return d;
    }, ndjson);
    await zone.dispatchEvent('drop', { dataTransfer: dt });
    const table = page.getByRole('table', { name: 'Imported traces' });
    await table.waitFor();
    const ids = await table.locator('tbody a').allTextContents();
    assert.deepEqual(ids.sort(), [a, b].sort());
    await shot(page, 'import-list');
    await page.getByLabel('Choose a trace file').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"hello": 1}') });
    assert.match(await page.locator('[role="alert"]').textContent(), /Cannot import: bad.json: not a fluoro trace export/);
  });
});

test('POST /api/v1/analyze answers bad bodies with a 400 in the API error format', async () => {
  const bad = await api('/api/v1/analyze', { method: 'POST', body: '{"segments": [' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'InvalidParameter');
  const none = await api('/api/v1/analyze', { method: 'POST', body: '{"x": 1}' });
  assert.equal(none.status, 400);
  assert.match(none.body.error.message, /segments/);
});
