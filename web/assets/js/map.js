// map.js - #/map: the service map as SVG. Nodes come from /api/v1/service-map (X-Ray Service
// objects), laid out in layers client -> services -> inferred nodes. A node is a focusable link
// named after its service; its ring shows the ok/error/fault/throttle share. Clicking a node or an
// edge opens the traces filtered by service("…") or edge("…","…").
import { h, s, replace, debounce } from './dom.js';
import { get } from './api.js';
import { layeredLayout } from './layout.js';
import { rangePicker, fmtDuration, fmtCount, DEFAULT_SINCE } from './time.js';
import { filterBox, loading, failure, empty, quote } from './components.js';

const R = 34;
const COLORS = { ok: 'var(--ok)', error: 'var(--error)', fault: 'var(--fault)', throttle: 'var(--throttle)' };

function statsOf(sum) {
  if (!sum) return null;
  const total = sum.TotalCount || 0;
  const err = sum.ErrorStatistics || {};
  const fault = (sum.FaultStatistics || {}).TotalCount || 0;
  const throttle = err.ThrottleCount || 0;
  const error = Math.max(0, (err.TotalCount || 0) - throttle);
  return {
    total,
    ok: sum.OkCount ?? Math.max(0, total - error - fault - throttle),
    error,
    fault,
    throttle,
    avg: total ? (sum.TotalResponseTime || 0) / total : NaN,
  };
}

// The short badge drawn inside a node for its type.
function typeGlyph(type, client) {
  if (client) return 'CLIENT';
  const t = type || '';
  const table = [
    [/Lambda/, 'λ'],
    [/ApiGateway/, 'API'],
    [/DynamoDB/, 'DDB'],
    [/SNS/, 'SNS'],
    [/SQS/, 'SQS'],
    [/KMS/, 'KMS'],
    [/S3/, 'S3'],
    [/EC2/, 'EC2'],
    [/ECS/, 'ECS'],
    [/EKS/, 'EKS'],
    [/ElasticBeanstalk/, 'EB'],
    [/StepFunctions|States/, 'SFN'],
    [/SQL|RDS|database/i, 'SQL'],
    [/remote/, 'HTTP'],
  ];
  for (const [re, g] of table) if (re.test(t)) return g;
  return t.startsWith('AWS::') ? 'AWS' : 'SVC';
}

function ring(cx, cy, r, st) {
  const parts = [];
  const total = st ? st.ok + st.error + st.fault + st.throttle : 0;
  parts.push(s('circle', { cx, cy, r, class: 'ring-base' }));
  if (!total) return parts;
  let offset = 0;
  for (const k of ['ok', 'error', 'throttle', 'fault']) {
    const share = (st[k] / total) * 100;
    if (share <= 0) continue;
    parts.push(
      s('circle', {
        cx,
        cy,
        r,
        pathLength: 100,
        class: `ring-seg ring-${k}`,
        stroke: COLORS[k],
        'stroke-dasharray': `${share} ${100 - share}`,
        'stroke-dashoffset': String(25 - offset),
      })
    );
    offset += share;
  }
  return parts;
}

function health(st) {
  if (!st || !st.total) return 'unknown';
  if (st.fault) return 'fault';
  if (st.throttle) return 'throttle';
  if (st.error) return 'error';
  return 'ok';
}

function pct(n, d) {
  if (!d) return '0%';
  const p = (n / d) * 100;
  return `${p < 10 && p > 0 ? p.toFixed(1) : Math.round(p)}%`;
}

// Approximate advance widths (px) of the map's fonts: node names 13px bold, types 10.5px,
// edge labels 11px. Generous, so estimated boxes contain the drawn text.
const NAME_CHAR = 7.9;
const TYPE_CHAR = 6.3;
const LABEL_CHAR = 6.4;

const box = (cx, cy, w, h) => ({ x: cx - w / 2, y: cy - h / 2, w, h });
const hits = (p, q) => p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h;

