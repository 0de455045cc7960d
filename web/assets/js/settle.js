// settle.js - holds back never-ending requests (server-sent events) until the page runs in real
// time. Headless Chromium's --virtual-time-budget stops virtual time while any request is open,
// so a stream opened under it stalls the budget forever and `chromium --headless --screenshot
// --virtual-time-budget=5000` never takes its picture. Virtual time fast-forwards timers instead
// of waiting: a pause of PROBE_MS passes in almost no time on the server's clock (/health's
// uptime). So the page loads and renders with short requests only, and opens its streams once a
// probe shows real time passing: about two seconds after load in a browser (or Playwright), never
// while a screenshot budget is running.

const PROBE_MS = 1000;
// Consecutive probes that must see real time: under virtual time the renderer's own work (the
// first render of a big map) can stretch one probe's real duration, never two in a row.
const PASSES = 2;
let realTime = null;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function serverUptime() {
  const res = await fetch('/health', { cache: 'no-store', headers: { Accept: 'application/json' } });
  const body = await res.json();
  return Number(body.uptime_seconds);
}

function loaded() {
  if (document.readyState === 'complete') return Promise.resolve();
  return new Promise((resolve) => window.addEventListener('load', resolve, { once: true }));
}

// Resolves once the page has loaded and PASSES pauses of PROBE_MS in a row each took at least
// 90% as long on the server's clock; every caller shares the one probe.
export function whenRealTime() {
  if (!realTime) {
    realTime = (async () => {
      await loaded();
      let passes = 0;
      while (passes < PASSES) {
        try {
          const before = await serverUptime();
          await sleep(PROBE_MS);
          const after = await serverUptime();
          passes = after - before >= (0.9 * PROBE_MS) / 1000 ? passes + 1 : 0;
        } catch {
          passes = 0;
          await sleep(PROBE_MS); // the server is away: keep probing, the streams can wait
        }
      }
    })();
  }
  return realTime;
}
