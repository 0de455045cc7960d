// trace-tools.test.mjs - the trace page's tools in a real browser: the critical path (computed by
// the server) on a fixture whose answer is worked out by hand, self times, the statistics table,
// the flame graph, find-in-trace with next/previous and ?span=, j/k/Enter/Esc and the ? list,
// the theme switch, and a 10,000-span trace that draws only the rows in view.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ownServer } from './own-server.mjs';

// A fluoro of this file's own: the traces and logs stored here would change the demo's counts.
const server = await ownServer();
const { launch, usePage, shot, api, putSegments, waitIdle, newTraceId, hex, BASE } = await import('./helpers.mjs');

let browser;
let tid;
const id = {};

// api [0,1s] calls auth [0,0.2], then DynamoDB GetItem [0.25,0.9] and, in parallel with it,
// cache [0.3,0.5]. The DynamoDB call's callee dbsvc [0.3,0.85] runs query [0.4,0.8].
// Critical: api, auth, DynamoDB, dbsvc, query. Not cache (it overlaps DynamoDB).
function fixture(t0) {
  for (const k of ['api', 'auth', 'cache', 'db', 'dbsvc', 'query']) id[k] = hex(16);
  const trace_id = tid;
  return [
    {
      trace_id, id: id.api, name: 'api', start_time: t0, end_time: t0 + 1,
      http: { request: { method: 'GET', url: 'https://shop.example/orders/42' }, response: { status: 200 } },
      subsegments: [
        { id: id.auth, name: 'auth', start_time: t0, end_time: t0 + 0.2, annotations: { tenant: 'acme' } },
        { id: id.cache, name: 'cache', start_time: t0 + 0.3, end_time: t0 + 0.5, error: true, cause: { exceptions: [{ id: hex(16), message: 'cache miss storm', type: 'CacheError' }] } },
        { id: id.db, name: 'DynamoDB', namespace: 'aws', aws: { operation: 'GetItem' }, start_time: t0 + 0.25, end_time: t0 + 0.9 },
      ],
    },
    { trace_id, id: id.dbsvc, parent_id: id.db, name: 'dbsvc', start_time: t0 + 0.3, end_time: t0 + 0.85, subsegments: [{ id: id.query, name: 'query', start_time: t0 + 0.4, end_time: t0 + 0.8 }] },
  ];
}

before(async () => {
  browser = await launch();
  tid = newTraceId();
  await putSegments(fixture(Date.now() / 1000 - 30));
  await waitIdle();
});

after(async () => {
  if (browser) await browser.close();
  await server.stop();
});

const withPage = (fn, allow) => usePage(browser, fn, allow);

async function openTrace(page, suffix = '') {
  await page.goto(`${BASE}/#/traces/${tid}${suffix}`);
  await page.locator('.wf-row').first().waitFor();
  await page.getByRole('button', { name: 'Expand all' }).click();
}

const rowIds = (page, sel) => page.locator(sel).evaluateAll((els) => els.map((e) => e.dataset.id));

test('the trace API returns the critical path, self times and statistics', async () => {
  const { status, body } = await api(`/api/v1/traces/${tid}`);
  assert.equal(status, 200);
  assert.deepEqual(body.analysis.critical_path, [id.api, id.auth, id.db, id.dbsvc, id.query]);
  assert.equal(body.analysis.spans[id.cache].critical, false);
  assert.ok(Math.abs(body.analysis.spans[id.api].self_ms - 150) < 0.01, `api self ${body.analysis.spans[id.api].self_ms}`);
  // Golden files keep the stored documents only.
  const norm = await api(`/api/v1/traces/${tid}?normalize=1`);
  assert.equal(norm.body.analysis, undefined);
});

test('Critical path marks exactly the spans that determined the duration, and rows show self time', async () => {
  await withPage(async (page) => {
    await openTrace(page);
    assert.equal(await page.locator('.wf-row.critical').count(), 0, 'off until toggled');
    await page.getByLabel('Critical path').check();
    const crit = await rowIds(page, '.wf-row.critical');
    assert.deepEqual(crit.sort(), [id.api, id.auth, id.db, id.dbsvc, id.query].sort());
    const self = (sid) => page.locator(`.wf-row[data-id="${sid}"] .self-time`).textContent();
    assert.equal(await self(id.api), 'self 150 ms');
    assert.equal(await self(id.db), 'self 100 ms');
    assert.equal(await self(id.query), 'self 400 ms');
    await shot(page, 'trace-critical-path');
    await page.getByLabel('Critical path').uncheck();
    assert.equal(await page.locator('.page-trace.show-critical').count(), 0);
  });
});

