// Starts the real fluoro binary on a free port (TCP and UDP share the number, like the daemon)
// with a temporary database, the way conftest.py does. FLUORO_BIN picks the build.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FLUORO_BIN = process.env.FLUORO_BIN || path.join(ROOT, 'build', 'fluoro');

function tcpPort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function udpFree(port) {
  return new Promise((resolve) => {
    const u = dgram.createSocket('udp4');
    u.once('error', () => resolve(false));
    u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
  });
}

/** A port free for both TCP and UDP on 127.0.0.1. */
export async function freePort() {
  for (let i = 0; i < 50; i++) {
    const port = await tcpPort();
    if (await udpFree(port)) return port;
  }
  throw new Error('no free port');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Fluoro {
  static async start(extraArgs = []) {
    const f = new Fluoro();
    f.port = await freePort();
    f.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fluoro-node-'));
    f.url = `http://127.0.0.1:${f.port}`;
    f.logPath = path.join(f.dir, 'fluoro.log');
    const log = fs.openSync(f.logPath, 'w');
    f.proc = spawn(FLUORO_BIN, ['serve', '--udp-address', `127.0.0.1:${f.port}`,
      '--http-address', `127.0.0.1:${f.port}`, '--db', path.join(f.dir, 'test.db'),
      '--log-level', 'debug', ...extraArgs], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    f.exit = new Promise((resolve) => f.proc.once('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {
      if (f.proc.exitCode !== null) throw new Error('fluoro exited early:\n' + f.log());
      try {
        const r = await fetch(f.url + '/health');
        if (r.ok) return f;
      } catch { /* not listening yet */ }
      await sleep(50);
    }
    throw new Error('fluoro did not become healthy:\n' + f.log());
  }

  log() {
    return fs.readFileSync(this.logPath, 'utf8');
  }

  async get(p) {
    const r = await fetch(this.url + p);
    if (r.status !== 200) throw new Error(`GET ${p} -> ${r.status} ${await r.text()}`);
    const type = r.headers.get('content-type') || '';
    return type.includes('json') ? r.json() : r.text();
  }

  waitIdle(idleMs = 100, timeoutMs = 10000) {
    return this.get(`/api/v1/wait?idle_ms=${idleMs}&timeout_ms=${timeoutMs}`);
  }

  /** One sample of /metrics (0 when absent), e.g. metric('fluoro_http_requests_total', {route: 'xray', status: '200'}). */
  async metric(name, labels = {}) {
    const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',');
    for (const line of (await this.get('/metrics')).split('\n')) {
      const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/);
      if (!m || m[1] !== name) continue;
      const have = (m[2] || '').split(',').filter(Boolean).sort().join(',');
      if (have === want) return Number(m[3]);
    }
    return 0;
  }

  /** SIGTERM, wait, and fail on a bad exit or a sanitizer report. */
  async stop() {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    const { code, signal } = await this.exit;
    const log = this.log();
    if (/ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/.test(log)) {
      throw new Error('sanitizer report:\n' + log.slice(-4000));
    }
    if (code !== 0) throw new Error(`fluoro exited with ${code ?? signal}:\n` + log.slice(-4000));
  }
}
