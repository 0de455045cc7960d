// compare.test.mjs - comparing two traces: picked with the checkboxes on the Traces page (or by
// pasting ids), merged into one tree that marks spans present on one side only and shows the
// duration difference per span; and j/k/Enter on the trace list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ownServer } from './own-server.mjs';

// A fluoro of this file's own: the traces and logs stored here would change the demo's counts.
const server = await ownServer();
const { launch, usePage, shot, putSegments, waitIdle, newTraceId, hex, BASE } = await import('./helpers.mjs');

let browser;
const tag = `cmp${hex(6)}`;
let ta;
let tb;

// A: checkout [0,0.5] -> auth 100 ms, DynamoDB GetItem 200 ms, legacy-audit 50 ms.
// B: checkout [0,0.6] -> auth 150 ms, DynamoDB GetItem 200 ms, fraud-check 120 ms.
function trace(tid, t0, parts, total) {
  let at = t0;
  const subsegments = parts.map(([name, ms, extra = {}]) => {
    const s = { id: hex(16), name, start_time: at, end_time: at + ms / 1000, ...extra };
    at += ms / 1000;
    return s;
  });
  return { trace_id: tid, id: hex(16), name: 'checkout', start_time: t0, end_time: t0 + total, annotations: { run: tag }, subsegments };
}

before(async () => {
  browser = await launch();
  ta = newTraceId();
  tb = newTraceId();
  const now = Date.now() / 1000;
  const ddb = ['DynamoDB', 200, { namespace: 'aws', aws: { operation: 'GetItem' } }];
  await putSegments([
    trace(ta, now - 20, [['auth', 100], ddb, ['legacy-audit', 50]], 0.5),
    trace(tb, now - 10, [['auth', 150], ddb, ['fraud-check', 120]], 0.6),
  ]);
  await waitIdle();
});

after(async () => {
  if (browser) await browser.close();
  await server.stop();
});

const withPage = (fn, allow) => usePage(browser, fn, allow);

test('two traces picked on the Traces page open a merged tree with the known differences', async () => {
  await withPage(async (page) => {
    await page.goto(`${BASE}/#/traces?filter=${encodeURIComponent(`annotation.run = "${tag}"`)}`);
    await page.locator('tr.trace-row').first().waitFor();
    assert.equal(await page.locator('tr.trace-row').count(), 2);
    await page.getByLabel(`Compare ${ta}`).check();
    assert.match(await page.locator('.cmp-bar').textContent(), /Pick one more/);
    await page.getByLabel(`Compare ${tb}`).check();
    await shot(page, 'traces-compare-picked');
    await page.locator('.cmp-bar').getByRole('button', { name: 'Compare' }).click();
    await page.waitForFunction(() => location.hash.startsWith('#/compare'));
    const table = page.getByRole('table', { name: 'Merged span tree' });
    await table.waitFor();
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => ({ name: tr.dataset.name, cls: tr.className, cells: [...tr.children].map((td) => td.textContent) })));
    const by = Object.fromEntries(rows.map((r) => [r.name, r]));
    // The DynamoDB call carries the segment X-Ray infers for it (the second DynamoDB row).
    assert.deepEqual(rows.map((r) => r.name), ['checkout', 'auth', 'DynamoDB', 'DynamoDB', 'legacy-audit', 'fraud-check']);
    // Picked order: A is the first ticked.
    // Shown rounded as the UI formats them; times sent as epoch doubles may be off by ~1e-7 s.
    const ms = (cells) => cells.map((c) => (c === '±0' ? 0 : Math.round(Number(c.replace('−', '-').replace(/ ms$/, '')))));
    assert.deepEqual(ms(by.auth.cells.slice(1)), [100, 150, 50]);
    assert.deepEqual(ms(by.DynamoDB.cells.slice(1)), [200, 200, 0]);
    assert.deepEqual(ms(by.checkout.cells.slice(1)), [500, 600, 100]);
    assert.match(by.auth.cells[3], /^\+/, 'slower in B is marked +');
    assert.match(by['legacy-audit'].cls, /only-a/);
    assert.match(by['legacy-audit'].cells[0], /only in A/);
    assert.deepEqual(by['legacy-audit'].cells[2], '—');
    assert.match(by['fraud-check'].cls, /only-b/);
    assert.deepEqual(by['fraud-check'].cells.slice(1, 3), ['—', '120 ms']);
    assert.equal(await page.locator('[data-only="a"]').textContent(), '1');
    assert.equal(await page.locator('[data-only="b"]').textContent(), '1');
    await shot(page, 'compare');
  });
});

test('pasting two ids compares them; swapping sides flips the signs', async () => {
  await withPage(async (page) => {
    await page.goto(`${BASE}/#/compare`);
    await page.getByLabel('Trace A').fill(tb);
    await page.getByLabel('Trace B').fill(ta);
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    const auth = page.locator('tr.cmp-row[data-name="auth"] .cmp-delta');
    await auth.waitFor();
    assert.match(await auth.textContent(), /^−(50\.0|49\.\d) ms$/);
    assert.match(await page.locator('tr.cmp-row[data-name="fraud-check"]').getAttribute('class'), /only-a/);
  });
});

test('j/k move through the trace list and Enter opens the highlighted trace', async () => {
  await withPage(async (page) => {
    await page.goto(`${BASE}/#/traces?filter=${encodeURIComponent(`annotation.run = "${tag}"`)}`);
    await page.locator('tr.trace-row').first().waitFor();
    await page.locator('h1').click();
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    const second = await page.locator('tr.trace-row.kbd-current').getAttribute('data-trace-id');
    assert.equal(second, await page.locator('tr.trace-row').nth(1).getAttribute('data-trace-id'));
    await page.keyboard.press('k');
    const first = await page.locator('tr.trace-row.kbd-current').getAttribute('data-trace-id');
    assert.equal(first, await page.locator('tr.trace-row').nth(0).getAttribute('data-trace-id'));
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => location.hash === `#/traces/${id}`, first);
    await page.locator('.wf-row').first().waitFor();
  });
});