test('Statistics: one row per service and operation that sums to the trace, sortable', async () => {
  await withPage(async (page) => {
    await openTrace(page);
    await page.getByRole('button', { name: 'Statistics' }).click();
    const table = page.getByRole('table', { name: 'Trace statistics' });
    await table.waitFor();
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Object.fromEntries([...tr.children].map((td) => [td.dataset.col, td.textContent]))));
    assert.equal(rows.length, 6);
    assert.equal(rows.reduce((s, r) => s + Number(r.count), 0), 6, 'counts sum to the spans of the trace');
    // Sorted by total, largest first: the root segment, whose total is the trace duration.
    assert.deepEqual([rows[0].service, rows[0].operation, rows[0].total_ms], ['api', 'api', '1.00 s']);
    const db = rows.find((r) => r.operation === 'DynamoDB GetItem');
    assert.deepEqual([db.service, db.count, db.total_ms, db.self_ms], ['api', '1', '650 ms', '100 ms']);
    // The root's self time plus every child's: sequential spans, so 150+200+200+100+150+400.
    const { body } = await api(`/api/v1/traces/${tid}`);
    const selfSum = body.analysis.statistics.reduce((s, r) => s + r.self_ms, 0);
    assert.ok(Math.abs(selfSum - 1200) < 0.01, `self times ${selfSum}`);
    await shot(page, 'trace-statistics');
    // A text column sorts A-Z on the first click, Z-A on the second.
    await table.getByRole('button', { name: /^Operation/ }).click();
    const ops = await table.locator('tbody td[data-col="operation"]').allTextContents();
    assert.deepEqual(ops, [...ops].sort((a, b) => a.localeCompare(b)), 'first click on a text column sorts A-Z');
    await table.getByRole('button', { name: /^Operation/ }).click();
    const ops2 = await table.locator('tbody td[data-col="operation"]').allTextContents();
    assert.deepEqual(ops2, [...ops].reverse());
  });
});

test('Flame graph draws every span in the waterfall colours and opens a block in the waterfall', async () => {
  await withPage(async (page) => {
    await openTrace(page);
    await page.getByRole('button', { name: 'Flame graph' }).click();
    const blocks = page.locator('.flame-block');
    await blocks.first().waitFor();
    assert.equal(await blocks.count(), 6);
    const cls = await page.locator(`.flame-block[data-id="${id.cache}"]`).getAttribute('class');
    assert.match(cls, /st-bg-error/, 'the errored span is amber, as in the waterfall');
    await page.getByLabel('Critical path').check();
    assert.equal(await page.locator('.flame-block.critical').count(), 5);
    await shot(page, 'trace-flame-graph');
    await page.locator(`.flame-block[data-id="${id.query}"]`).click();
    await page.locator('.wf-row.selected').waitFor();
    assert.equal(await page.locator('.wf-row.selected').getAttribute('data-id'), id.query);
  });
});

test('Find in trace highlights matches by name, annotation, URL, status and error, with next/previous', async () => {
  await withPage(async (page) => {
    await openTrace(page);
    const box = page.getByLabel('Find in trace');
    const count = page.locator('.find-count');
    const cases = [['acme', [id.auth]], ['storm', [id.cache]], ['orders/42', [id.api]], ['200', [id.api]], ['QUERY', [id.query]]];
    for (const [q, want] of cases) {
      await box.fill(q);
      assert.deepEqual(await rowIds(page, '.wf-row.match'), want, `matches for ${q}`);
    }
    await box.fill('a'); // api, auth, cache and DynamoDB have an "a" in their names
    const all = await rowIds(page, '.wf-row.match');
    assert.deepEqual(all, [id.api, id.auth, id.db, id.cache], 'in waterfall order');
    assert.match(await count.textContent(), new RegExp(`^1 of ${all.length}$`));
    const first = await page.locator('.wf-row.current-match').getAttribute('data-id');
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    assert.match(await count.textContent(), new RegExp(`^2 of ${all.length}$`));
    assert.notEqual(await page.locator('.wf-row.current-match').getAttribute('data-id'), first);
    await page.getByRole('button', { name: 'Previous', exact: true }).click();
    assert.equal(await page.locator('.wf-row.current-match').getAttribute('data-id'), first);
    assert.equal(await page.locator('.wf-row.selected').getAttribute('data-id'), first, 'the current match is selected');
    await box.fill('no-such-thing');
    assert.equal(await count.textContent(), 'No matches');
    await shot(page, 'trace-find');
  });
});

test('#/traces/<id>?span=<sid> opens the trace with that span selected', async () => {
  await withPage(async (page) => {
    await page.goto(`${BASE}/#/traces/${tid}?span=${id.query}`);
    await page.locator('.wf-row.selected').waitFor();
    assert.equal(await page.locator('.wf-row.selected').getAttribute('data-id'), id.query);
    assert.equal(await page.locator('.detail h2').textContent(), 'query');
    // The details offer the same link for the selected span.
    await page.locator('.detail').getByRole('button', { name: 'Copy link' }).waitFor();
  });
});

