// trace-tools.js - the trace page's extra views over one assembled trace: the statistics table
// (per service and operation, from the server's "analysis"), the flame graph (time on x, depth
// on y, coloured like the waterfall), and find-in-trace matching. Pure builders: trace.js owns
// the state and passes callbacks.
import { h, replace } from './dom.js';
import { fmtDuration } from './time.js';
import { statusOf } from './components.js';

// The same status colour the waterfall gives a row (an HTTP 5xx is a fault even unflagged).
export function nodeStatus(doc) {
  const st = statusOf(doc);
  if (st !== 'ok') return st;
  const code = doc.http && doc.http.response && doc.http.response.status;
  if (code >= 500) return 'fault';
  if (code === 429) return 'throttle';
  if (code >= 400) return 'error';
  return 'ok';
}

export function hue(str) {
  let x = 0;
  for (let i = 0; i < str.length; i++) x = (x * 31 + str.charCodeAt(i)) | 0;
  return Math.abs(x) % 360;
}

// ---- statistics ----

const STAT_COLS = [
  ['service', 'Service', 'text'],
  ['operation', 'Operation', 'text'],
  ['count', 'Count', 'num'],
  ['total_ms', 'Total', 'ms'],
  ['avg_ms', 'Average', 'ms'],
  ['min_ms', 'Min', 'ms'],
  ['max_ms', 'Max', 'ms'],
  ['self_ms', 'Self time', 'ms'],
];

// A sortable table of analysis.statistics; clicking a header sorts by it (again: reverses).
export function statsTable(rows) {
  let key = 'total_ms';
  let desc = true;
  const wrap = h('div', { class: 'panel stats-panel' });
  const draw = () => {
    const sorted = [...rows].sort((a, b) => {
      const x = a[key];
      const y = b[key];
      const c = typeof x === 'string' ? x.localeCompare(y) : x - y;
      return desc ? -c : c;
    });
    const head = STAT_COLS.map(([k, label, kind]) =>
      h(
        'th',
        { scope: 'col', class: kind === 'text' ? '' : 'num', 'aria-sort': k === key ? (desc ? 'descending' : 'ascending') : 'none' },
        h('button', { type: 'button', class: 'sort', onclick: () => ((desc = k === key ? !desc : kind !== 'text'), (key = k), draw()) }, label, k === key ? (desc ? ' ▾' : ' ▴') : '')
      )
    );
    const totalCount = rows.reduce((s, r) => s + r.count, 0);
    const totalSelf = rows.reduce((s, r) => s + r.self_ms, 0);
    replace(
      wrap,
      h('div', { class: 'panel-head' }, h('h2', null, 'Trace statistics'), h('span', { class: 'muted small' }, `${rows.length} operations · ${totalCount} spans · ${fmtDuration(totalSelf / 1000)} self time in all`)),
      h(
        'table',
        { class: 'grid-table stats-table', 'aria-label': 'Trace statistics' },
        h('thead', null, h('tr', null, head)),
        h(
          'tbody',
          null,
          sorted.map((r) =>
            h(
              'tr',
              { class: 'stats-row', style: { '--svc': hue(r.service) } },
              STAT_COLS.map(([k, , kind]) =>
                h('td', { class: kind === 'text' ? (k === 'service' ? 'svc-cell' : '') : 'num', dataset: { col: k } }, kind === 'ms' ? fmtDuration(r[k] / 1000) : String(r[k]))
              )
            )
          )
        )
      )
    );
  };
  draw();
  return wrap;
}

// ---- flame graph ----

const FLAME_ROW = 22;

// Icicle chart: each span a block at its start/duration, one row per depth, colours of the
// waterfall (status fill, service stripe). Spans narrower than a pixel are skipped; their
// parents still show their time. onSelect(node) runs on click.
export function flameGraph(tree, t0, span, analysis, { onSelect, critical }) {
  const maxDepth = tree.all.reduce((m, n) => Math.max(m, n.depth), 0);
  const inner = h('div', { class: 'flame-inner', style: { height: `${(maxDepth + 1) * FLAME_ROW}px` } });
  const el = h('div', { class: 'panel flame', role: 'figure', 'aria-label': 'Flame graph' }, h('div', { class: 'panel-head' }, h('h2', null, 'Flame graph'), h('span', { class: 'muted small' }, 'Time runs left to right; each row is one level of nesting. Click a block for its details.')), inner);
  const spans = (analysis && analysis.spans) || {};
  const frag = document.createDocumentFragment();
  let shown = 0;
  const width = 1200;
  for (const n of tree.all) {
    const d = n.doc;
    const start = d.start_time ?? t0;
    const end = d.end_time ?? t0 + span;
    const w = ((end - start) / span) * 100;
    if (w * width < 100 && n.depth > 0) continue; // narrower than a pixel at 1200px
    const crit = critical && spans[d.id] && spans[d.id].critical;
    const block = h(
      'button',
      {
        type: 'button',
        class: ['flame-block', `st-bg-${nodeStatus(d)}`, n.kind === 'inferred' ? 'inferred' : '', crit ? 'critical' : ''],
        style: { left: `${((start - t0) / span) * 100}%`, width: `${Math.max(w, 0.05)}%`, top: `${n.depth * FLAME_ROW}px`, '--svc': hue(n.service || '') },
        title: `${d.name || d.id} · ${fmtDuration(end - start)}`,
        dataset: { id: d.id || '' },
        onclick: () => onSelect(n),
      },
      h('span', { class: 'flame-label' }, d.name || d.id || '')
    );
    frag.append(block);
    shown++;
  }
  inner.append(frag);
  el.dataset.blocks = String(shown);
  return el;
}

// ---- find in trace ----

// True when the span's name, an annotation key or value, its HTTP url or status, or an
// exception message contains q (already lower-cased).
export function spanMatches(n, q) {
  const d = n.doc;
  const has = (v) => v !== undefined && v !== null && String(v).toLowerCase().includes(q);
  if (has(d.name)) return true;
  // Ids only by prefix (a pasted id), so one hex digit does not match every span.
  if (q.length >= 4 && d.id && d.id.toLowerCase().startsWith(q)) return true;
  for (const [k, v] of Object.entries(d.annotations || {})) if (has(k) || has(v)) return true;
  const http = d.http || {};
  if (has(http.request && http.request.url) || has(http.response && http.response.status)) return true;
  if (d.cause && typeof d.cause === 'object') {
    if (has(d.cause.message)) return true;
    for (const ex of d.cause.exceptions || []) if (has(ex.message) || has(ex.type)) return true;
  }
  return false;
}