// Text cut with an ellipsis to fit maxPx (the full text stays in the node's title).
function fitText(text, charPx, maxPx) {
  const max = Math.max(4, Math.floor(maxPx / charPx));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

// A point of the cubic Bezier [p0, c1, c2, p3] at t.
function bezier([p0, c1, c2, p3], t) {
  const u = 1 - t;
  const f = (i) => u * u * u * p0[i] + 3 * u * u * t * c1[i] + 3 * u * t * t * c2[i] + t * t * t * p3[i];
  return { x: f(0), y: f(1) };
}

// Where an edge's label goes: the first spot along its curve (middle first), then beside it,
// whose box meets no node, node text or earlier label; else the spot that meets the fewest.
// The chosen box joins the obstacles.
function placeLabel(curve, w, obstacles) {
  const spots = [];
  for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78]) spots.push(bezier(curve, t));
  for (const dy of [-26, 26, -52, 52, -78, 78]) for (const t of [0.5, 0.35, 0.65]) {
    const p = bezier(curve, t);
    spots.push({ x: p.x, y: p.y + dy });
  }
  let best = null;
  for (const p of spots) {
    const b = box(p.x, p.y, w + 4, 24);
    const n = obstacles.filter((o) => hits(o, b)).length;
    if (!best || n < best.n) best = { p, b, n };
    if (n === 0) break;
  }
  obstacles.push(best.b);
  return best.p;
}

// Gaps that fill the canvas: columns as wide as the panel allows, rows spread over its height.
function gaps(nodes, edges, minColGap) {
  const canvas = document.querySelector('.map-canvas');
  const cw = (canvas && canvas.clientWidth) || 1000;
  const ch = (canvas && canvas.clientHeight) || 600;
  const probe = layeredLayout(nodes, edges);
  const cols = Math.round(probe.width / 250) + 1;
  const rows = Math.round(probe.height / 150) + 1;
  const colGap = Math.max(230, minColGap, Math.min(340, (cw - 160) / Math.max(1, cols - 1)));
  const aspect = cw / Math.max(1, ch);
  const wantH = ((cols - 1) * colGap + 200) / aspect - 200;
  const rowGap = Math.max(150, Math.min(260, wantH / Math.max(1, rows - 1)));
  return { colGap, rowGap };
}

function edgeLabel(st) {
  return st ? `${fmtCount(st.total)} ${st.total === 1 ? 'call' : 'calls'} · ${fmtDuration(st.avg)} avg` : '';
}

// An AWS type that may wrap only between its "::" parts (never inside a word).
function typeLabel(type) {
  const parts = String(type || '').split('::');
  return h('div', { class: 'muted small svc-type' }, parts.map((p, i) => h('span', null, i < parts.length - 1 ? `${p}::` : p)));
}

