// compare.js - #/compare?a=<trace id>&b=<trace id>: two traces merged into one tree, like
// Jaeger's trace comparison. Spans are matched by their place in the tree (parent, then name,
// namespace and AWS operation, then the how-manieth such sibling), so the same request made by
// two runs lines up. Each row shows both durations and the difference; spans present on one
// side only are marked "only in A" / "only in B".
import { h, replace } from './dom.js';
import { get } from './api.js';
import { fmtDuration } from './time.js';
import { loading, failure } from './components.js';
import { buildTree } from './trace.js';
import { hue } from './trace-tools.js';

const keyOf = (n) => [n.kind === 'subsegment' ? 's' : 'g', n.doc.name || '', n.doc.namespace || '', (n.doc.aws && n.doc.aws.operation) || ''].join('|');
const dur = (n) => (n && Number.isFinite(n.doc.end_time) && Number.isFinite(n.doc.start_time) ? n.doc.end_time - n.doc.start_time : null);

// Pairs the children lists of two nodes (either may be absent); returns merged nodes in A's
// order with B-only spans placed by their start offset.
export function mergeTrees(listA, listB, t0a = 0, t0b = 0, depth = 0) {
  const seen = new Map();
  const slot = (n) => {
    const k = keyOf(n);
    const i = seen.get(k) || 0;
    seen.set(k, i + 1);
    return `${k}#${i}`;
  };
  const pairs = new Map();
  for (const n of listA) pairs.set(slot(n), { a: n, b: null });
  seen.clear();
  const onlyB = [];
  for (const n of listB) {
    const k = slot(n);
    if (pairs.has(k)) pairs.get(k).b = n;
    else onlyB.push({ a: null, b: n });
  }
  const out = [...pairs.values()];
  const offset = (p) => (p.a ? p.a.doc.start_time - t0a : p.b.doc.start_time - t0b);
  for (const p of onlyB) {
    const at = out.findIndex((q) => offset(q) > offset(p));
    out.splice(at < 0 ? out.length : at, 0, p);
  }
  return out.map((p) => ({
    ...p,
    depth,
    name: (p.a || p.b).doc.name || (p.a || p.b).doc.id,
    service: (p.a || p.b).service || '',
    children: mergeTrees(p.a ? p.a.children : [], p.b ? p.b.children : [], t0a, t0b, depth + 1),
  }));
}

function flat(merged, out = []) {
  for (const m of merged) {
    out.push(m);
    flat(m.children, out);
  }
  return out;
}

function t0Of(tree) {
  return Math.min(...tree.all.map((n) => n.doc.start_time).filter(Number.isFinite));
}

