// main.js - the shell: hash router, top bar, and the live-update connection to /api/v1/events.
// Routes: #/map, #/traces?filter=&since=&until=, #/traces/<id>[?span=<id>],
// #/logs?group=&stream=&pattern=, #/insights, #/compare?a=<id>&b=<id>, #/import[/<id>].
import { h, replace } from './dom.js';
import { get } from './api.js';
import { fmtCount } from './time.js';
import { whenRealTime } from './settle.js';
import * as mapPage from './map.js';
import * as tracesPage from './traces.js';
import * as tracePage from './trace.js';
import * as logsPage from './logs.js';
import * as insightsPage from './insights.js';
import * as comparePage from './compare.js';
import * as importPage from './import.js';
import { installKeys, installTheme } from './keys.js';

const app = document.getElementById('app');
let current = null; // {page, handle}

export function parseHash(hash = location.hash) {
  const raw = hash.replace(/^#/, '') || '/map';
  const qi = raw.indexOf('?');
  const path = qi < 0 ? raw : raw.slice(0, qi);
  const params = Object.fromEntries(new URLSearchParams(qi < 0 ? '' : raw.slice(qi + 1)));
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { parts, params };
}

export function href(path, params = {}) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  }
  const q = u.toString();
  return `#${path}${q ? `?${q}` : ''}`;
}

// Replaces the current route's params without pushing a history entry when replace is set.
export function navigate(path, params, { replace: rep = false } = {}) {
  const target = href(path, params);
  if (rep) {
    history.replaceState(null, '', target);
    route();
  } else {
    location.hash = target;
  }
}

