// compare.js - #/compare?a=<trace id>&b=<trace id>: two traces merged into one tree.
import { h } from './dom.js';

export function mount(root) {
  root.append(h('section', { class: 'page' }, h('h1', null, 'Compare traces')));
  return {};
}
