// csp.test.mjs - the new screens (trace tools, compare, import, Logs Insights, keyboard help,
// theme) under `Content-Security-Policy: default-src 'self'`, which the HTTP server is to send:
// no inline script or style attribute, no eval. The policy is added to the page here; any
// violation is a console error and fails the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ownServer } from './own-server.mjs';

const server = await ownServer();
const { launch, openPage, putSegments, logsCall, waitIdle, newTraceId, hex, BASE } = await import('./helpers.mjs');

let browser;
const tid = newTraceId();
const group = `/test/csp-${hex(6)}`;

before(async () => {
  browser = await launch();
  const t0 = Date.now() / 1000 - 30;
  await putSegments([{ trace_id: tid, id: hex(16), name: 'api', start_time: t0, end_time: t0 + 0.5, subsegments: [{ id: hex(16), name: 'db', start_time: t0 + 0.1, end_time: t0 + 0.4 }] }]);
  await logsCall('CreateLogGroup', { logGroupName: group });
  await logsCall('CreateLogStream', { logGroupName: group, logStreamName: 's' });
  await logsCall('PutLogEvents', { logGroupName: group, logStreamName: 's', logEvents: [{ timestamp: Date.now() - 60000, message: 'hello' }] });
  await waitIdle();
});

after(async () => {
  if (browser) await browser.close();
  await server.stop();
});

test("the new screens run under Content-Security-Policy: default-src 'self'", async () => {
  const { page, errors } = await openPage(browser);
  let applied = 0;
  await page.route(`${BASE}/**`, async (route) => {
    if (!route.request().isNavigationRequest()) return route.continue();
    const res = await route.fetch();
    applied++;
    await route.fulfill({ response: res, headers: { ...res.headers(), 'content-security-policy': "default-src 'self'" } });
  });
  try {
    await page.goto(`${BASE}/#/traces/${tid}`);
    await page.locator('.wf-row').first().waitFor();
    await page.getByLabel('Critical path').check();
    await page.getByLabel('Find in trace').fill('db');
    await page.getByRole('button', { name: 'Statistics' }).click();
    await page.getByRole('table', { name: 'Trace statistics' }).waitFor();
    await page.getByRole('button', { name: 'Flame graph' }).click();
    await page.locator('.flame-block').first().waitFor();
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: /^Theme:/ }).click();
    await page.goto(`${BASE}/#/compare?a=${tid}&b=${tid}`);
    await page.getByRole('table', { name: 'Merged span tree' }).waitFor();
    await page.goto(`${BASE}/#/insights?group=${encodeURIComponent(group)}`);
    await page.getByRole('checkbox', { name: group }).waitFor();
    await page.getByLabel('Query', { exact: true }).fill('stats count(*) by bin(1m)');
    await page.getByRole('button', { name: 'Run query' }).click();
    await page.locator('svg.ins-svg').waitFor();
    await page.goto(`${BASE}/#/import`);
    await page.getByLabel('Choose a trace file').setInputFiles({ name: 't.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ trace_id: tid, segments: [{ id: hex(16), name: 'x', start_time: 1, end_time: 2 }] })) });
    await page.locator('.wf-row').first().waitFor();
    // The policy has teeth: an inline style attribute is refused and reported.
    await page.evaluate(() => document.body.append(Object.assign(document.createElement('div'), { id: 'csp-probe' })));
    await page.evaluate(() => document.getElementById('csp-probe').setAttribute('style', 'color: red'));
    for (let i = 0; i < 40 && !errors.some((e) => /inline style/.test(e)); i++) await page.waitForTimeout(50);
  } finally {
    await page.close();
  }
  assert.ok(applied >= 1, 'the policy was applied to the document');
  const probe = errors.filter((e) => /inline style/.test(e));
  assert.equal(probe.length, 1, `exactly the probe's inline style is refused: ${errors.join(' | ')}`);
  assert.deepEqual(errors.filter((e) => !/inline style/.test(e)), [], 'no other CSP violations or console errors');
});
