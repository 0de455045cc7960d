// trace.js - #/traces/<id>: the waterfall of every segment and subsegment (nested, collapsible,
// time axis, bars coloured by status, inferred nodes marked), a details panel for the selected
// row, the trace's correlated log lines and a raw JSON download. Rows are virtualized: only the
// ones in view exist in the DOM, so a trace with thousands of subsegments scrolls smoothly.
// The server's "analysis" adds the critical path and self times (toggle "Critical path"), the
// Statistics and Flame graph views (trace-tools.js), and find-in-trace with next/previous.
import { h, replace } from './dom.js';
import { get, url } from './api.js';
import { jsonTree } from './jsontree.js';
import { fmtDateTime, fmtDuration, fmtIso } from './time.js';
import { statusOf, statusPill, httpStatusPill, loading, failure, empty, copyButton, quote } from './components.js';
import { logLine } from './logline.js';
import { nodeStatus, hue, statsTable, flameGraph, spanMatches } from './trace-tools.js';
import { importedTrace } from './import.js';

const ROW = 30;
const OVERSCAN = 12;
// Above this many spans the page offers to show one row per service (segments only).
export const LARGE_TRACE = 5000;

// Indentation grows 16px a level, then 4px a level past 8, capped so deep traces keep their names.
function indent(depth) {
  return 8 + Math.min(220, Math.min(depth, 8) * 16 + Math.max(0, depth - 8) * 4);
}

// Nesting counted in segments only, for the one-row-per-service view.
function serviceDepth(n) {
  let d = 0;
  for (let p = n.parent; p; p = p.parent) if (p.kind !== 'subsegment') d++;
  return d;
}

// Flattens the assembled segment documents into one tree of {doc, kind, children, service}.
export function buildTree(segments) {
  const byId = new Map();
  const all = [];
  const walk = (doc, kind, service, parent) => {
    const n = { doc, kind, service, children: [], parent: null, depth: 0 };
    all.push(n);
    if (doc.id) byId.set(doc.id, n);
    if (parent) {
      n.parent = parent;
      parent.children.push(n);
    }
    for (const sub of doc.subsegments || []) walk(sub, 'subsegment', service, n);
    return n;
  };
  const tops = [];
  for (const seg of segments || []) {
    tops.push(walk(seg, seg.inferred ? 'inferred' : seg.type === 'subsegment' ? 'subsegment' : 'segment', seg.name, null));
  }
  const roots = [];
  for (const t of tops) {
    const p = t.doc.parent_id && byId.get(t.doc.parent_id);
    if (p && p !== t) {
      t.parent = p;
      p.children.push(t);
    } else {
      roots.push(t);
    }
  }
  const byStart = (a, b) => (a.doc.start_time ?? 0) - (b.doc.start_time ?? 0);
  const order = (list, depth) => {
    list.sort(byStart);
    for (const n of list) {
      n.depth = depth;
      order(n.children, depth + 1);
    }
  };
  order(roots, 0);
  return { roots, all, byId };
}

function findException(all, id) {
  for (const n of all) {
    const c = n.doc.cause;
    if (c && typeof c === 'object') {
      for (const ex of c.exceptions || []) if (ex.id === id) return { node: n, cause: c, ex };
    }
  }
  return null;
}

function kv(pairs) {
  const items = pairs.filter(([, v]) => v !== undefined && v !== null && v !== '');
  if (!items.length) return null;
  return h(
    'dl',
    { class: 'kv' },
    items.map(([k, v]) => [h('dt', null, k), h('dd', null, v instanceof Node ? v : typeof v === 'object' ? jsonTree(v, { openDepth: 1 }) : String(v))])
  );
}

function section(title, ...body) {
  const content = body.flat().filter(Boolean);
  if (!content.length) return null;
  return h('section', { class: 'detail-sec' }, h('h3', null, title), content);
}

function niceStep(span, n) {
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw || 1e-6));
  return [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= n) || 10 * mag;
}

