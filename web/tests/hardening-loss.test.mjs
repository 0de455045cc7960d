// hardening-loss.test.mjs - datagrams the kernel drops are visible in the UI: a fluoro of its
// own is stopped (SIGSTOP) while a burst overflows its socket buffer, then resumed; the top bar
// must show the kernel's drop count exactly as /api/v1/stats reports it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { launch, openPage, shot } from './helpers.mjs';

const BIN = process.env.FLUORO_BIN || '../build/fluoro';
let browser;
let proc;
let base;
let udpPort;

const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stats = async () => (await fetch(`${base}/api/v1/stats`)).json();

before(async () => {
  const http = await freePort();
  udpPort = await freePort();
  base = `http://127.0.0.1:${http}`;
  proc = spawn(BIN, ['serve', '--log-level', 'warn',
    '--http-address', `127.0.0.1:${http}`, '--udp-address', `127.0.0.1:${udpPort}`], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch { /* not up yet */ }
    await sleep(50);
  }
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (proc) proc.kill('SIGTERM');
});

async function overflowSocket() {
  const { udp_receive_buffer_bytes: rcvbuf } = await stats();
  const sock = dgram.createSocket('udp4');
  const now = Date.now() / 1000;
  const pad = 'x'.repeat(8000);
  const send = (buf) => new Promise((resolve) => sock.send(buf, udpPort, '127.0.0.1', () => resolve()));
  const n = Math.max(3000, Math.ceil((3 * rcvbuf) / 8000));
  proc.kill('SIGSTOP');
  try {
    for (let i = 0; i < n; i += 500) {
      const batch = [];
      for (let k = i; k < Math.min(n, i + 500); k++) {
        const doc = {
          trace_id: `1-${Math.floor(now).toString(16)}-${k.toString(16).padStart(24, '0')}`,
          id: (k + 1).toString(16).padStart(16, '0'), name: 'stall', start_time: now, end_time: now + 0.01,
          metadata: { default: { pad } },
        };
        batch.push(send(Buffer.from(`{"format":"json","version":1}\n${JSON.stringify(doc)}`)));
      }
      await Promise.all(batch);
    }
  } finally {
    proc.kill('SIGCONT');
  }
  sock.close();
}

test('datagrams the kernel dropped are shown in the top bar', async () => {
  await overflowSocket();
  const wait = await (await fetch(`${base}/api/v1/wait?idle_ms=200&timeout_ms=60000`)).json();
  assert.ok(wait.idle, JSON.stringify(wait));
  const st = await stats();
  assert.ok(st.udp_dropped_kernel_total > 0, `a stopped fluoro must overflow its socket: ${JSON.stringify(st)}`);
  assert.equal(wait.udp_dropped_kernel, st.udp_dropped_kernel_total);

  const { page, errors } = await openPage(browser);
  try {
    await page.goto(`${base}/#/traces`);
    const lost = page.locator('#stats [data-stat="dropped-kernel"]');
    await lost.waitFor();
    assert.equal(await lost.textContent(), `${st.udp_dropped_kernel_total.toLocaleString('en-US')} lost in kernel`);
    assert.match(await lost.getAttribute('title'), /socket receive buffer was full/);
    const color = await lost.evaluate((el) => getComputedStyle(el).color);
    assert.notEqual(color, await page.locator('#stats').evaluate((el) => getComputedStyle(el).color),
      'losses stand out from the totals');
    await shot(page, 'hardening-loss');
  } finally {
    await page.close();
  }
  assert.deepEqual(errors, [], 'no console errors');
});
