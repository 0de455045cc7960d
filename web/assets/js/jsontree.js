// jsontree.js - a collapsible JSON tree built from <details>, every key and value as text.
import { h } from './dom.js';

function scalar(v) {
  if (v === null) return h('span', { class: 'j-null' }, 'null');
  switch (typeof v) {
    case 'string':
      return h('span', { class: 'j-str' }, JSON.stringify(v));
    case 'number':
      return h('span', { class: 'j-num' }, String(v));
    case 'boolean':
      return h('span', { class: 'j-bool' }, String(v));
    default:
      return h('span', null, String(v));
  }
}

function node(key, v, depth, openDepth) {
  const keyEl = key === null ? null : h('span', { class: 'j-key' }, Array.isArray(key) ? `${key[0]}` : `${key}`, ': ');
  if (v === null || typeof v !== 'object') {
    return h('div', { class: 'j-row' }, keyEl, scalar(v));
  }
  const arr = Array.isArray(v);
  const entries = arr ? v.map((x, i) => [[i], x]) : Object.entries(v);
  const brief = arr ? `[${v.length}]` : `{${entries.length}}`;
  if (!entries.length) return h('div', { class: 'j-row' }, keyEl, h('span', { class: 'j-brief' }, arr ? '[]' : '{}'));
  const d = h(
    'details',
    { class: 'j-node', open: depth < openDepth },
    h('summary', null, keyEl, h('span', { class: 'j-brief' }, brief)),
    h('div', { class: 'j-children' }, entries.map(([k, x]) => node(k, x, depth + 1, openDepth)))
  );
  return d;
}

export function jsonTree(value, { openDepth = 2 } = {}) {
  return h('div', { class: 'json-tree mono' }, node(null, value, 0, openDepth));
}