export function mount(root, params, ctx) {
  const id = params.id;
  let aborted = false;
  const page = h('section', { class: 'page page-trace' }, loading(`Loading trace ${id}…`));
  root.append(page);
  let data = null;
  let tree = null;
  let rows = [];
  let selected = null;
  const collapsed = new Set();
  let t0 = 0;
  let span = 1;
  let wfBody = null;
  let wfInner = null;
  let detail = null;
  let logsPanel = null;
  let raf = 0;
  let showCritical = false;
  let view = 'waterfall';
  let servicesOnly = false;
  let matches = [];
  let matchIdx = -1;
  let matchSet = new Set();
  let viewArea = null;
  let wfLayout = null;
  let findInput = null;
  let findCount = null;
  let serviceBtn = null;

  async function load() {
    try {
      // #/import/<id>: a trace read from a file on the Import page, not from the store.
      data = params.imported ? importedTrace(id) : await get(`traces/${encodeURIComponent(id)}`);
      if (!data) {
        replace(page, empty('Not imported', 'Imported traces live only in the page that imported them: import the file again.'), h('a', { class: 'btn', href: ctx.href('/import', {}) }, 'Import a trace'));
        return;
      }
    } catch (e) {
      if (aborted) return;
      replace(page, e.status === 404 ? empty('Trace not found', `No trace ${id} has been received (or it has expired).`) : failure(e));
      return;
    }
    if (aborted) return;
    tree = buildTree(data.segments);
    const starts = tree.all.map((n) => n.doc.start_time).filter(Number.isFinite);
    const ends = tree.all.map((n) => n.doc.end_time ?? n.doc.start_time).filter(Number.isFinite);
    t0 = Math.min(data.start_time ?? Infinity, ...starts);
    span = Math.max(1e-6, Math.max(data.end_time ?? -Infinity, ...ends) - t0);
    // Initially collapse nothing unless the trace is huge; then keep the first two levels open.
    if (tree.all.length > 400) for (const n of tree.all) if (n.depth >= 2 && n.children.length) collapsed.add(n);
    servicesOnly = tree.all.length > LARGE_TRACE;
    render();
    if (params.imported) replace(logsPanel, h('h2', null, 'Log lines for this trace'), empty('Imported trace', 'Log lines are not part of an imported file.'));
    else loadLogs();
  }

  function flatten() {
    rows = [];
    // One row per service: segments and inferred segments only, their subsegments folded away.
    const walk = (list) => {
      for (const n of list) {
        if (!servicesOnly || n.kind !== 'subsegment') rows.push(n);
        if (servicesOnly || !collapsed.has(n)) walk(n.children);
      }
    };
    walk(tree.roots);
  }

  function render() {
    const rootSt = statusOf(data.root);
    const http = (data.root && data.root.http) || {};
    const services = new Set(tree.all.filter((n) => n.kind !== 'subsegment').map((n) => n.doc.name));
    const download = () => {
      const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
      const a = h('a', { href: URL.createObjectURL(blob), download: `${id}.json` });
      document.body.append(a);
      a.click();
      setTimeout(() => {
        URL.revokeObjectURL(a.href);
        a.remove();
      }, 0);
    };
    const header = h(
      'header',
      { class: 'trace-head' },
      h(
        'div',
        { class: 'trace-title' },
        params.imported ? h('a', { href: ctx.href('/import', {}), class: 'back', 'aria-label': 'Back to import' }, '‹ Import · not in the store') : h('a', { href: ctx.href('/traces', {}), class: 'back', 'aria-label': 'Back to traces' }, '‹ Traces'),
        h('h1', null, h('span', { class: 'root-name' }, (data.root && data.root.name) || 'Trace'), http.method ? h('span', { class: 'title-req' }, ` ${http.method} `, h('span', { class: 'url' }, http.url || '')) : null),
        h('div', { class: 'trace-id-line' }, h('span', { class: 'mono' }, id), copyButton(id, 'Copy ID'), statusPill(rootSt), data.partial ? h('span', { class: 'pill st-partial' }, 'partial') : null)
      ),
      h(
        'div',
        { class: 'trace-facts' },
        fact('Started', fmtDateTime(data.start_time)),
        fact('Duration', fmtDuration(data.duration)),
        fact('Response', http.status ? httpStatusPill(http.status) : '—'),
        fact('Services', String(services.size)),
        fact('Spans', String(tree.all.length)),
        h(
          'div',
          { class: 'trace-actions' },
          params.imported ? null : h('a', { class: 'btn', href: ctx.href('/map', { filter: `id(${quote(id)})`, since: '0' }) }, 'Map'),
          params.imported ? null : h('a', { class: 'btn', href: url(`traces/${encodeURIComponent(id)}`), target: '_blank', rel: 'noopener' }, 'Raw'),
          h('button', { type: 'button', class: 'btn primary', onclick: download }, 'Download JSON')
        )
      )
    );

    const step = niceStep(span, 6);
    const ticks = [];
    for (let v = 0; v <= span + 1e-9; v += step) ticks.push(v);
    const axis = h(
      'div',
      { class: 'wf-axis' },
      h('div', { class: 'wf-axis-name' }, h('button', { type: 'button', class: 'btn ghost small', onclick: expandAll }, 'Expand all'), h('button', { type: 'button', class: 'btn ghost small', onclick: collapseAll }, 'Collapse')),
      h('div', { class: 'wf-axis-time', 'aria-hidden': 'true' }, ticks.map((v) => h('span', { class: 'tick', style: { left: `${(v / span) * 100}%` } }, fmtDuration(v))))
    );
    wfInner = h('div', { class: 'wf-inner' });
    wfBody = h('div', { class: 'wf-body', role: 'tree', 'aria-label': 'Segments and subsegments', tabindex: 0 }, wfInner);
    wfBody.style.setProperty('--tick', `${(step / span) * 100}%`);
    wfBody.addEventListener('scroll', schedule);
    wfBody.addEventListener('keydown', onKey);
    detail = h('aside', { class: 'panel detail', 'aria-label': 'Selected span details' });
    logsPanel = h('section', { class: 'panel logs-panel' }, h('h2', null, 'Log lines for this trace'), loading('Loading correlated logs…'));
    wfLayout = h('div', { class: 'trace-layout' }, h('div', { class: 'panel waterfall' }, axis, wfBody), detail);
    viewArea = h('div', { class: 'trace-view' }, wfLayout);
    replace(page, header, toolsBar(), largeNotice(), viewArea, logsPanel);
    flatten();
    const wanted = params.span && tree.byId.get(params.span);
    const firstProblem = tree.all.find((n) => n.doc.cause && typeof n.doc.cause === 'object') || tree.all.find((n) => nodeStatus(n.doc) !== 'ok');
    select(wanted || firstProblem || tree.roots[0], { scroll: true });
    paint();
    // A live reload of a partial trace keeps the view that was open.
    if (view !== 'waterfall') refreshView();
  }

  // The row of trace tools: critical path toggle, the view switch and find-in-trace.
  function toolsBar() {
    const crit = h('input', { type: 'checkbox', class: 'crit-toggle', checked: showCritical, onchange: () => ((showCritical = crit.checked), page.classList.toggle('show-critical', showCritical), refreshView()) });
    const tab = (name, label) =>
      h('button', { type: 'button', class: ['seg-btn', view === name ? 'active' : ''], 'aria-pressed': String(view === name), dataset: { view: name }, onclick: () => setView(name) }, label);
    findInput = h('input', { type: 'search', class: 'find-input', placeholder: 'Name, annotation, URL, status, error…', 'aria-label': 'Find in trace', 'data-search': '', spellcheck: 'false', autocomplete: 'off' });
    findInput.addEventListener('input', () => runFind(findInput.value));
    findInput.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') (ev.preventDefault(), step(ev.shiftKey ? -1 : 1));
      else if (ev.key === 'Escape') (ev.stopPropagation(), (findInput.value = ''), runFind(''), wfBody && wfBody.focus());
    });
    findCount = h('span', { class: 'find-count muted small', 'aria-live': 'polite' });
    const crPath = ((data.analysis && data.analysis.critical_path) || []).length;
    return h(
      'div',
      { class: 'trace-tools' },
      h('label', { class: 'toggle', title: 'Highlight the spans that determined the end-to-end duration' }, crit, h('span', null, 'Critical path'), h('span', { class: 'muted small' }, ` (${crPath} spans)`)),
      h('div', { class: 'seg-group', role: 'group', 'aria-label': 'Trace view' }, tab('waterfall', 'Waterfall'), tab('stats', 'Statistics'), tab('flame', 'Flame graph')),
      h(
        'div',
        { class: 'find' },
        h('span', { class: 'filter-icon', 'aria-hidden': 'true' }),
        findInput,
        findCount,
        h('button', { type: 'button', class: 'btn ghost small', onclick: () => step(-1) }, 'Previous'),
        h('button', { type: 'button', class: 'btn ghost small', onclick: () => step(1) }, 'Next')
      )
    );
  }

  function setServicesOnly(on) {
    servicesOnly = on;
    if (serviceBtn) serviceBtn.textContent = on ? 'Show every span' : 'Collapse by service';
    flatten();
    paint();
  }

  function largeNotice() {
    if (tree.all.length <= LARGE_TRACE) return null;
    const btn = h('button', { type: 'button', class: 'btn small', onclick: () => setServicesOnly(!servicesOnly) }, servicesOnly ? 'Show every span' : 'Collapse by service');
    serviceBtn = btn;
    return h('div', { class: 'notice large-notice', role: 'status' }, h('strong', null, `Large trace: ${tree.all.length.toLocaleString('en-US')} spans. `), 'Only the rows in view are drawn. Collapsing by service shows one row per segment.', ' ', btn);
  }

  function setView(name) {
    view = name;
    for (const b of page.querySelectorAll('.seg-btn')) {
      b.classList.toggle('active', b.dataset.view === name);
      b.setAttribute('aria-pressed', String(b.dataset.view === name));
    }
    refreshView();
  }

  function refreshView() {
    if (!viewArea) return;
    if (view === 'stats') replace(viewArea, statsTable((data.analysis && data.analysis.statistics) || []));
    else if (view === 'flame') replace(viewArea, flameGraph(tree, t0, span, data.analysis, { critical: showCritical, onSelect: (n) => (setView('waterfall'), select(n, { scroll: true })) }));
    else {
      if (wfLayout.parentNode !== viewArea) replace(viewArea, wfLayout);
      paint();
    }
  }

  function runFind(text) {
    const q = text.trim().toLowerCase();
    matches = q ? tree.all.filter((n) => spanMatches(n, q)) : [];
    matchSet = new Set(matches);
    matchIdx = -1;
    findCount.textContent = q ? (matches.length ? `${matches.length} match${matches.length === 1 ? '' : 'es'}` : 'No matches') : '';
    if (matches.length) step(1);
    else paint();
  }

  function step(dir) {
    if (!matches.length) return;
    matchIdx = (matchIdx + dir + matches.length) % matches.length;
    findCount.textContent = `${matchIdx + 1} of ${matches.length}`;
    if (servicesOnly && matches[matchIdx].kind === 'subsegment') setServicesOnly(false);
    if (view !== 'waterfall') setView('waterfall');
    select(matches[matchIdx], { scroll: true });
  }

  function fact(label, value) {
    return h('div', { class: 'fact' }, h('div', { class: 'fact-label' }, label), h('div', { class: 'fact-value' }, value));
  }

  function schedule() {
    if (!raf) raf = requestAnimationFrame(() => ((raf = 0), paint()));
  }

  function paint() {
    if (!wfBody) return;
    wfInner.style.height = `${rows.length * ROW}px`;
    const top = wfBody.scrollTop;
    const height = wfBody.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
    const last = Math.min(rows.length, Math.ceil((top + height) / ROW) + OVERSCAN);
    const frag = document.createDocumentFragment();
    for (let i = first; i < last; i++) frag.append(rowEl(rows[i], i));
    replace(wfInner, frag);
  }

  function rowEl(n, i) {
    const d = n.doc;
    const st = nodeStatus(d);
    const start = d.start_time ?? t0;
    const end = d.end_time ?? (d.in_progress ? t0 + span : start);
    const left = ((start - t0) / span) * 100;
    const width = Math.max(0.15, ((end - start) / span) * 100);
    const hasKids = n.children.length > 0;
    const open = !collapsed.has(n);
    const isSel = n === selected;
    const toggle = hasKids
      ? h('button', { type: 'button', class: 'twisty', tabindex: -1, 'aria-label': open ? 'Collapse' : 'Expand', onclick: (ev) => (ev.stopPropagation(), toggleNode(n)) }, open ? '▾' : '▸')
      : h('span', { class: 'twisty none' });
    const badges = [];
    if (n.kind === 'inferred') badges.push(h('span', { class: 'badge inferred', title: 'Inferred from the calling subsegment' }, 'inferred'));
    if (n.kind === 'segment' && d.origin) badges.push(h('span', { class: 'badge origin' }, d.origin.replace(/^AWS::/, '')));
    if (n.kind === 'subsegment' && d.namespace) badges.push(h('span', { class: 'badge ns' }, d.namespace));
    if (d.aws && d.aws.operation && n.kind !== 'segment') badges.push(h('span', { class: 'badge op' }, d.aws.operation));
    if (d.in_progress) badges.push(h('span', { class: 'badge progress' }, 'in progress'));
    const code = d.http && d.http.response && d.http.response.status;
    const labelRight = (end - start) / span > 0.55;
    const info = data.analysis && data.analysis.spans && data.analysis.spans[d.id];
    const el = h(
      'div',
      {
        class: ['wf-row', `kind-${n.kind}`, `st-row-${st}`, isSel ? 'selected' : '', i % 2 ? 'odd' : '', showCritical && info && info.critical ? 'critical' : '', matchSet.has(n) ? 'match' : '', matches[matchIdx] === n ? 'current-match' : ''],
        role: 'treeitem',
        'aria-level': n.depth + 1,
        'aria-expanded': hasKids ? String(open) : null,
        'aria-selected': String(isSel),
        'aria-setsize': rows.length,
        'aria-posinset': i + 1,
        style: { top: `${i * ROW}px`, '--svc': hue(n.service || '') },
        dataset: { id: d.id || '' },
        onclick: () => select(n),
      },
      h(
        'div',
        { class: 'wf-name', style: { 'padding-left': `${indent(servicesOnly ? serviceDepth(n) : n.depth)}px` }, title: n.depth > 8 ? `depth ${n.depth}` : null },
        toggle,
        h('i', { class: `sdot st-${st}`, 'aria-hidden': 'true' }),
        h('span', { class: 'wf-label', title: d.name || '' }, d.name || d.id || '(unnamed)'),
        badges,
        code ? h('span', { class: `code st-${st}` }, String(code)) : null,
        info ? h('span', { class: 'self-time', title: 'Self time: the duration minus the time its children cover' }, `self ${fmtDuration(info.self_ms / 1000)}`) : null
      ),
      h(
        'div',
        { class: 'wf-time' },
        h(
          'div',
          { class: ['bar', `st-bg-${st}`, n.kind === 'inferred' ? 'inferred' : ''], style: { left: `${left}%`, width: `${width}%` } },
          labelRight ? h('span', { class: 'bar-label inside' }, fmtDuration(end - start)) : null
        ),
        labelRight ? null : h('span', { class: 'bar-label', style: left + width > 80 ? { right: `${100 - left + 0.6}%` } : { left: `calc(${left + width}% + 6px)` } }, fmtDuration(end - start))
      )
    );
    return el;
  }

  function toggleNode(n) {
    if (collapsed.has(n)) collapsed.delete(n);
    else collapsed.add(n);
    flatten();
    paint();
  }

  function expandAll() {
    collapsed.clear();
    setServicesOnly(false);
  }

  function collapseAll() {
    for (const n of tree.all) if (n.children.length && n.depth >= 1) collapsed.add(n);
    flatten();
    paint();
  }

  function onKey(ev) {
    if (!selected) return;
    let i = rows.indexOf(selected);
    if (ev.key === 'ArrowDown' || ev.key === 'j') i = Math.min(rows.length - 1, i + 1);
    else if (ev.key === 'ArrowUp' || ev.key === 'k') i = Math.max(0, i - 1);
    else if (ev.key === 'Enter') return ev.preventDefault(), openDetail();
    else if (ev.key === 'ArrowRight' && collapsed.has(selected)) return ev.preventDefault(), toggleNode(selected);
    else if (ev.key === 'ArrowLeft' && selected.children.length && !collapsed.has(selected)) return ev.preventDefault(), toggleNode(selected);
    else if (ev.key === 'ArrowLeft' && selected.parent) return ev.preventDefault(), select(selected.parent, { scroll: true });
    else return;
    ev.preventDefault();
    select(rows[i], { scroll: true });
  }

  function select(n, { scroll = false } = {}) {
    if (!n) return;
    // Open the ancestors so the selected row is visible.
    let changed = false;
    for (let p = n.parent; p; p = p.parent) if (collapsed.delete(p)) changed = true;
    if (changed) flatten();
    selected = n;
    if (scroll && wfBody) {
      const i = rows.indexOf(n);
      const top = i * ROW;
      if (top < wfBody.scrollTop || top > wfBody.scrollTop + wfBody.clientHeight - ROW * 2) wfBody.scrollTop = Math.max(0, top - ROW * 3);
    }
    paint();
    renderDetail(n);
  }

  function renderDetail(n) {
    const d = n.doc;
    const st = nodeStatus(d);
    const start = d.start_time;
    const end = d.end_time;
    const req = (d.http && d.http.request) || {};
    const res = (d.http && d.http.response) || {};
    const { subsegments, ...own } = d;
    void subsegments;
    const exceptions = [];
    let causeInfo = null;
    if (d.cause && typeof d.cause === 'object') {
      causeInfo = d.cause;
      exceptions.push(...(d.cause.exceptions || []));
    } else if (typeof d.cause === 'string') {
      const found = findException(tree.all, d.cause);
      if (found) {
        causeInfo = { ...found.cause, from: found.node };
        exceptions.push(found.ex);
      }
    }
    const aws = d.aws || null;
    replace(
      detail,
      h(
        'header',
        { class: 'detail-head' },
        h('div', { class: 'detail-kind' }, { segment: 'Segment', subsegment: 'Subsegment', inferred: 'Inferred segment' }[n.kind], d.namespace ? ` · ${d.namespace}` : ''),
        h('h2', null, d.name || d.id),
        h('div', { class: 'detail-pills' }, statusPill(st), res.status ? httpStatusPill(res.status) : null, d.in_progress ? h('span', { class: 'pill st-partial' }, 'in progress') : null)
      ),
      section(
        'Overview',
        kv([
          ['ID', h('span', { class: 'mono' }, d.id || '', ' ', d.id && !params.imported ? copyButton(`${location.origin}${location.pathname}${ctx.href(`/traces/${id}`, { span: d.id })}`, 'Copy link') : null)],
          ['Parent', d.parent_id ? h('span', { class: 'mono' }, d.parent_id) : null],
          ['Origin', d.origin],
          ['Resource ARN', d.resource_arn ? h('span', { class: 'mono wrap' }, d.resource_arn) : null],
          ['Start', Number.isFinite(start) ? `${fmtDateTime(start)}  (+${fmtDuration(start - t0)})` : null],
          ['End', Number.isFinite(end) ? fmtIso(end) : null],
          ['Duration', Number.isFinite(end) && Number.isFinite(start) ? fmtDuration(end - start) : null],
          ['User', d.user],
          ['Service', d.service ? d.service : null],
        ])
      ),
      exceptions.length || causeInfo
        ? h(
            'section',
            { class: 'detail-sec exceptions' },
            h('h3', null, 'Exceptions'),
            causeInfo && causeInfo.from ? h('p', { class: 'muted small' }, 'Raised in ', h('button', { type: 'button', class: 'linklike', onclick: () => select(causeInfo.from, { scroll: true }) }, causeInfo.from.doc.name || causeInfo.from.doc.id)) : null,
            causeInfo && causeInfo.working_directory ? h('div', { class: 'muted small mono' }, `cwd ${causeInfo.working_directory}`) : null,
            exceptions.map((ex) =>
              h(
                'div',
                { class: 'exception' },
                h('div', { class: 'ex-type' }, ex.type || 'Exception', ex.remote ? h('span', { class: 'badge' }, 'remote') : null),
                h('div', { class: 'ex-msg' }, ex.message || ''),
                ex.stack && ex.stack.length
                  ? h(
                      'ol',
                      { class: 'stack mono' },
                      ex.stack.map((f) => h('li', null, h('span', { class: 'fn' }, f.label || '(anonymous)'), h('span', { class: 'loc' }, ` ${f.path || '?'}${f.line ? `:${f.line}` : ''}`)))
                    )
                  : null,
                ex.truncated ? h('div', { class: 'muted small' }, `${ex.truncated} frames truncated`) : null
              )
            ),
            causeInfo && causeInfo.message && !exceptions.length ? h('div', { class: 'ex-msg' }, causeInfo.message) : null
          )
        : null,
      d.http
        ? section(
            'HTTP',
            kv([
              ['Method', req.method],
              ['URL', req.url ? h('span', { class: 'mono wrap' }, req.url) : null],
              ['Status', res.status ? httpStatusPill(res.status) : null],
              ['Content length', res.content_length],
              ['User agent', req.user_agent],
              ['Client IP', req.client_ip],
              ['Forwarded', req.x_forwarded_for === undefined ? null : String(req.x_forwarded_for)],
              ['Traced', req.traced === undefined ? null : String(req.traced)],
            ])
          )
        : null,
      aws ? section('AWS', kv(Object.entries(aws).map(([k, v]) => [k, typeof v === 'object' && v !== null ? v : String(v)]))) : null,
      d.sql
        ? section(
            'SQL',
            kv(Object.entries(d.sql).filter(([k]) => k !== 'sanitized_query').map(([k, v]) => [k, String(v)])),
            d.sql.sanitized_query ? h('pre', { class: 'code-block' }, d.sql.sanitized_query) : null
          )
        : null,
      d.annotations && Object.keys(d.annotations).length
        ? section(
            'Annotations',
            h(
              'table',
              { class: 'mini ann-table' },
              h('tbody', null, Object.entries(d.annotations).map(([k, v]) => h('tr', null, h('th', { scope: 'row', class: 'mono' }, k), h('td', null, h('span', { class: `mono j-${typeof v === 'string' ? 'str' : typeof v === 'number' ? 'num' : 'bool'}` }, String(v)), ' ', h('a', { class: 'small', href: ctx.href('/traces', { filter: `annotation.${k} = ${typeof v === 'string' ? quote(v) : String(v)}` }), title: 'Find traces with this annotation' }, 'find')))))
            )
          )
        : null,
      d.metadata && Object.keys(d.metadata).length ? section('Metadata', jsonTree(d.metadata, { openDepth: 3 })) : null,
      h('section', { class: 'detail-sec' }, h('details', { class: 'raw' }, h('summary', null, h('h3', null, 'Raw document')), jsonTree(own, { openDepth: 1 })))
    );
  }

  async function loadLogs() {
    let res;
    try {
      res = await get(`traces/${encodeURIComponent(id)}/logs`);
    } catch (e) {
      if (aborted || !logsPanel) return;
      replace(logsPanel, h('h2', null, 'Log lines for this trace'), e.status === 404 ? empty('No correlated logs', 'Log lines that mention this trace id appear here.') : failure(e));
      return;
    }
    if (aborted || !logsPanel) return;
    const events = Array.isArray(res) ? res : res.events || res.logs || [];
    replace(
      logsPanel,
      h('div', { class: 'panel-head' }, h('h2', null, 'Log lines for this trace'), h('span', { class: 'muted small' }, `${events.length} line${events.length === 1 ? '' : 's'}`)),
      events.length
        ? h('div', { class: 'log-list' }, events.map((ev) => logLine(ev, ctx, { showGroup: true, currentTrace: id })))
        : empty('No log lines mention this trace', 'Lines whose message contains the trace id (e.g. "traceId" in a JSON log, or X-Amzn-Trace-Id) are linked here.')
    );
  }

  // Enter: move focus into the details of the selected row (Esc comes back to the rows).
  function openDetail() {
    if (!detail) return;
    detail.classList.add('open');
    detail.setAttribute('tabindex', '-1');
    detail.focus();
  }

  load();
  return {
    // Page keys from main.js (not typed into a field): j/k move the selection, Enter opens its
    // details, Esc returns from the details to the rows.
    onKey(ev) {
      if (!tree || !wfBody) return false;
      if (ev.key === 'Escape') {
        if (detail) detail.classList.remove('open');
        if (view !== 'waterfall') setView('waterfall');
        wfBody.focus();
        return true;
      }
      if (ev.key !== 'j' && ev.key !== 'k' && ev.key !== 'Enter') return false;
      if (view !== 'waterfall') setView('waterfall');
      onKey(ev);
      if (ev.key !== 'Enter') wfBody.focus({ preventScroll: true });
      return true;
    },
    unmount() {
      aborted = true;
      if (raf) cancelAnimationFrame(raf);
    },
    onLive(what) {
      if (params.imported) return;
      // A trace still being written (partial) gets its late segments; a finished one is left alone.
      if (what.traces && data && data.partial) load();
      else if (what.logs && logsPanel) loadLogs();
    },
  };
}
