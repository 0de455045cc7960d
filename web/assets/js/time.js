// time.js - time ranges (relative "15m" or absolute epoch seconds, as /api/v1 accepts them),
// the range picker used by every page, and number/time formatting.
import { h } from './dom.js';

export const PRESETS = [
  ['5m', 'Last 5 minutes'],
  ['15m', 'Last 15 minutes'],
  ['1h', 'Last hour'],
  ['6h', 'Last 6 hours'],
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
  ['0', 'All time'],
];
export const DEFAULT_SINCE = '1h';

const UNIT = { s: 1, m: 60, h: 3600, d: 86400 };

// Epoch seconds for a range value ("15m", "1763800000.5", "0"), relative to now.
export function toEpoch(v, now = Date.now() / 1000) {
  if (v === undefined || v === null || v === '') return null;
  const m = /^(\d+)([smhd])$/.exec(v);
  if (m) return now - Number(m[1]) * UNIT[m[2]];
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export function isRelative(since) {
  return !since || /^(\d+)([smhd])$/.test(since) || since === '0';
}

function fmtClock(t) {
  const d = new Date(t * 1000);
  return d.toLocaleTimeString(undefined, { hour12: false });
}

function fmtDay(t) {
  const d = new Date(t * 1000);
  return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

export function fmtDateTime(t) {
  if (!Number.isFinite(t)) return '—';
  const d = new Date(t * 1000);
  const today = new Date();
  const ms = String(d.getMilliseconds()).padStart(3, '0');
  const clock = `${fmtClock(t)}.${ms}`;
  return d.toDateString() === today.toDateString() ? clock : `${fmtDay(t)} ${clock}`;
}

export function fmtIso(t) {
  return Number.isFinite(t) ? new Date(t * 1000).toISOString() : '';
}

// Durations given in seconds: "850 µs", "12.3 ms", "1.24 s", "3m 12s".
export function fmtDuration(sec) {
  if (!Number.isFinite(sec)) return '—';
  if (sec === 0) return '0';
  const ms = sec * 1000;
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms < 100 ? ms.toFixed(1) : Math.round(ms)} ms`;
  if (sec < 60) return `${sec.toFixed(2)} s`;
  const m = Math.floor(sec / 60);
  return `${m}m ${Math.round(sec - m * 60)}s`;
}

export function fmtAgo(t) {
  const d = Date.now() / 1000 - t;
  if (d < 60) return `${Math.max(0, Math.round(d))}s ago`;
  if (d < 3600) return `${Math.round(d / 60)}m ago`;
  if (d < 86400) return `${Math.round(d / 3600)}h ago`;
  return `${Math.round(d / 86400)}d ago`;
}

export function fmtCount(n) {
  if (!Number.isFinite(n)) return '0';
  if (n < 1000) return String(n);
  if (n < 1e6) return `${(n / 1000).toFixed(n < 1e4 ? 1 : 0)}k`;
  return `${(n / 1e6).toFixed(1)}M`;
}

// A <select> of presets (plus the current absolute range when there is one). onChange gets
// {since, until}.
export function rangePicker(since, until, onChange) {
  const sel = h('select', { class: 'range', 'aria-label': 'Time range' });
  let known = false;
  for (const [v, label] of PRESETS) {
    const opt = h('option', { value: v }, label);
    if ((since || DEFAULT_SINCE) === v && !until) {
      opt.selected = true;
      known = true;
    }
    sel.appendChild(opt);
  }
  if (!known) {
    const a = toEpoch(since);
    const b = toEpoch(until) ?? Date.now() / 1000;
    const opt = h('option', { value: 'custom' }, `${fmtDateTime(a)} → ${fmtDateTime(b)}`);
    opt.selected = true;
    sel.insertBefore(opt, sel.firstChild);
  }
  sel.addEventListener('change', () => {
    if (sel.value !== 'custom') onChange({ since: sel.value, until: '' });
  });
  return h('label', { class: 'range-picker' }, h('span', { class: 'icon-clock', 'aria-hidden': 'true' }), sel);
}
