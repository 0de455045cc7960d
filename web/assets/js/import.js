// import.js - #/import: view traces that are not in the store, like Jaeger's upload. Takes a
// file dropped on the page or picked: fluoro's own trace JSON (the trace page's Download JSON,
// GET /api/v1/traces/{id}), `fluoro export` NDJSON, a BatchGetTraces response, or fixture lines
// of segment documents. Imported traces live in this page's memory only and open at
// #/import/<trace id> in the normal trace page; the analysis (critical path, statistics) comes
// from POST /api/v1/analyze, which stores nothing.
import { h, replace } from './dom.js';
import { fmtDuration } from './time.js';

const imported = new Map(); // trace id -> assembled trace in the traces/{id} form

export function importedTrace(id) {
  return imported.get(id) || null;
}

function parseAll(text) {
  try {
    return [JSON.parse(text)];
  } catch (whole) {
    const lines = text.split('\n').filter((l) => l.trim() && !l.trimStart().startsWith('#'));
    if (lines.length < 2) throw new Error(`not JSON: ${whole.message}`);
    return lines.map((l, i) => {
      try {
        return JSON.parse(l);
      } catch (e) {
        throw new Error(`line ${i + 1} is not JSON: ${e.message}`);
      }
    });
  }
}

// The summary members the trace page shows, from the segment documents alone.
function summarise(traceId, segments) {
  const ids = new Set();
  const walk = (d) => {
    if (d.id) ids.add(d.id);
    for (const s of d.subsegments || []) walk(s);
  };
  segments.forEach(walk);
  const roots = segments.filter((s) => !s.parent_id || !ids.has(s.parent_id));
  const root = roots.sort((a, b) => (a.start_time ?? 0) - (b.start_time ?? 0))[0] || segments[0] || {};
  const starts = segments.map((s) => s.start_time).filter(Number.isFinite);
  const ends = segments.map((s) => s.end_time ?? s.start_time).filter(Number.isFinite);
  const start = Math.min(...starts);
  const end = Math.max(...ends);
  const req = (root.http && root.http.request) || {};
  const res = (root.http && root.http.response) || {};
  return {
    trace_id: traceId,
    start_time: start,
    end_time: end,
    duration: end - start,
    partial: segments.some((s) => s.in_progress),
    root: { name: root.name, id: root.id, fault: !!root.fault, error: !!root.error, throttle: !!root.throttle, http: { method: req.method, url: req.url, status: res.status } },
    segments,
  };
}

// Every trace in one parsed value: returns [{trace_id, segments, …}].
export function tracesIn(values) {
  const out = new Map();
  const loose = new Map(); // fixture lines: trace id -> segment documents
  const add = (v) => {
    if (Array.isArray(v)) return v.forEach(add);
    if (!v || typeof v !== 'object') throw new Error('expected a JSON object or array');
    if (Array.isArray(v.Traces)) {
      for (const t of v.Traces) {
        const segs = (t.Segments || []).map((s) => (typeof s.Document === 'string' ? JSON.parse(s.Document) : s.Document)).filter(Boolean);
        if (t.Id && segs.length) out.set(t.Id, summarise(t.Id, segs));
      }
    } else if (Array.isArray(v.segments) && v.trace_id) {
      out.set(v.trace_id, { ...summarise(v.trace_id, v.segments), ...v, analysis: undefined });
    } else if (v.trace_id && v.id && v.name) {
      if (!loose.has(v.trace_id)) loose.set(v.trace_id, []);
      loose.get(v.trace_id).push(v);
    } else if (!v.log) {
      throw new Error('not a fluoro trace export, a BatchGetTraces response or segment documents');
    }
  };
  values.forEach(add);
  for (const [id, segs] of loose) out.set(id, summarise(id, segs));
  return [...out.values()];
}

async function analyse(trace) {
  try {
    const res = await fetch('/api/v1/analyze', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ segments: trace.segments }) });
    if (res.ok) trace.analysis = await res.json();
  } catch {
    /* the trace still shows; only the critical path and statistics are missing */
  }
}

export function mount(root, params, ctx) {
  const input = h('input', { type: 'file', accept: '.json,.ndjson,.jsonl,application/json', class: 'import-file', 'aria-label': 'Choose a trace file' });
  const status = h('div', { class: 'import-status', role: 'status', 'aria-live': 'polite' });
  const list = h('div', { class: 'import-list' });
  const zone = h(
    'div',
    { class: 'panel drop-zone', tabindex: 0 },
    h('div', { class: 'drop-title' }, 'Drop a trace JSON file here'),
    h('div', { class: 'muted small' }, 'fluoro trace JSON (Download JSON), fluoro export NDJSON, an aws xray batch-get-traces response, or fixture lines of segment documents. Nothing is stored.'),
    h('label', { class: 'btn primary' }, 'Choose a file…', input)
  );
  root.append(h('section', { class: 'page page-import' }, h('div', { class: 'toolbar' }, h('h1', null, 'Import traces')), zone, status, list));

  async function take(file) {
    replace(status, `Reading ${file.name}…`);
    let traces;
    try {
      traces = tracesIn(parseAll(await file.text()));
      if (!traces.length) throw new Error('no trace in the file');
    } catch (e) {
      replace(status, h('div', { class: 'filter-error-msg', role: 'alert' }, h('strong', null, 'Cannot import'), `: ${file.name}: ${e.message}`));
      return;
    }
    await Promise.all(traces.map(analyse));
    for (const t of traces) imported.set(t.trace_id, t);
    replace(status, `Imported ${traces.length} trace${traces.length === 1 ? '' : 's'} from ${file.name}.`);
    if (traces.length === 1) return ctx.navigate(`/import/${traces[0].trace_id}`, {});
    drawList();
  }

  function drawList() {
    replace(
      list,
      imported.size
        ? h(
            'table',
            { class: 'grid-table import-table', 'aria-label': 'Imported traces' },
            h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Trace ID'), h('th', { scope: 'col' }, 'Root'), h('th', { scope: 'col', class: 'num' }, 'Duration'))),
            h('tbody', null, [...imported.values()].map((t) => h('tr', null, h('td', null, h('a', { class: 'mono', href: ctx.href(`/import/${t.trace_id}`, {}) }, t.trace_id)), h('td', null, (t.root && t.root.name) || '—'), h('td', { class: 'num' }, fmtDuration(t.duration)))))
          )
        : null
    );
  }

  input.addEventListener('change', () => input.files[0] && take(input.files[0]));
  zone.addEventListener('dragover', (ev) => (ev.preventDefault(), zone.classList.add('over')));
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (ev) => {
    ev.preventDefault();
    zone.classList.remove('over');
    const f = ev.dataTransfer && ev.dataTransfer.files[0];
    if (f) take(f);
  });
  drawList();
  return {};
}
