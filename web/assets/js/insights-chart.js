// insights-chart.js - the chart for a Logs Insights query that ends in `stats … by bin(…)`:
// time on x (the bin() column), one series per numeric column (or per value of a second
// grouping column), as bars or lines. SVG built with dom.js; sizes come from attributes only.
import { h, s } from './dom.js';

const W = 900;
const H = 240;
const PAD = { l: 52, r: 16, t: 14, b: 30 };
const COLOURS = ['#5eead4', '#818cf8', '#f5a524', '#f87171', '#c084fc', '#34d399', '#7dd3fc'];

export function isBinQuery(q) {
  const stages = q.replace(/#[^\n]*/g, '').split('|');
  return stages.some((st) => /^\s*stats\b[\s\S]*\bby\b[\s\S]*\bbin\s*\(/i.test(st));
}

function parseTime(v) {
  const t = Date.parse(/^\d{4}-\d\d-\d\d \d/.test(v) ? `${v.replace(' ', 'T')}${/Z|[+-]\d\d:?\d\d$/.test(v) ? '' : 'Z'}` : v);
  return Number.isFinite(t) ? t : NaN;
}

// Series from the result rows: [{name, points: [[ms, value]…]}], or null when no chart fits.
export function seriesOf(cols, rows) {
  const binCol = cols.find((c) => /^bin\s*\(/i.test(c)) || cols.find((c) => rows.length && rows.every((r) => Number.isFinite(parseTime(r[c] || ''))));
  if (!binCol) return null;
  const numeric = cols.filter((c) => c !== binCol && rows.every((r) => r[c] === undefined || r[c] === '' || Number.isFinite(Number(r[c]))));
  const other = cols.filter((c) => c !== binCol && !numeric.includes(c));
  if (!numeric.length) return null;
  const series = new Map();
  for (const r of rows) {
    const t = parseTime(r[binCol]);
    if (!Number.isFinite(t)) continue;
    for (const c of other.length ? numeric.slice(0, 1) : numeric) {
      const name = other.length ? other.map((o) => r[o]).join(' · ') : c;
      if (!series.has(name)) series.set(name, []);
      series.get(name).push([t, Number(r[c] || 0)]);
    }
  }
  const out = [...series.entries()].map(([name, points]) => ({ name, points: points.sort((a, b) => a[0] - b[0]) }));
  return out.length ? { binCol, series: out } : null;
}

function fmtTick(ms, spanMs) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  const clock = `${p(d.getHours())}:${p(d.getMinutes())}`;
  return spanMs > 86400e3 ? `${d.getMonth() + 1}/${d.getDate()} ${clock}` : spanMs < 300e3 ? `${clock}:${p(d.getSeconds())}` : clock;
}

function draw(data, kind) {
  const all = data.series.flatMap((x) => x.points);
  const times = [...new Set(all.map((p) => p[0]))].sort((a, b) => a - b);
  const tMin = times[0];
  const tMax = times[times.length - 1];
  const step = times.length > 1 ? Math.min(...times.slice(1).map((t, i) => t - times[i])) : 60e3;
  const lo = tMin - step / 2;
  const hi = tMax + step / 2;
  const yMax = Math.max(1, ...all.map((p) => p[1]));
  const x = (t) => PAD.l + ((t - lo) / (hi - lo)) * (W - PAD.l - PAD.r);
  const y = (v) => H - PAD.b - (v / yMax) * (H - PAD.t - PAD.b);
  const parts = [];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(s('line', { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), class: 'ch-grid' }), s('text', { x: PAD.l - 6, y: y(v) + 4, class: 'ch-ylab', 'text-anchor': 'end' }, Number.isInteger(v) ? String(v) : v.toFixed(1)));
  }
  const every = Math.max(1, Math.ceil(times.length / 8));
  times.forEach((t, i) => {
    if (i % every === 0) parts.push(s('text', { x: x(t), y: H - 10, class: 'ch-xlab', 'text-anchor': 'middle' }, fmtTick(t, hi - lo)));
  });
  const n = data.series.length;
  const slot = ((x(lo + step) - x(lo)) * 0.8) / n;
  data.series.forEach((ser, k) => {
    const colour = COLOURS[k % COLOURS.length];
    if (kind === 'bar') {
      for (const [t, v] of ser.points) {
        parts.push(s('rect', { class: 'ch-bar', x: x(t) - (slot * n) / 2 + slot * k, y: y(v), width: Math.max(1, slot - 1), height: Math.max(0, y(0) - y(v)), fill: colour }, s('title', null, `${ser.name}: ${v} at ${new Date(t).toISOString()}`)));
      }
    } else {
      parts.push(s('polyline', { class: 'ch-line', fill: 'none', stroke: colour, 'stroke-width': 2, points: ser.points.map(([t, v]) => `${x(t)},${y(v)}`).join(' ') }));
      for (const [t, v] of ser.points) parts.push(s('circle', { class: 'ch-dot', cx: x(t), cy: y(v), r: 3, fill: colour }, s('title', null, `${ser.name}: ${v}`)));
    }
  });
  return s('svg', { class: 'ins-svg', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${kind === 'bar' ? 'Bar' : 'Line'} chart of ${data.series.map((x2) => x2.name).join(', ')} by ${data.binCol}` }, parts);
}

// The chart panel for a finished query, or null when the query does not group by bin().
export function chartFor(query, cols, rows) {
  if (!isBinQuery(query) || !rows.length) return null;
  const data = seriesOf(cols, rows);
  if (!data) return null;
  let kind = data.series.length > 1 ? 'line' : 'bar';
  const holder = h('div', { class: 'ins-chart-body' }, draw(data, kind));
  const btn = (k, label) => {
    const b = h('button', { type: 'button', class: ['seg-btn', k === kind ? 'active' : ''], 'aria-pressed': String(k === kind), dataset: { kind: k } }, label);
    b.addEventListener('click', () => {
      kind = k;
      holder.replaceChildren(draw(data, kind));
      for (const o of b.parentNode.children) (o.classList.toggle('active', o.dataset.kind === k), o.setAttribute('aria-pressed', String(o.dataset.kind === k)));
    });
    return b;
  };
  const legend = h('div', { class: 'ch-legend' }, data.series.map((ser, k) => h('span', { class: 'ch-key' }, h('i', { style: { background: COLOURS[k % COLOURS.length] } }), ser.name)));
  return h('div', { class: 'panel ins-chart-panel' }, h('div', { class: 'panel-head' }, h('h2', null, 'Chart'), legend, h('div', { class: 'seg-group', role: 'group', 'aria-label': 'Chart type' }, btn('bar', 'Bar chart'), btn('line', 'Line chart'))), holder);
}
