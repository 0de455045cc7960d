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

// The on-screen boxes of the map's texts and node rings.
async function mapBoxes(page) {
  return page.evaluate(() => {
    const rect = (el) => {
      const r = el.getBoundingClientRect();
      return { x: r.left, y: r.top, w: r.width, h: r.height };
    };
    const out = [];
    document.querySelectorAll('svg.map-svg .edge-label rect').forEach((el, i) => out.push({ what: `edge label ${i} (${el.nextSibling && el.nextSibling.textContent})`, kind: 'label', ...rect(el) }));
    document.querySelectorAll('svg.map-svg g.node').forEach((g) => {
      const name = g.getAttribute('aria-label');
      for (const [sel, kind] of [['.node-name', 'label'], ['.node-type', 'label'], ['.ring-base', 'ring']]) {
        const el = g.querySelector(sel);
        if (el && (kind === 'ring' || el.textContent)) out.push({ what: `${name} ${sel}`, kind, node: name, ...rect(el) });
      }
    });
    return out;
  });
}

function overlaps(boxes) {
  const bad = [];
  const hit = (p, q) => p.x < q.x + q.w - 0.5 && q.x < p.x + p.w - 0.5 && p.y < q.y + q.h - 0.5 && q.y < p.y + p.h - 0.5;
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [p, q] = [boxes[i], boxes[j]];
      if (p.kind === 'ring' && q.kind === 'ring') continue;
      if (p.node && p.node === q.node) continue; // a node's own texts sit under its ring
      if (hit(p, q)) bad.push(`${p.what} overlaps ${q.what}`);
    }
  }
  return bad;
}

test('service map: no label overlaps another label or a node, at several zoom levels', async () => {
  const browser = await launch();
  try {
    const { page, errors } = await openPage(browser);
    await page.goto(`${BASE}/#/map`);
    await page.locator('svg.map-svg g.node').first().waitFor();
    const levels = [['fit', []], ['zoomed in', ['Zoom in', 'Zoom in']], ['zoomed out', ['Fit to view', 'Zoom out', 'Zoom out']]];
    for (const [level, clicks] of levels) {
      for (const c of clicks) await page.getByRole('button', { name: c }).click();
      const boxes = await mapBoxes(page);
      assert.ok(boxes.filter((b) => b.kind === 'label').length >= 12, `${level}: labels drawn`);
      assert.deepEqual(overlaps(boxes), [], `${level}: overlapping labels`);
      await shot(page, `map-${level.replace(' ', '-')}`);
    }
    // The nodes use the canvas: the drawing spans most of the panel's width.
    const spread = await page.evaluate(() => {
      const panel = document.querySelector('.map-canvas').getBoundingClientRect();
      document.querySelector('button[aria-label="Fit to view"]').click();
      const rings = [...document.querySelectorAll('svg.map-svg .ring-base')].map((e) => e.getBoundingClientRect());
      return (Math.max(...rings.map((r) => r.right)) - Math.min(...rings.map((r) => r.left))) / panel.width;
    });
    assert.ok(spread > 0.6, `nodes span ${Math.round(spread * 100)}% of the canvas`);
    const labels = await page.locator('svg.map-svg .edge-label text').allTextContents();
    assert.ok(labels.every((t) => !/(^|\D)1 calls/.test(t)), labels.join(' | '));
    // Service types in the side panel break only between "::" parts, never inside a word.
    const broken = await page.evaluate(() => [...document.querySelectorAll('.svc-list .svc-type span')]
      .filter((s) => s.getClientRects().length > 1).map((s) => s.textContent));
    assert.deepEqual(broken, []);
    const types = await page.locator('.svc-list .svc-type').allTextContents();
    assert.ok(types.includes('AWS::ApiGateway::Stage'), types.join(', '));
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('log group sizes read as 8.8 KB, not 8.8k B', async () => {
  const browser = await launch();
  try {
    const { page } = await openPage(browser);
    await page.goto(`${BASE}/#/logs`);
    await page.locator('.nav-meta').first().waitFor();
    const metas = await page.locator('.nav-meta').allTextContents();
    const sizes = metas.filter((t) => /B$/.test(t));
    assert.ok(sizes.length >= 1, metas.join(', '));
    for (const t of sizes) assert.match(t, /^\d+(\.\d)? (B|KB|MB|GB|TB)$/);
  } finally {
    await browser.close();
  }
});
