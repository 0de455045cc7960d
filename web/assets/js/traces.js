// traces.js - #/traces: filter expression box, time range, duration-over-time scatter plot and a
// sortable, paginated table of trace summaries from /api/v1/traces. Two rows ticked under
// "Compare" open #/compare; j/k move through the rows and Enter opens one.
import { h, replace, debounce } from './dom.js';
import { get } from './api.js';
import { scatter } from './scatter.js';
import { rangePicker, fmtDateTime, fmtDuration, fmtAgo, isRelative, DEFAULT_SINCE } from './time.js';
import { filterBox, statusOf, statusPill, httpStatusPill, loading, failure, empty } from './components.js';

const PAGE_SIZE = 50;
const FETCH = 500;

function annotationsOf(t) {
  const out = [];
  const ann = (t.summary && t.summary.Annotations) || {};
  for (const [k, vals] of Object.entries(ann)) {
    for (const v of vals || []) {
      const av = v.AnnotationValue || {};
      const val = av.StringValue ?? av.NumberValue ?? av.BooleanValue;
      if (val !== undefined) out.push([k, String(val)]);
    }
  }
  return out;
}

function urlPath(u) {
  if (!u) return '';
  try {
    const x = new URL(u);
    return x.pathname + x.search;
  } catch {
    return u;
  }
}

const COLUMNS = [
  { key: 'time', label: 'Start time', get: (t) => t.start_time },
  { key: 'id', label: 'Trace ID', get: (t) => t.trace_id },
  { key: 'root', label: 'Root service', get: (t) => (t.root && t.root.name) || '' },
  { key: 'request', label: 'Request', get: (t) => `${(t.root && t.root.http && t.root.http.method) || ''} ${urlPath(t.root && t.root.http && t.root.http.url)}` },
  { key: 'status', label: 'Status', get: (t) => (t.root && t.root.http && t.root.http.status) || 0, num: true },
  { key: 'duration', label: 'Duration', get: (t) => t.duration ?? 0, num: true },
  { key: 'flags', label: 'Health', get: (t) => ({ fault: 3, throttle: 2, error: 1, ok: 0 })[statusOf(t.root)] },
  { key: 'annotations', label: 'Annotations', get: (t) => annotationsOf(t).map((a) => a.join('=')).join(' '), nosort: false },
];

