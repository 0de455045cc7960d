// own-server.mjs - a fluoro of the test file's own (empty store, free ports), so a test file that
// stores traces and logs leaves the shared demo instance as the other files expect it. Sets
// FLUORO_URL and FLUORO_UDP_PORT before the caller imports helpers.mjs (node --test runs each
// file in its own process, so the shared instance is untouched).
import { spawn } from 'node:child_process';
import net from 'node:net';

export const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* extraArgs go after the defaults (a repeated flag's last value wins). exportEnv: false leaves
   FLUORO_URL/FLUORO_UDP_PORT naming the shared instance, for a file that uses both. Returns the
   base URL, the UDP port, the child process (for tests that SIGSTOP it) and stop(). */
export async function ownServer(extraArgs = [], { exportEnv = true } = {}) {
  const http = await freePort();
  const udp = await freePort();
  const base = `http://127.0.0.1:${http}`;
  const args = ['serve', '--log-level', 'warn', '--http-address', `127.0.0.1:${http}`, '--udp-address', `127.0.0.1:${udp}`];
  if (process.env.FLUORO_WEB_ROOT) args.push('--web-root', process.env.FLUORO_WEB_ROOT);
  args.push(...extraArgs);
  const proc = spawn(process.env.FLUORO_BIN || '../build/fluoro', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  let up = false;
  for (let i = 0; i < 200 && !up; i++) {
    try {
      up = (await fetch(`${base}/health`)).ok;
    } catch {
      await sleep(50);
    }
  }
  if (!up) {
    proc.kill('SIGTERM');
    throw new Error('own fluoro did not start');
  }
  if (exportEnv) {
    process.env.FLUORO_URL = base;
    process.env.FLUORO_UDP_PORT = String(udp);
  }
  return {
    base,
    udpPort: udp,
    proc,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', resolve);
        proc.kill('SIGTERM');
      }),
  };
}
