// hardening.test.mjs - a web page in the developer's browser cannot use fluoro (issue 10): a page
// from another origin cannot wipe or load data with the simple cross-origin requests a browser
// sends without asking (form posts, no-cors fetch), a DNS-rebinding page (its own name resolving
// to 127.0.0.1) cannot read anything, and no page can frame the UI. Chromium maps evil.test to
// 127.0.0.1 (--host-resolver-rules), so the requests really reach fluoro and fluoro refuses them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { launch, openPage } from './helpers.mjs';

const BIN = process.env.FLUORO_BIN || '../build/fluoro';
let browser;
let proc;
let log = '';
let port;
let base;
let evil;
let evilPort;

const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => {
    const { port: p } = s.address();
    s.close(() => resolve(p));
  });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const traceCount = async () =>
  (await (await fetch(`${base}/api/v1/traces?since=0`)).json()).traces.length;

// The attacker's pages: each tries one thing against fluoro when loaded.
const pages = {
  '/form': () => `<form id=f method=POST enctype=text/plain action="${base}/api/v1/reset">
      <input name='{"a":"' value='"}'></form><script>document.getElementById('f').submit()</script>`,
  '/fetch': () => `<script>
      fetch('${base}/api/v1/reset', {method: 'POST', mode: 'no-cors', body: '{}'});
      fetch('${base}/api/v1/load', {method: 'POST', mode: 'no-cors',
        headers: {'Content-Type': 'text/plain'}, body: '{"segments":[]}'});
      fetch('${base}/TraceSegments', {method: 'POST', mode: 'no-cors',
        body: JSON.stringify({TraceSegmentDocuments: ['{}']})}).then(() => document.title = 'sent');
    </script>`,
  '/frame': () => `<iframe id=ui src="${base}/"></iframe>`,
};

before(async () => {
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  proc = spawn(BIN, ['serve', '--demo', '--log-level', 'warn',
    '--http-address', `127.0.0.1:${port}`, '--udp-address', `127.0.0.1:${port}`]);
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch { /* not up yet */ }
    await sleep(50);
  }
  evil = http.createServer((req, res) => {
    const page = pages[req.url];
    res.writeHead(page ? 200 : 404, { 'Content-Type': 'text/html' });
    res.end(page ? `<!doctype html><title>evil</title>${page()}` : '');
  });
  await new Promise((r) => evil.listen(0, '127.0.0.1', r));
  evilPort = evil.address().port;
  browser = await launch(['--host-resolver-rules=MAP evil.test 127.0.0.1']);
});

after(async () => {
  if (browser) await browser.close();
  if (evil) evil.close();
  if (proc) {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    assert.equal(await exited, 0, log);
    assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|runtime error:/, log);
  }
});

test('a foreign page cannot wipe or load data with simple cross-origin requests', async () => {
  const before = await traceCount();
  assert.ok(before > 0, 'the demo has traces');
  const { page } = await openPage(browser);
  const answers = [];
  page.on('response', (r) => answers.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`));
  try {
    await page.goto(`http://evil.test:${evilPort}/fetch`);
    await page.waitForFunction(() => document.title === 'sent', null, { timeout: 10000 });
    await page.goto(`http://evil.test:${evilPort}/form`);
    await page.waitForURL(`${base}/api/v1/reset`, { timeout: 10000 });
    assert.match(await page.content(), /ForbiddenOrigin/);
  } finally {
    await page.close();
  }
  await fetch(`${base}/api/v1/wait?idle_ms=50`);
  assert.equal(await traceCount(), before, 'nothing was reset, loaded or stored');
  // fluoro itself refused them (the browser sent them and got fluoro's answers)
  for (const path of ['/api/v1/reset', '/api/v1/load', '/TraceSegments']) {
    assert.ok(answers.includes(`POST ${path} 403`), `${path}: ${answers.join(', ')}`);
  }
  assert.match(log, /msg="http request refused" method=POST/);
});

test('a DNS-rebinding page cannot read traces or the UI', async () => {
  const { page } = await openPage(browser);
  try {
    for (const path of ['/', '/api/v1/traces?since=0', '/api/v1/logs/groups']) {
      const res = await page.goto(`http://evil.test:${port}${path}`);
      assert.equal(res.status(), 403, path);
      assert.doesNotMatch(await page.content(), /trace_id/);
    }
  } finally {
    await page.close();
  }
});

test('no page can frame the UI', async () => {
  const { page } = await openPage(browser);
  try {
    await page.goto(`http://evil.test:${evilPort}/frame`);
    await sleep(1000);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    const framed = frame ? await frame.evaluate(() => !!document.querySelector('.topbar')).catch(() => false) : false;
    assert.equal(framed, false, 'the UI rendered inside a foreign frame');
  } finally {
    await page.close();
  }
});

test('the UI works under its Content-Security-Policy', async () => {
  const { page, errors } = await openPage(browser);
  try {
    const res = await page.goto(`${base}/#/traces`);
    assert.match(res.headers()['content-security-policy'], /default-src 'self'/);
    await page.waitForSelector('table tbody tr', { timeout: 10000 });
    await page.goto(`${base}/#/map`);
    await page.waitForSelector('svg', { timeout: 10000 });
  } finally {
    await page.close();
  }
  assert.deepEqual(errors, [], 'no console errors (a CSP violation is one)');
});
