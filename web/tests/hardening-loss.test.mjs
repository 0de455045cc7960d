// hardening-loss.test.mjs - datagrams the kernel drops are visible in the UI: a fluoro of its
// own is stopped (SIGSTOP) while a burst overflows its socket buffer, then resumed; the top bar
// must show the kernel's drop count exactly as /api/v1/stats reports it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { launch, openPage, shot } from './helpers.mjs';
import { ownServer } from './own-server.mjs';

let browser;
let server;
let proc;
let base;
let udpPort;

const stats = async () => (await fetch(`${base}/api/v1/stats`)).json();

before(async () => {
  server = await ownServer([], { exportEnv: false });
  ({ base, udpPort, proc } = server);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
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
