// keys.js - keyboard shortcuts for the whole UI and the light/dark theme switch. `/` focuses the
// page's search box (the element marked data-search), `?` lists the keys, Esc closes that list;
// every other key not typed into a field goes to the current page's onKey(ev) (j/k/Enter/Esc).
// The theme follows the system setting until the person picks one; the pick is kept in
// localStorage, and <html data-theme> says which of light or dark is showing.
import { h } from './dom.js';

export const KEYS = [
  ['/', 'Focus the search or filter box'],
  ['j / k', 'Next / previous row (trace list, waterfall)'],
  ['Enter', 'Open the selected row (trace, span details)'],
  ['Esc', 'Close this list, leave the details or the search box'],
  ['?', 'Show these keys'],
];

let dialog = null;

function typing(el) {
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

export function toggleHelp(show = !dialog) {
  if (!show) {
    if (dialog) dialog.remove();
    dialog = null;
    return;
  }
  if (dialog) return;
  const close = h('button', { type: 'button', class: 'btn small', onclick: () => toggleHelp(false) }, 'Close');
  dialog = h(
    'div',
    { class: 'keys-help', role: 'dialog', 'aria-modal': 'true', 'aria-label': 'Keyboard shortcuts' },
    h(
      'div',
      { class: 'panel keys-card' },
      h('div', { class: 'panel-head' }, h('h2', null, 'Keyboard shortcuts'), close),
      h('table', { class: 'mini keys-table' }, h('tbody', null, KEYS.map(([k, what]) => h('tr', null, h('th', { scope: 'row' }, h('kbd', null, k)), h('td', null, what)))))
    )
  );
  dialog.addEventListener('click', (ev) => {
    if (ev.target === dialog) toggleHelp(false);
  });
  document.body.append(dialog);
  close.focus();
}

// getPage() returns the current page's handle (which may have onKey).
export function installKeys(getPage) {
  document.addEventListener('keydown', (ev) => {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === 'Escape' && dialog) return ev.preventDefault(), toggleHelp(false);
    if (typing(ev.target)) {
      if (ev.key === 'Escape') ev.target.blur();
      return;
    }
    if (ev.key === '?') return ev.preventDefault(), toggleHelp();
    if (ev.key === '/') {
      const box = document.querySelector('#app [data-search], #app input[type=search], #app textarea');
      if (box) ev.preventDefault(), box.focus(), box.select && box.select();
      return;
    }
    if (ev.key === 'Enter' && ev.target.closest && ev.target.closest('a, button')) return;
    const page = getPage();
    if (page && page.onKey && page.onKey(ev)) ev.preventDefault();
  });
}

// ---- theme ----

const THEMES = ['system', 'light', 'dark'];
const LABEL = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };

function stored() {
  try {
    return THEMES.includes(localStorage.getItem('fluoro-theme')) ? localStorage.getItem('fluoro-theme') : 'system';
  } catch {
    return 'system';
  }
}

const systemLight = window.matchMedia ? window.matchMedia('(prefers-color-scheme: light)') : null;

// <html data-theme> is always light or dark, so the CSS has one set of light rules; "system"
// follows the media query, including when it changes while the page is open.
function apply(theme) {
  const effective = theme === 'system' ? (systemLight && systemLight.matches ? 'light' : 'dark') : theme;
  document.documentElement.dataset.theme = effective;
  document.documentElement.dataset.themeChoice = theme;
}

// A button in the top bar that cycles system -> light -> dark.
export function installTheme(container) {
  let theme = stored();
  apply(theme);
  if (systemLight) systemLight.addEventListener('change', () => theme === 'system' && apply(theme));
  const btn = h('button', { type: 'button', class: 'btn ghost small theme-btn', title: 'Switch between the system, light and dark themes' }, LABEL[theme]);
  btn.addEventListener('click', () => {
    theme = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
    try {
      localStorage.setItem('fluoro-theme', theme);
    } catch {
      /* private mode: the choice lasts for this page only */
    }
    apply(theme);
    btn.textContent = LABEL[theme];
  });
  const keysBtn = h('button', { type: 'button', class: 'btn ghost small', title: 'Keyboard shortcuts (?)', onclick: () => toggleHelp() }, 'Keys ?');
  container.prepend(btn, keysBtn);
}