export function mount(root, params, ctx) {
  const since = params.since || DEFAULT_SINCE;
  const until = params.until || '';
  const filter = params.filter || '';
  let sort = params.sort || '-time';
  let page = Math.max(0, Number(params.page || 1) - 1);
  let traces = [];
  let nextToken = null;
  let known = new Set();
  let aborted = false;
  let loadingMore = false;
  const picked = [];
  let cursor = -1;
  const cmpBar = h('div', { class: 'cmp-bar', hidden: true });

  const go = (p) => ctx.navigate('/traces', { filter, since, until, ...p });
  const fb = filterBox({
    value: filter,
    placeholder: 'Filter expression, e.g. service("orders-function") AND responsetime > 0.2',
    onSubmit: (v) => go({ filter: v }),
    examples: ['fault', 'responsetime > 0.25', 'http.status = 500', 'annotation.customer_tier = "gold"'],
  });
  const summary = h('div', { class: 'result-summary muted' });
  const chart = h('div', { class: 'panel chart-panel' });
  const table = h('div', { class: 'panel table-panel' }, loading('Loading traces…'));
  root.append(
    h(
      'section',
      { class: 'page page-traces' },
      h('div', { class: 'toolbar' }, h('h1', null, 'Traces'), h('div', { class: 'grow' }, fb.el), rangePicker(since, until, (r) => go(r)), h('a', { class: 'btn import-btn', href: ctx.href('/import', {}), title: 'View a trace from a JSON file (fluoro export or BatchGetTraces)' }, 'Import')),
      chart,
      h('div', { class: 'table-head' }, summary),
      table,
      cmpBar
    )
  );

  function togglePick(id, on) {
    const i = picked.indexOf(id);
    if (on && i < 0) picked.push(id);
    if (!on && i >= 0) picked.splice(i, 1);
    // Keep the two most recent picks.
    while (picked.length > 2) picked.shift();
    for (const cb of table.querySelectorAll('input.cmp-check')) cb.checked = picked.includes(cb.value);
    cmpBar.hidden = !picked.length;
    replace(
      cmpBar,
      h('span', null, picked.length === 2 ? '2 traces selected' : 'Pick one more trace to compare'),
      h('button', { type: 'button', class: 'btn primary small', disabled: picked.length !== 2, onclick: () => ctx.navigate('/compare', { a: picked[0], b: picked[1] }) }, 'Compare'),
      h('button', { type: 'button', class: 'btn ghost small', onclick: () => [...picked].forEach((p) => togglePick(p, false)) }, 'Clear')
    );
  }

  const syncHash = () => {
    const target = ctx.href('/traces', { filter, since, until, sort: sort === '-time' ? '' : sort, page: page ? page + 1 : '' });
    if (location.hash !== target) history.replaceState(null, '', target);
  };

  async function load({ more = false, live = false } = {}) {
    let data;
    try {
      data = await get('traces', { filter, since, until, limit: FETCH, next_token: more ? nextToken : '' });
    } catch (e) {
      if (aborted) return;
      if (e.code === 'InvalidFilterExpression') {
        fb.showError(e);
        replace(chart, empty('No results', 'The filter expression did not parse.'));
        replace(table);
        table.hidden = true;
        replace(summary);
      } else {
        replace(table, failure(e));
      }
      return;
    }
    if (aborted) return;
    fb.clearError();
    table.hidden = false;
    const fresh = new Set();
    if (more) {
      traces = traces.concat(data.traces || []);
    } else {
      if (live) for (const t of data.traces || []) if (!known.has(t.trace_id)) fresh.add(t.trace_id);
      traces = data.traces || [];
    }
    known = new Set(traces.map((t) => t.trace_id));
    nextToken = data.next_token || null;
    renderChart();
    renderTable(fresh);
  }

  function sorted() {
    const desc = sort.startsWith('-');
    const col = COLUMNS.find((c) => c.key === sort.replace(/^-/, '')) || COLUMNS[0];
    const arr = traces.slice();
    arr.sort((a, b) => {
      const x = col.get(a);
      const y = col.get(b);
      const r = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return desc ? -r : r;
    });
    return arr;
  }

  function renderChart() {
    if (!traces.length) {
      replace(chart);
      chart.hidden = true;
      return;
    }
    chart.hidden = false;
    // The x axis spans the data (padded), like Jaeger, rather than the whole requested window.
    let from = Math.min(...traces.map((t) => t.start_time));
    let to = Math.max(...traces.map((t) => t.start_time));
    const pad = Math.max(5, (to - from) * 0.04);
    from -= pad;
    to += pad;
    const points = traces.map((t) => ({
      t: t.start_time,
      d: t.duration ?? 0,
      status: statusOf(t.root),
      id: t.trace_id,
      label: `${t.trace_id}\n${(t.root && t.root.name) || ''} · ${fmtDuration(t.duration)} · ${fmtDateTime(t.start_time)}`,
    }));
    const width = chart.clientWidth - 32;
    replace(
      chart,
      h('div', { class: 'chart-head' }, h('h2', null, 'Duration over time'), h('span', { class: 'muted small' }, 'Drag across the plot to zoom into a time window · click a point to open its trace')),
      scatter(points, {
        from,
        to,
        width,
        onOpen: (id) => ctx.navigate(`/traces/${id}`, {}),
        onSelect: (a, b) => go({ since: a.toFixed(3), until: b.toFixed(3) }),
      })
    );
  }

  function renderTable(fresh = new Set()) {
    syncHash();
    if (!traces.length) {
      replace(summary);
      replace(table, empty('No traces match', filter ? 'Try a wider time range or a different filter.' : 'Nothing has been received in this time range yet.'));
      return;
    }
    const rows = sorted();
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    const slice = rows.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    const faults = traces.filter((t) => t.root && t.root.fault).length;
    const errors = traces.filter((t) => t.root && t.root.error).length;
    const durs = traces.map((t) => t.duration || 0).sort((a, b) => a - b);
    const p = (q) => durs[Math.min(durs.length - 1, Math.floor(q * durs.length))];
    replace(
      summary,
      h('strong', null, `${traces.length}${nextToken ? '+' : ''} traces`),
      faults ? h('span', { class: 'sum-fault' }, ` · ${faults} faulted`) : null,
      errors ? h('span', { class: 'sum-error' }, ` · ${errors} with errors`) : null,
      ` · p50 ${fmtDuration(p(0.5))} · p90 ${fmtDuration(p(0.9))} · max ${fmtDuration(durs[durs.length - 1])}`
    );
    const maxDur = durs[durs.length - 1] || 1;
    const head = h(
      'tr',
      null,
      h('th', { scope: 'col', class: 'col-pick' }, h('span', { class: 'pick-head' }, 'Compare')),
      COLUMNS.map((c) => {
        const active = sort.replace(/^-/, '') === c.key;
        const desc = sort.startsWith('-');
        return h(
          'th',
          { class: [c.num ? 'num' : '', `col-${c.key}`], 'aria-sort': active ? (desc ? 'descending' : 'ascending') : 'none', scope: 'col' },
          h(
            'button',
            {
              type: 'button',
              class: 'sort',
              onclick: () => {
                sort = active && !desc ? `-${c.key}` : active ? c.key : c.key === 'time' || c.num ? `-${c.key}` : c.key;
                page = 0;
                renderTable();
              },
            },
            c.label,
            h('span', { class: 'sort-ind', 'aria-hidden': 'true' }, active ? (desc ? '▼' : '▲') : '')
          )
        );
      })
    );
    const body = h(
      'tbody',
      null,
      slice.map((t) => {
        const st = statusOf(t.root);
        const http = (t.root && t.root.http) || {};
        const link = ctx.href(`/traces/${t.trace_id}`, {});
        const anns = annotationsOf(t);
        const tr = h(
          'tr',
          { class: ['trace-row', `st-row-${st}`, fresh.has(t.trace_id) ? 'fresh' : ''], dataset: { traceId: t.trace_id } },
          h('td', { class: 'col-pick' }, h('input', { type: 'checkbox', class: 'cmp-check', value: t.trace_id, checked: picked.includes(t.trace_id), 'aria-label': `Compare ${t.trace_id}`, onchange: (ev) => togglePick(t.trace_id, ev.target.checked) })),
          h('td', { class: 'col-time' }, h('div', null, fmtDateTime(t.start_time)), h('div', { class: 'muted small' }, fmtAgo(t.start_time))),
          h('td', { class: 'col-id' }, h('a', { href: link, class: 'mono' }, t.trace_id), t.partial ? h('span', { class: 'pill st-partial', title: 'Some segments are still in progress or missing' }, 'partial') : null),
          h('td', { class: 'col-root' }, (t.root && t.root.name) || '—'),
          h('td', { class: 'col-request' }, http.method ? h('span', { class: `method m-${String(http.method).toLowerCase()}` }, http.method) : null, h('span', { class: 'url', title: http.url || '' }, urlPath(http.url) || '—')),
          h('td', { class: 'num col-status' }, httpStatusPill(http.status)),
          h('td', { class: 'num col-duration' }, h('div', { class: 'dur' }, h('span', { class: `dur-bar st-bg-${st}`, style: { width: `${Math.max(2, ((t.duration || 0) / maxDur) * 100)}%` } }), h('span', { class: 'dur-text' }, fmtDuration(t.duration)))),
          h('td', { class: 'col-flags' }, st === 'ok' ? h('span', { class: 'muted' }, 'OK') : statusPill(st)),
          h('td', { class: 'col-annotations' }, anns.slice(0, 3).map(([k, v]) => h('span', { class: 'chip ann', title: `${k} = ${v}` }, h('span', { class: 'ann-k' }, k), h('span', { class: 'ann-v' }, v))), anns.length > 3 ? h('span', { class: 'muted small' }, ` +${anns.length - 3}`) : null)
        );
        tr.addEventListener('click', (ev) => {
          if (ev.target.closest('a, button, input')) return;
          location.hash = link;
        });
        return tr;
      })
    );
    const pager = h(
      'div',
      { class: 'pager' },
      h('span', { class: 'muted' }, `Showing ${page * PAGE_SIZE + 1}–${page * PAGE_SIZE + slice.length} of ${rows.length}`),
      h('div', { class: 'grow' }),
      h('button', { type: 'button', class: 'btn', disabled: page === 0, onclick: () => ((page -= 1), renderTable()) }, '‹ Previous'),
      h('span', { class: 'page-no' }, `Page ${page + 1} of ${pages}`),
      h('button', { type: 'button', class: 'btn', disabled: page >= pages - 1, onclick: () => ((page += 1), renderTable()) }, 'Next ›'),
      nextToken
        ? h(
            'button',
            {
              type: 'button',
              class: 'btn',
              disabled: loadingMore,
              onclick: async () => {
                loadingMore = true;
                await load({ more: true });
                loadingMore = false;
              },
            },
            `Load ${FETCH} more`
          )
        : null
    );
    replace(table, h('div', { class: 'table-scroll' }, h('table', { class: 'grid-table traces-table' }, h('thead', null, head), body)), pager);
  }

  load();
  const onResize = debounce(() => traces.length && renderChart(), 150);
  window.addEventListener('resize', onResize);
  const refresh = debounce(() => load({ live: true }), 500);
  return {
    // j/k move a highlighted row through the table, Enter opens its trace.
    onKey(ev) {
      const trs = [...table.querySelectorAll('tr.trace-row')];
      if (!trs.length || !['j', 'k', 'Enter'].includes(ev.key)) return false;
      if (ev.key === 'Enter') {
        if (cursor >= 0 && trs[cursor]) location.hash = ctx.href(`/traces/${trs[cursor].dataset.traceId}`, {});
        return cursor >= 0;
      }
      cursor = Math.max(0, Math.min(trs.length - 1, cursor + (ev.key === 'j' ? 1 : -1)));
      for (const [i, tr] of trs.entries()) {
        tr.classList.toggle('kbd-current', i === cursor);
        if (i === cursor) tr.setAttribute('aria-current', 'true');
        else tr.removeAttribute('aria-current');
      }
      trs[cursor].scrollIntoView({ block: 'nearest' });
      return true;
    },
    unmount() {
      aborted = true;
      window.removeEventListener('resize', onResize);
    },
    onLive(what) {
      // Absolute windows are a snapshot; only "last N minutes" views follow new data.
      if (what.traces && isRelative(since) && !until) refresh();
    },
  };
}
