// helpers.mjs - shared test plumbing: one Chromium per test file (Debian's, never downloaded),
// a page that records console errors and page errors, screenshots, and small API helpers.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';

export const BASE = process.env.FLUORO_URL || 'http://127.0.0.1:4566';
export const UDP_PORT = Number(process.env.FLUORO_UDP_PORT || 2000);
const here = dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = join(here, '..', 'test-artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

export async function launch(extraArgs = []) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'fluoro-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1440, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

// A new page that collects console errors, uncaught exceptions and failed requests.
export async function openPage(browser) {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  return { page, errors };
}

// Opens a page of browser, runs fn(page), closes it, and fails on console errors not matching
// one of allow (regexes).
export async function usePage(browser, fn, allow = []) {
  const { page, errors } = await openPage(browser);
  try {
    await fn(page);
  } finally {
    await page.close();
  }
  const unexpected = errors.filter((e) => !allow.some((re) => re.test(e)));
  assert.deepEqual(unexpected, [], 'no console errors');
}

export async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

/* fluoro's own POST routes take only application/json (a browser page cannot send it cross-origin
   without a preflight), so the helper sends it unless a test sets its own headers. */
export async function api(path, opts = {}) {
  if (opts.method && opts.method !== 'GET' && !opts.headers) {
    opts = { ...opts, headers: { 'Content-Type': 'application/json' } };
  }
  const res = await fetch(`${BASE}${path}`, opts);
  const text = await res.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

export const hex = (n) => randomBytes(n / 2).toString('hex');
export const newTraceId = () => `1-${Math.floor(Date.now() / 1000).toString(16)}-${hex(24)}`;

export async function putSegments(docs) {
  const res = await api('/TraceSegments', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ TraceSegmentDocuments: docs.map((d) => JSON.stringify(d)) }),
  });
  if (res.status !== 200 || (res.body.UnprocessedTraceSegments || []).length) {
    throw new Error(`PutTraceSegments failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res.body;
}

export function sendUdp(doc) {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    const msg = Buffer.from(`{"format":"json","version":1}\n${JSON.stringify(doc)}`);
    sock.send(msg, UDP_PORT, '127.0.0.1', (err) => {
      sock.close();
      if (err) reject(err);
      else resolve();
    });
  });
}

export async function logsCall(op, body) {
  return api('/', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `Logs_20140328.${op}` },
    body: JSON.stringify(body),
  });
}

export async function waitIdle() {
  await api('/api/v1/wait?idle_ms=50&timeout_ms=5000');
}
