// ingest-loss.test.mjs - losses are visible in the UI: a fluoro of its own with a one-slot ingest
// queue is flooded over UDP until it drops datagrams, and sent malformed ones it rejects; the top
// bar must show both counts exactly as /api/v1/stats reports them, with the reasons on hover.
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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stats = async () => (await fetch(`${base}/api/v1/stats`)).json();

before(async () => {
  server = await ownServer(['--queue-size', '1'], { exportEnv: false });
  ({ base, udpPort, proc } = server);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function flood() {
  const sock = dgram.createSocket('udp4');
  const now = Date.now() / 1000;
  const send = (buf) => new Promise((resolve) => sock.send(buf, udpPort, '127.0.0.1', () => resolve()));
  for (let round = 0; round < 20 && !(await stats()).udp_dropped_total; round++) {
    const batch = [];
    for (let i = 0; i < 2000; i++) {
      const doc = {
        trace_id: `1-${Math.floor(now).toString(16)}-${(round * 2000 + i).toString(16).padStart(24, '0')}`,
        id: (round * 2000 + i + 1).toString(16).padStart(16, '0'), name: 'flood', start_time: now, end_time: now + 0.01,
      };
      batch.push(send(Buffer.from(`{"format":"json","version":1}\n${JSON.stringify(doc)}`)));
    }
    await Promise.all(batch);
  }
  // Malformed datagrams are rejected by the writer, so each must find the one queue slot free:
  // send it once the flood has drained, again if it was dropped all the same.
  const bad = { no_header: 'no header at all', not_json: '{"format":"json","version":1}\n{not json' };
  for (const [reason, text] of Object.entries(bad)) {
    for (let i = 0; i < 50 && !(await stats()).udp_rejected[reason]; i++) {
      if ((await stats()).queue_depth === 0) await send(Buffer.from(text));
      await sleep(100);
    }
  }
  sock.close();
}

test('dropped and rejected datagrams are shown in the top bar', async () => {
  await flood();
  let st;
  for (let i = 0; i < 100; i++) {
    st = await stats();
    const rejected = Object.values(st.udp_rejected).reduce((a, b) => a + b, 0);
    const books = st.udp_stored_total + rejected + st.udp_dropped_total;
    if (rejected >= 2 && st.queue_depth === 0 && books === st.udp_received_total) break;
    await sleep(50);
  }
  assert.ok(st.udp_dropped_total > 0, `a one-slot queue must overflow: ${JSON.stringify(st)}`);
  const rejected = Object.values(st.udp_rejected).reduce((a, b) => a + b, 0);
  assert.ok(rejected >= 2, JSON.stringify(st.udp_rejected));

  const { page, errors } = await openPage(browser);
  try {
    await page.goto(`${base}/#/traces`);
    const dropped = page.locator('#stats [data-stat="dropped"]');
    await dropped.waitFor();
    assert.equal(await dropped.textContent(), `${st.udp_dropped_total.toLocaleString('en-US')} dropped`);
    assert.match(await dropped.getAttribute('title'), /ingest queue was full/);
    const rej = page.locator('#stats [data-stat="rejected"]');
    assert.equal(await rej.textContent(), `${rejected.toLocaleString('en-US')} rejected`);
    const title = await rej.getAttribute('title');
    assert.match(title, new RegExp(`no_header: ${st.udp_rejected.no_header}`));
    assert.match(title, new RegExp(`not_json: ${st.udp_rejected.not_json}`));
    const color = await dropped.evaluate((el) => getComputedStyle(el).color);
    assert.notEqual(color, await page.locator('#stats').evaluate((el) => getComputedStyle(el).color),
      'losses stand out from the totals');
    await shot(page, 'ingest-loss');
  } finally {
    await page.close();
  }
  assert.deepEqual(errors, [], 'no console errors');
});

test('a fluoro that lost nothing shows no loss counts', async () => {
  const { page } = await openPage(browser);
  try {
    await page.goto(`${process.env.FLUORO_URL}/#/traces`);
    await page.locator('#stats span').first().waitFor();
    assert.equal(await page.locator('#stats .stat-loss').count(), 0);
  } finally {
    await page.close();
  }
});