function route() {
  const { parts, params } = parseHash();
  let page = mapPage;
  let name = 'map';
  if (parts[0] === 'traces' && parts[1]) {
    page = tracePage;
    name = 'traces';
    params.id = parts[1];
  } else if (parts[0] === 'traces') {
    page = tracesPage;
    name = 'traces';
  } else if (parts[0] === 'logs') {
    page = logsPage;
    name = 'logs';
  } else if (parts[0] === 'insights') {
    page = insightsPage;
    name = 'insights';
  } else if (parts[0] === 'compare') {
    page = comparePage;
    name = 'traces';
  } else if (parts[0] === 'import' && parts[1]) {
    page = tracePage;
    name = 'traces';
    params.id = parts[1];
    params.imported = true;
  } else if (parts[0] === 'import') {
    page = importPage;
    name = 'traces';
  }
  for (const a of document.querySelectorAll('.tabs a')) {
    if (a.dataset.route === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (current && current.handle && current.handle.unmount) current.handle.unmount();
  replace(app);
  const ctx = { navigate, href };
  current = { page, handle: page.mount(app, params, ctx) || {} };
}

// Live updates: one EventSource for the whole app; the current page decides what to refresh.
function connectLive() {
  const badge = document.getElementById('live');
  const label = badge.querySelector('span');
  const set = (state, text) => {
    badge.dataset.state = state;
    label.textContent = text;
  };
  if (!('EventSource' in window)) {
    set('off', 'No live updates');
    return;
  }
  const es = new EventSource('/api/v1/events');
  es.addEventListener('open', () => set('on', 'Live'));
  es.addEventListener('hello', () => set('on', 'Live'));
  es.addEventListener('error', () => set('off', 'Reconnecting'));
  es.addEventListener('change', (ev) => {
    let what = {};
    try {
      what = JSON.parse(ev.data);
    } catch {
      return;
    }
    badge.classList.remove('pulse');
    void badge.offsetWidth;
    badge.classList.add('pulse');
    refreshStats();
    if (current && current.handle && current.handle.onLive) current.handle.onLive(what);
  });
  window.addEventListener('beforeunload', () => es.close());
}

// Ingest losses never hide: datagrams the kernel dropped before fluoro could read them (socket
// buffer full), datagrams dropped on a full queue and documents rejected as invalid are shown
// next to the totals whenever they are non-zero (the same counters as /metrics).
// Losses are counted exactly, never rounded to "1.2k".
const exact = (n) => n.toLocaleString('en-US');

function lossParts(st) {
  const parts = [];
  const dropped = st.udp_dropped_total || 0;
  const kernel = st.udp_dropped_kernel_total || 0;
  const byReason = Object.entries(st.udp_rejected || {}).filter(([, n]) => n > 0);
  const rejected = byReason.reduce((sum, [, n]) => sum + n, 0) + (st.api_segments_rejected_total || 0);
  if (dropped) {
    parts.push(h('a', {
      class: 'stat-loss', href: '/metrics', target: '_blank', dataset: { stat: 'dropped' },
      title: 'UDP datagrams dropped because the ingest queue was full (fluoro_udp_dropped_total; raise --queue-size or --queue-bytes)',
    }, `${exact(dropped)} dropped`));
  }
  if (kernel) {
    parts.push(h('a', {
      class: 'stat-loss', href: '/metrics', target: '_blank', dataset: { stat: 'dropped-kernel' },
      title: 'UDP datagrams the kernel dropped before fluoro could read them: the socket receive buffer was full (fluoro_udp_dropped_kernel_total; send more slowly or raise net.core.rmem_max)',
    }, `${exact(kernel)} lost in kernel`));
  }
  if (rejected) {
    const why = byReason.map(([r, n]) => `${r}: ${n}`);
    if (st.api_segments_rejected_total) why.push(`PutTraceSegments: ${st.api_segments_rejected_total}`);
    parts.push(h('a', {
      class: 'stat-loss', href: '/metrics', target: '_blank', dataset: { stat: 'rejected' },
      title: `Segment documents rejected as invalid (${why.join(', ')})`,
    }, `${exact(rejected)} rejected`));
  }
  return parts;
}

// Exporters (docs/outgrowing.md) that are failing or behind: one link each to /metrics.
const EXPORT_BEHIND_S = 10;
function exportParts(st) {
  return Object.entries(st.exporters || {}).flatMap(([name, x]) => {
    const behind = x.lag_seconds > EXPORT_BEHIND_S;
    const refusing = x.last_status >= 400 && x.last_status < 500 && x.rejected_total > 0;
    if (!x.failing && !behind && !refusing) return [];
    const what = x.failing ? 'failing' : refusing ? 'refused' : `${Math.round(x.lag_seconds)} s behind`;
    return [h('a', {
      class: 'stat-loss', href: '/metrics', target: '_blank', dataset: { stat: `export-${name}` },
      title: `Export ${name}: ${exact(x.lag_items)} items waiting, ${exact(x.retried_total)} retries, `
        + `${exact(x.rejected_total)} rejected, last HTTP status ${x.last_status || 'none'}`,
    }, `${name} export ${what}`)];
  });
}

async function refreshStats() {
  const el = document.getElementById('stats');
  try {
    const st = await get('stats');
    const parts = [];
    if (Number.isFinite(st.traces)) parts.push(`${fmtCount(st.traces)} traces`);
    if (Number.isFinite(st.segments)) parts.push(`${fmtCount(st.segments)} segments`);
    parts.push(...lossParts(st));
    parts.push(...exportParts(st));
    replace(el, parts.map((p, i) => h('span', null, i ? ' · ' : '', p)));
  } catch {
    replace(el);
  }
}

window.addEventListener('hashchange', route);
installTheme(document.querySelector('.topbar-right'));
installKeys(() => current && current.handle);
route();
refreshStats();
// Drops and rejections commit nothing, so no live event announces them: poll as well.
setInterval(refreshStats, 5000);
// The stream never ends, so it opens only once the page runs in real time (settle.js): headless
// screenshots with --virtual-time-budget would otherwise wait for it forever.
whenRealTime().then(connectLive);