export function mount(root, params, ctx) {
  const since = params.since || DEFAULT_SINCE;
  const until = params.until || '';
  const filter = params.filter || '';
  const go = (p) => ctx.navigate('/map', { since, until, filter, ...p });
  let aborted = false;
  let view = null; // {x, y, w, h} viewBox

  const fb = filterBox({
    value: filter,
    placeholder: 'Restrict the map to traces matching a filter, e.g. responsetime > 0.2',
    onSubmit: (v) => go({ filter: v }),
  });
  const canvas = h('div', { class: 'map-canvas' }, loading('Loading service map…'));
  const side = h('aside', { class: 'map-side panel' });
  root.append(
    h(
      'section',
      { class: 'page page-map' },
      h(
        'div',
        { class: 'toolbar' },
        h('h1', null, 'Service map'),
        h('div', { class: 'grow' }, fb.el),
        rangePicker(since, until, (r) => go(r))
      ),
      h('div', { class: 'map-layout' }, h('div', { class: 'panel map-panel' }, canvas), side)
    )
  );

  async function load() {
    let data;
    try {
      data = await get('service-map', { since, until, filter });
    } catch (e) {
      if (e.code === 'InvalidFilterExpression') {
        fb.showError(e);
        replace(canvas, empty('Fix the filter expression to draw the map'));
      } else {
        replace(canvas, failure(e));
      }
      return;
    }
    if (aborted) return;
    fb.clearError();
    render(data.services || []);
  }

  function render(services) {
    if (!services.length) {
      replace(canvas, empty('No services in this time range', 'Send segments to UDP :2000 or POST /TraceSegments, or widen the time range.'));
      replace(side, legend(), h('p', { class: 'muted small' }, 'No services yet.'));
      return;
    }
    const byRef = new Map(services.map((sv) => [sv.ReferenceId, sv]));
    const nodes = services.map((sv) => ({ id: sv.ReferenceId }));
    const edges = [];
    for (const sv of services) {
      for (const e of sv.Edges || []) {
        if (byRef.has(e.ReferenceId)) edges.push({ from: sv.ReferenceId, to: e.ReferenceId, edge: e, src: sv, dst: byRef.get(e.ReferenceId) });
      }
    }
    // Columns leave room for the widest edge label between two nodes' halos.
    const widest = Math.max(0, ...edges.map((e) => edgeLabel(statsOf(e.edge.SummaryStatistics)).length * LABEL_CHAR + 14));
    const lay = layeredLayout(nodes, edges, gaps(nodes, edges, widest + 2 * (R + 12) + 24));
    // Client nodes have no statistics of their own; their outgoing edges stand in.
    const nodeStats = new Map();
    for (const sv of services) {
      let st = statsOf(sv.SummaryStatistics);
      if (!st && sv.Type === 'client') {
        const outs = (sv.Edges || []).map((e) => statsOf(e.SummaryStatistics)).filter(Boolean);
        st = outs.reduce(
          (a, b) => ({ total: a.total + b.total, ok: a.ok + b.ok, error: a.error + b.error, fault: a.fault + b.fault, throttle: a.throttle + b.throttle, sumT: a.sumT + b.avg * b.total }),
          { total: 0, ok: 0, error: 0, fault: 0, throttle: 0, sumT: 0 }
        );
        st.avg = st.total ? st.sumT / st.total : NaN;
      }
      nodeStats.set(sv.ReferenceId, st);
    }

    const svg = s('svg', { class: 'map-svg', role: 'group', 'aria-label': 'Service map' });
    const defs = s(
      'defs',
      null,
      s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' })),
      s('marker', { id: 'arrow-hot', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow hot' }))
    );
    const world = s('g', { class: 'world' });
    svg.append(defs, world);
    const edgeLayer = s('g', { class: 'edges' });
    const labelLayer = s('g', { class: 'edge-labels' });
    const nodeLayer = s('g', { class: 'nodes' });
    world.append(edgeLayer, nodeLayer, labelLayer);

    // Every text of a node is an obstacle edge labels must avoid (world units: the SVG scales
    // uniformly, so a layout without overlaps has none at any zoom).
    const obstacles = [];
    const nodeText = new Map();
    for (const sv of services) {
      const p = lay.pos.get(sv.ReferenceId);
      const client = sv.Type === 'client';
      const r = client ? R - 8 : R;
      const name = fitText(client ? 'Client' : sv.Name, NAME_CHAR, lay.colGap - 16);
      const type = client ? '' : fitText(sv.Type || '', TYPE_CHAR, lay.colGap - 16);
      nodeText.set(sv.ReferenceId, { name, type });
      obstacles.push(box(p.x, p.y, 2 * (r + 12), 2 * (r + 12)));
      obstacles.push(box(p.x, p.y + r + 15, name.length * NAME_CHAR + 6, 18));
      if (type) obstacles.push(box(p.x, p.y + r + 31, type.length * TYPE_CHAR + 6, 15));
    }
    const pendingLabels = [];

    for (const e of edges) {
      const a = lay.pos.get(e.from);
      const b = lay.pos.get(e.to);
      const st = statsOf(e.edge.SummaryStatistics);
      const hot = st && (st.fault || st.error || st.throttle);
      const x1 = a.x + R + 4;
      const x2 = b.x - R - 6;
      const back = x2 <= x1;
      const d = back
        ? `M${a.x},${a.y + R + 4} C${a.x},${a.y + R + 90} ${b.x},${b.y + R + 90} ${b.x},${b.y + R + 8}`
        : `M${x1},${a.y} C${(x1 + x2) / 2},${a.y} ${(x1 + x2) / 2},${b.y} ${x2},${b.y}`;
      const srcName = e.src.Type === 'client' ? null : e.src.Name;
      const filterExpr = srcName ? `edge(${quote(srcName)}, ${quote(e.dst.Name)})` : `service(${quote(e.dst.Name)})`;
      const open = () => ctx.navigate('/traces', { filter: filterExpr, since, until });
      const label = edgeLabel(st);
      const name = `${e.src.Type === 'client' ? 'Client' : e.src.Name} to ${e.dst.Name}${label ? `: ${label}` : ''}`;
      const g = s(
        'g',
        { class: ['edge', hot ? 'hot' : ''], tabindex: 0, role: 'link', 'aria-label': name, onclick: open, onkeydown: (ev) => (ev.key === 'Enter' || ev.key === ' ') && (ev.preventDefault(), open()) },
        s('title', null, `${name}\nClick for traces matching ${filterExpr}`),
        s('path', { d, class: 'edge-hit' }),
        s('path', { d, class: 'edge-line', 'marker-end': hot ? 'url(#arrow-hot)' : 'url(#arrow)' })
      );
      edgeLayer.append(g);
      if (label) {
        const w = label.length * LABEL_CHAR + 14;
        const curve = back
          ? [[a.x, a.y + R + 4], [a.x, a.y + R + 90], [b.x, b.y + R + 90], [b.x, b.y + R + 8]]
          : [[x1, a.y], [(x1 + x2) / 2, a.y], [(x1 + x2) / 2, b.y], [x2, b.y]];
        pendingLabels.push({ curve, w, hot, open, label });
      }
    }
    for (const { curve, w, hot, open, label } of pendingLabels) {
      const { x: mx, y: my } = placeLabel(curve, w, obstacles);
      labelLayer.append(
        s(
          'g',
          { class: ['edge-label', hot ? 'hot' : ''], transform: `translate(${mx},${my})`, 'aria-hidden': 'true', onclick: open },
          s('rect', { x: -w / 2, y: -10, width: w, height: 20, rx: 10 }),
          s('text', { 'text-anchor': 'middle', y: 4 }, label)
        )
      );
    }

    for (const sv of services) {
      const p = lay.pos.get(sv.ReferenceId);
      const st = nodeStats.get(sv.ReferenceId);
      const client = sv.Type === 'client';
      const inferred = !client && sv.State === 'unknown' && /^(AWS::|remote)/.test(sv.Type || '');
      const hs = health(st);
      const accessible = client ? 'Client' : sv.Name;
      const filterExpr = client ? '' : `service(${quote(sv.Name)})`;
      const open = () => ctx.navigate('/traces', { filter: filterExpr, since, until });
      const r = client ? R - 8 : R;
      const desc = [
        sv.Type,
        st ? `${st.total} requests` : null,
        st && Number.isFinite(st.avg) ? `average ${fmtDuration(st.avg)}` : null,
        st && st.total ? `${pct(st.error, st.total)} errors, ${pct(st.fault, st.total)} faults, ${pct(st.throttle, st.total)} throttled` : null,
      ]
        .filter(Boolean)
        .join('; ');
      const g = s(
        'g',
        {
          class: ['node', `health-${hs}`, client ? 'client' : '', inferred ? 'inferred' : ''],
          transform: `translate(${p.x},${p.y})`,
          tabindex: 0,
          role: 'link',
          'aria-label': accessible,
          'aria-description': desc,
          'data-name': sv.Name,
          'data-type': sv.Type,
          onclick: open,
          onkeydown: (ev) => (ev.key === 'Enter' || ev.key === ' ') && (ev.preventDefault(), open()),
          onmouseenter: () => showDetail(sv, st),
          onfocus: () => showDetail(sv, st),
        },
        s('title', null, `${accessible} (${sv.Type})\n${desc}`),
        s('circle', { r: r + 12, class: 'halo' }),
        s('circle', { r: r - 6, class: 'core' }),
        ring(0, 0, r, st),
        client
          ? [s('text', { class: 'glyph client-glyph', 'text-anchor': 'middle', y: 4 }, 'CLIENT')]
          : [
              s('text', { class: 'glyph', 'text-anchor': 'middle', y: -7 }, typeGlyph(sv.Type, client)),
              s('text', { class: 'inner', 'text-anchor': 'middle', y: 8 }, st && Number.isFinite(st.avg) ? fmtDuration(st.avg) : '—'),
              s('text', { class: 'inner muted', 'text-anchor': 'middle', y: 20 }, st ? `${fmtCount(st.total)} req` : ''),
            ],
        s('text', { class: 'node-name', 'text-anchor': 'middle', y: r + 20 }, nodeText.get(sv.ReferenceId).name),
        s('text', { class: 'node-type', 'text-anchor': 'middle', y: r + 35 }, nodeText.get(sv.ReferenceId).type)
      );
      nodeLayer.append(g);
    }

    // Fit to the panel, with room for labels; wheel zooms around the cursor, drag pans.
    const padX = Math.max(70, lay.colGap / 2);
    const padY = 60;
    const minX = -R - padX;
    const minY = -lay.height / 2 - R - padY;
    view = { x: minX, y: minY, w: lay.width + 2 * (R + padX), h: lay.height + 2 * (R + padY) + 50 };
    const home = { ...view };
    const apply = () => svg.setAttribute('viewBox', `${view.x} ${view.y} ${view.w} ${view.h}`);
    apply();
    svg.addEventListener(
      'wheel',
      (ev) => {
        ev.preventDefault();
        const rect = svg.getBoundingClientRect();
        const k = Math.exp(ev.deltaY * 0.0015);
        const fx = (ev.clientX - rect.left) / rect.width;
        const fy = (ev.clientY - rect.top) / rect.height;
        const nw = Math.min(Math.max(view.w * k, 200), home.w * 6);
        const nh = (nw / view.w) * view.h;
        view = { x: view.x + (view.w - nw) * fx, y: view.y + (view.h - nh) * fy, w: nw, h: nh };
        apply();
      },
      { passive: false }
    );
    let drag = null;
    svg.addEventListener('pointerdown', (ev) => {
      if (ev.target.closest('.node, .edge')) return;
      drag = { x: ev.clientX, y: ev.clientY, v: { ...view } };
      svg.setPointerCapture(ev.pointerId);
      svg.classList.add('dragging');
    });
    svg.addEventListener('pointermove', (ev) => {
      if (!drag) return;
      const rect = svg.getBoundingClientRect();
      const sc = Math.max(drag.v.w / rect.width, drag.v.h / rect.height);
      view = { ...drag.v, x: drag.v.x - (ev.clientX - drag.x) * sc, y: drag.v.y - (ev.clientY - drag.y) * sc };
      apply();
    });
    const end = () => {
      drag = null;
      svg.classList.remove('dragging');
    };
    svg.addEventListener('pointerup', end);
    svg.addEventListener('pointercancel', end);
    const zoom = (k) => {
      const nw = view.w * k;
      const nh = view.h * k;
      view = { x: view.x + (view.w - nw) / 2, y: view.y + (view.h - nh) / 2, w: nw, h: nh };
      apply();
    };
    const controls = h(
      'div',
      { class: 'map-controls' },
      h('button', { type: 'button', class: 'btn icon', 'aria-label': 'Zoom in', onclick: () => zoom(0.8) }, '+'),
      h('button', { type: 'button', class: 'btn icon', 'aria-label': 'Zoom out', onclick: () => zoom(1.25) }, '−'),
      h('button', { type: 'button', class: 'btn icon', 'aria-label': 'Fit to view', onclick: () => ((view = { ...home }), apply()) }, '⤢')
    );
    replace(canvas, svg, controls);
    replace(side, legend(), servicesTable(services, nodeStats));
  }

  function legend() {
    return h(
      'div',
      { class: 'legend' },
      h('h2', null, 'Health'),
      h(
        'ul',
        null,
        [
          ['ok', 'OK'],
          ['error', 'Error (4xx)'],
          ['throttle', 'Throttled (429)'],
          ['fault', 'Fault (5xx)'],
        ].map(([k, l]) => h('li', null, h('i', { class: `dot st-${k}` }), l))
      )
    );
  }

  function servicesTable(services, nodeStats) {
    const rows = services
      .filter((sv) => sv.Type !== 'client')
      .map((sv) => ({ sv, st: nodeStats.get(sv.ReferenceId) }));
    return h(
      'div',
      { class: 'svc-list' },
      h('h2', null, 'Services'),
      h(
        'table',
        { class: 'mini' },
        h('thead', null, h('tr', null, h('th', null, 'Service'), h('th', { class: 'num' }, 'Req'), h('th', { class: 'num' }, 'Avg'), h('th', { class: 'num' }, 'Err/Flt'))),
        h(
          'tbody',
          null,
          rows.map(({ sv, st }) =>
            h(
              'tr',
              { class: `health-${health(st)}` },
              h(
                'td',
                null,
                h('a', { href: ctx.href('/traces', { filter: `service(${quote(sv.Name)})`, since, until }) }, h('i', { class: `dot st-${health(st) === 'unknown' ? 'ok' : health(st)}` }), sv.Name),
                typeLabel(sv.Type)
              ),
              h('td', { class: 'num' }, st ? fmtCount(st.total) : '—'),
              h('td', { class: 'num' }, st ? fmtDuration(st.avg) : '—'),
              h('td', { class: 'num' }, st && st.total ? pct(st.error + st.fault + st.throttle, st.total) : '—')
            )
          )
        )
      ),
      h('div', { class: 'detail-slot' })
    );
  }

  function showDetail(sv, st) {
    const slot = side.querySelector('.detail-slot');
    if (!slot) return;
    replace(
      slot,
      h(
        'div',
        { class: 'node-detail' },
        h('h2', null, sv.Type === 'client' ? 'Client' : sv.Name),
        h('div', { class: 'muted small' }, sv.Type),
        st
          ? h(
              'dl',
              { class: 'kv compact' },
              h('dt', null, 'Requests'),
              h('dd', null, String(st.total)),
              h('dt', null, 'Average'),
              h('dd', null, fmtDuration(st.avg)),
              h('dt', null, 'Errors'),
              h('dd', null, `${st.error} (${pct(st.error, st.total)})`),
              h('dt', null, 'Faults'),
              h('dd', null, `${st.fault} (${pct(st.fault, st.total)})`),
              h('dt', null, 'Throttles'),
              h('dd', null, `${st.throttle} (${pct(st.throttle, st.total)})`)
            )
          : null,
        histogram(sv.ResponseTimeHistogram || [])
      )
    );
  }

  function histogram(hist) {
    if (!hist.length) return null;
    const buckets = 12;
    const max = Math.max(...hist.map((b) => b.Value));
    const min = Math.min(...hist.map((b) => b.Value));
    const span = max - min || 1;
    const counts = new Array(buckets).fill(0);
    for (const b of hist) counts[Math.min(buckets - 1, Math.floor(((b.Value - min) / span) * buckets))] += b.Count;
    const top = Math.max(...counts);
    const W = 260;
    const H = 60;
    const bw = W / buckets;
    return h(
      'figure',
      { class: 'hist' },
      h('figcaption', { class: 'muted small' }, 'Response time distribution'),
      s(
        'svg',
        { viewBox: `0 0 ${W} ${H + 14}`, width: '100%', role: 'img', 'aria-label': 'Response time histogram' },
        counts.map((c, i) => s('rect', { x: i * bw + 1, width: bw - 2, y: H - (c / top) * H, height: (c / top) * H, rx: 2, class: 'hist-bar' })),
        s('text', { x: 0, y: H + 12, class: 'axis-label' }, fmtDuration(min)),
        s('text', { x: W, y: H + 12, class: 'axis-label', 'text-anchor': 'end' }, fmtDuration(max))
      )
    );
  }

  load();
  const refresh = debounce(load, 400);
  return {
    unmount() {
      aborted = true;
    },
    onLive(what) {
      if (what.traces) refresh();
    },
  };
}