test('keyboard: / focuses find, j/k move the selection, Enter opens details, Esc returns, ? lists keys', async () => {
  await withPage(async (page) => {
    await openTrace(page, `?span=${id.api}`);
    await page.locator('main').click({ position: { x: 5, y: 5 } });
    const sel = () => page.locator('.wf-row.selected').getAttribute('data-id');
    assert.equal(await sel(), id.api);
    await page.keyboard.press('j');
    assert.equal(await sel(), id.auth);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    const third = await sel();
    await page.keyboard.press('k');
    assert.notEqual(await sel(), third);
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.classList.contains('detail')), true, 'Enter moves focus into the details');
    await page.keyboard.press('Escape');
    assert.equal(await page.evaluate(() => document.activeElement.classList.contains('wf-body')), true, 'Esc returns to the rows');
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Find in trace');
    await page.keyboard.press('Escape');
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    assert.match(await dialog.textContent(), /j \/ k/);
    await shot(page, 'keyboard-help');
    await page.keyboard.press('Escape');
    assert.equal(await dialog.count(), 0);
  });
});

test('theme follows the system and can be switched, and the choice is kept', async () => {
  await withPage(async (page) => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await openTrace(page);
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const dark = await bg();
    await page.emulateMedia({ colorScheme: 'light' });
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'light');
    const light = await bg();
    assert.notEqual(dark, light, 'system light gives the light theme');
    const btn = page.getByRole('button', { name: /^Theme:/ });
    assert.equal(await btn.textContent(), 'Theme: system');
    await btn.click(); // light
    await btn.click(); // dark
    assert.equal(await btn.textContent(), 'Theme: dark');
    assert.equal(await bg(), dark, 'dark chosen over a light system');
    await page.reload();
    await page.locator('.wf-row').first().waitFor();
    assert.equal(await page.getByRole('button', { name: /^Theme:/ }).textContent(), 'Theme: dark');
    await shot(page, 'theme-dark');
    await page.getByRole('button', { name: /^Theme:/ }).click(); // back to system
    await page.emulateMedia({ colorScheme: 'light' });
    await shot(page, 'theme-light');
  });
});

test('a 10,000-span trace draws only the rows in view, offers collapse by service, and scrolls', async () => {
  const big = newTraceId();
  const t0 = Math.floor(Date.now() / 1000) - 60;
  const lines = [];
  let parent = null;
  // 50 services, each a segment of 199 subsegments (10,000 spans), chained through a subsegment.
  for (let k = 0; k < 50; k++) {
    const subs = [];
    const base = t0 + k * 0.5;
    for (let c = 0; c < 199; c++) subs.push({ id: hex(16), name: `op-${k}-${c}`, start_time: base + c * 0.002, end_time: base + c * 0.002 + 0.0015 });
    const seg = { trace_id: big, id: hex(16), name: `svc-${k}`, start_time: base, end_time: base + 0.45, subsegments: subs };
    if (parent) seg.parent_id = parent;
    parent = subs[198].id;
    lines.push(JSON.stringify(seg));
  }
  const res = await api('/api/v1/load', { method: 'POST', body: lines.join('\n') });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  await waitIdle();
  await withPage(async (page) => {
    await page.goto(`${BASE}/#/traces/${big}`);
    await page.locator('.wf-row').first().waitFor();
    const notice = page.locator('.large-notice');
    assert.match(await notice.textContent(), /Large trace: 10,000 spans/);
    assert.equal(Number(await page.locator('.wf-row').first().getAttribute('aria-setsize')), 50, 'collapsed by service: one row per segment');
    await shot(page, 'trace-large-collapsed');
    await page.getByRole('button', { name: 'Show every span' }).click();
    await page.getByRole('button', { name: 'Expand all' }).click();
    assert.equal(Number(await page.locator('.wf-row').first().getAttribute('aria-setsize')), 10000);
    const inDom = await page.locator('.wf-row').count();
    assert.ok(inDom < 120, `only rows in view are in the DOM (${inDom})`);
    await page.locator('.wf-body').evaluate((el) => (el.scrollTop = 30 * 7000));
    await page.waitForFunction(() => [...document.querySelectorAll('.wf-row')].some((r) => r.getAttribute('aria-posinset') === '7001'));
    assert.ok((await page.locator('.wf-row').count()) < 120);
    await shot(page, 'trace-large-scrolled');
    await page.getByRole('button', { name: 'Collapse by service' }).click();
    assert.equal(Number(await page.locator('.wf-row').first().getAttribute('aria-setsize')), 50);
  });
});
