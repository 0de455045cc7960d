// scatter.js - duration-over-time scatter plot for the traces page (SVG). Points are coloured by
// status; clicking one opens the trace; dragging across the plot selects a time window.
import { s, h } from './dom.js';
import { fmtDuration } from './time.js';

function niceTicks(min, max, n) {
  const span = max - min || 1;
  const step0 = span / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((st) => span / st <= n) || 10 * mag;
  const out = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-12; v += step) out.push(v);
  return out;
}

// points: [{t, d, status, id, label}], onOpen(id), onSelect(t0, t1)
export function scatter(points, { from, to, onOpen, onSelect, width }) {
  const W = Math.max(320, Math.round(width || 1000));
  const H = 180;
  const m = { l: 56, r: 14, t: 12, b: 24 };
  const iw = W - m.l - m.r;
  const ih = H - m.t - m.b;
  const t0 = from ?? Math.min(...points.map((p) => p.t));
  let t1 = to ?? Math.max(...points.map((p) => p.t));
  if (t1 <= t0) t1 = t0 + 1;
  const dmax = Math.max(0.001, ...points.map((p) => p.d)) * 1.12;
  const x = (t) => m.l + ((t - t0) / (t1 - t0)) * iw;
  const y = (d) => m.t + ih - (d / dmax) * ih;

  const svg = s('svg', { class: 'scatter', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': `Duration over time for ${points.length} traces` });
  const grid = s('g', { class: 'grid' });
  for (const v of niceTicks(0, dmax, 4)) {
    grid.append(s('line', { x1: m.l, x2: W - m.r, y1: y(v), y2: y(v) }), s('text', { x: m.l - 8, y: y(v) + 4, 'text-anchor': 'end', class: 'axis-label' }, fmtDuration(v)));
  }
  const span = t1 - t0;
  const tickStep = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 86400].find((st) => span / st <= 8) || 86400;
  for (let t = Math.ceil(t0 / tickStep) * tickStep; t <= t1; t += tickStep) {
    const d = new Date(t * 1000);
    const lbl = tickStep >= 86400 ? d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' }) : d.toLocaleTimeString(undefined, { hour12: false, hour: '2-digit', minute: '2-digit', second: tickStep < 60 ? '2-digit' : undefined });
    grid.append(s('line', { class: 'vt', x1: x(t), x2: x(t), y1: m.t, y2: m.t + ih }), s('text', { x: x(t), y: H - 6, 'text-anchor': 'middle', class: 'axis-label' }, lbl));
  }
  svg.append(grid);
  const dots = s('g', { class: 'dots' });
  for (const p of points) {
    const c = s('circle', { cx: x(p.t), cy: y(p.d), r: 4.5, class: `dot-pt st-${p.status}`, 'data-id': p.id }, s('title', null, p.label));
    c.addEventListener('click', (ev) => {
      ev.stopPropagation();
      onOpen(p.id);
    });
    dots.append(c);
  }
  svg.append(dots);

  // Brush: drag horizontally to select a window.
  const brush = s('rect', { class: 'brush', y: m.t, height: ih, width: 0, visibility: 'hidden' });
  svg.append(brush);
  let start = null;
  const toX = (ev) => {
    const r = svg.getBoundingClientRect();
    return ((ev.clientX - r.left) / r.width) * W;
  };
  svg.addEventListener('pointerdown', (ev) => {
    if (ev.target.classList.contains('dot-pt')) return;
    start = toX(ev);
    svg.setPointerCapture(ev.pointerId);
  });
  svg.addEventListener('pointermove', (ev) => {
    if (start === null) return;
    const cur = toX(ev);
    brush.setAttribute('x', Math.min(start, cur));
    brush.setAttribute('width', Math.abs(cur - start));
    brush.setAttribute('visibility', 'visible');
  });
  svg.addEventListener('pointerup', (ev) => {
    if (start === null) return;
    const cur = toX(ev);
    const a = Math.max(m.l, Math.min(start, cur));
    const b = Math.min(W - m.r, Math.max(start, cur));
    start = null;
    brush.setAttribute('visibility', 'hidden');
    if (b - a > 6 && onSelect) {
      const ta = t0 + ((a - m.l) / iw) * (t1 - t0);
      const tb = t0 + ((b - m.l) / iw) * (t1 - t0);
      onSelect(ta, tb);
    }
  });
  return h('div', { class: 'scatter-wrap' }, svg);
}
