// export-status.test.mjs - an exporter that cannot deliver shows in the top bar: a fluoro of its
// own forwards to X-Ray at a port nobody listens on, is sent a segment, and the top bar must say
// the xray export is failing, with the counts of /api/v1/stats on hover.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { launch, openPage, shot } from './helpers.mjs';
import { freePort, ownServer } from './own-server.mjs';

let browser;
let server;
let proc;
let base;
let udpPort;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stats = async () => (await fetch(`${base}/api/v1/stats`)).json();

before(async () => {
  const dead = await freePort(); // nobody listens there
  server = await ownServer(['--log-level', 'error', '--forward-xray', `http://127.0.0.1:${dead}`], { exportEnv: false });
  ({ base, udpPort, proc } = server);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('a failing exporter is shown in the top bar', async () => {
  const sock = dgram.createSocket('udp4');
  const now = Date.now() / 1000;
  const doc = { trace_id: `1-${Math.floor(now).toString(16)}-${'a'.repeat(24)}`, id: 'b'.repeat(16),
    name: 'svc', start_time: now - 1, end_time: now };
  await new Promise((r) => sock.send(Buffer.from(`{"format":"json","version":1}\n${JSON.stringify(doc)}`),
    udpPort, '127.0.0.1', r));
  sock.close();
  let st;
  for (let i = 0; i < 100; i++) {
    st = await stats();
    if (st.exporters.xray.failing && st.exporters.xray.lag_items === 1) break;
    await sleep(100);
  }
  assert.equal(st.exporters.xray.failing, 1, JSON.stringify(st.exporters));
  const { page, errors } = await openPage(browser);
  try {
    await page.goto(`${base}/#/traces`);
    const x = page.locator('#stats [data-stat="export-xray"]');
    await x.waitFor();
    assert.equal(await x.textContent(), 'xray export failing');
    assert.match(await x.getAttribute('title'), /Export xray: 1 items waiting, [\d,]+ retries, 0 rejected/);
    await shot(page, 'export-failing');
  } finally {
    await page.close();
  }
  assert.deepEqual(errors, [], 'no console errors');
});