export function mount(root, params, ctx) {
  let aborted = false;
  const inA = h('input', { type: 'text', value: params.a || '', 'aria-label': 'Trace A', placeholder: 'Trace A id (1-…)', spellcheck: 'false', 'data-search': '' });
  const inB = h('input', { type: 'text', value: params.b || '', 'aria-label': 'Trace B', placeholder: 'Trace B id (1-…)', spellcheck: 'false' });
  const go = () => ctx.navigate('/compare', { a: inA.value.trim(), b: inB.value.trim() });
  for (const i of [inA, inB]) i.addEventListener('keydown', (ev) => ev.key === 'Enter' && go());
  const body = h('div', { class: 'cmp-body' });
  root.append(
    h(
      'section',
      { class: 'page page-compare' },
      h('div', { class: 'toolbar' }, h('h1', null, 'Compare traces'), h('div', { class: 'cmp-pick grow' }, inA, h('span', { class: 'muted' }, 'vs'), inB, h('button', { type: 'button', class: 'btn primary', onclick: go }, 'Compare'))),
      h('p', { class: 'muted small' }, 'Pick two traces with the checkboxes on the Traces page, or paste two trace ids.'),
      body
    )
  );
  if (!params.a || !params.b) return {};
  replace(body, loading('Loading both traces…'));
  (async () => {
    let a;
    let b;
    try {
      [a, b] = await Promise.all([get(`traces/${encodeURIComponent(params.a)}`), get(`traces/${encodeURIComponent(params.b)}`)]);
    } catch (e) {
      if (!aborted) replace(body, failure(e));
      return;
    }
    if (aborted) return;
    const ta = buildTree(a.segments);
    const tb = buildTree(b.segments);
    const rows = flat(mergeTrees(ta.roots, tb.roots, t0Of(ta), t0Of(tb)));
    const onlyA = rows.filter((r) => !r.b).length;
    const onlyB = rows.filter((r) => !r.a).length;
    const delta = (r) => (r.a && r.b ? dur(r.b) - dur(r.a) : null);
    const deltaCell = (d) => (d === null ? '' : h('span', { class: d > 0 ? 'delta-up' : d < 0 ? 'delta-down' : 'muted' }, `${d > 0 ? '+' : d < 0 ? '−' : '±'}${fmtDuration(Math.abs(d))}`));
    const link = (t) => h('a', { class: 'mono small', href: ctx.href(`/traces/${t.trace_id}`, {}) }, t.trace_id);
    replace(
      body,
      h(
        'div',
        { class: 'panel cmp-summary' },
        h(
          'table',
          { class: 'grid-table cmp-table', 'aria-label': 'Trace totals' },
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, ''), h('th', { scope: 'col' }, 'Trace'), h('th', { scope: 'col', class: 'num' }, 'Duration'), h('th', { scope: 'col', class: 'num' }, 'Spans'), h('th', { scope: 'col', class: 'num' }, 'Only here'))),
          h(
            'tbody',
            null,
            h('tr', null, h('th', { scope: 'row' }, 'A'), h('td', null, link(a)), h('td', { class: 'num' }, fmtDuration(a.duration)), h('td', { class: 'num' }, String(ta.all.length)), h('td', { class: 'num', dataset: { only: 'a' } }, String(onlyA))),
            h('tr', null, h('th', { scope: 'row' }, 'B'), h('td', null, link(b)), h('td', { class: 'num' }, fmtDuration(b.duration)), h('td', { class: 'num' }, String(tb.all.length)), h('td', { class: 'num', dataset: { only: 'b' } }, String(onlyB)))
          )
        )
      ),
      h('div', { class: 'cmp-legend' }, h('span', { class: 'delta-up' }, '+ slower in B'), h('span', { class: 'delta-down' }, '− faster in B'), h('span', { class: 'cmp-only-a' }, 'only in A'), h('span', { class: 'cmp-only-b' }, 'only in B')),
      h(
        'div',
        { class: 'panel' },
        h(
          'table',
          { class: 'grid-table cmp-table', 'aria-label': 'Merged span tree' },
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Span'), h('th', { scope: 'col', class: 'num' }, 'A'), h('th', { scope: 'col', class: 'num' }, 'B'), h('th', { scope: 'col', class: 'num' }, 'Difference'))),
          h(
            'tbody',
            null,
            rows.map((r) =>
              h(
                'tr',
                { class: ['cmp-row', !r.b ? 'only-a' : '', !r.a ? 'only-b' : ''], dataset: { name: r.name, depth: r.depth } },
                h('td', { class: 'cmp-name-cell', style: { 'padding-left': `${12 + r.depth * 16}px`, '--svc': hue(r.service) } }, h('span', { class: 'cmp-name' }, r.name), !r.b ? h('span', { class: 'cmp-tag' }, 'only in A') : !r.a ? h('span', { class: 'cmp-tag' }, 'only in B') : null),
                h('td', { class: 'num' }, r.a ? fmtDuration(dur(r.a)) : '—'),
                h('td', { class: 'num' }, r.b ? fmtDuration(dur(r.b)) : '—'),
                h('td', { class: 'num cmp-delta' }, deltaCell(delta(r)))
              )
            )
          )
        )
      )
    );
  })();
  return {
    unmount() {
      aborted = true;
    },
  };
}
