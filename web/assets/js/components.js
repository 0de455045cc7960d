// components.js - pieces shared by pages: the filter-expression box (with the API's error
// position shown under the text), status pills, and loading/empty/error states.
import { h, replace } from './dom.js';

// A filter box. onSubmit(value) runs on Enter or the Apply button. Returns {el, showError, clearError, input}.
export function filterBox({ value, placeholder, onSubmit, label = 'Filter expression', examples = [] }) {
  const input = h('input', {
    type: 'search',
    class: 'filter-input',
    value: value || '',
    placeholder,
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-label': label,
  });
  const err = h('div', { class: 'filter-error', role: 'alert', hidden: true });
  const submit = () => onSubmit(input.value.trim());
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') submit();
  });
  const ex = examples.length
    ? h(
        'div',
        { class: 'filter-examples' },
        h('span', { class: 'muted' }, 'Try '),
        examples.map((x) =>
          h(
            'button',
            {
              type: 'button',
              class: 'chip',
              onclick: () => {
                input.value = x;
                submit();
              },
            },
            x
          )
        )
      )
    : null;
  const el = h(
    'div',
    { class: 'filter-box' },
    h(
      'div',
      { class: 'filter-row' },
      h('span', { class: 'filter-icon', 'aria-hidden': 'true' }),
      input,
      h('button', { type: 'button', class: 'btn primary', onclick: submit }, 'Apply')
    ),
    err,
    ex
  );
  return {
    el,
    input,
    showError(e) {
      const text = input.value;
      const pos = typeof e.position === 'number' && e.position >= 0 ? Math.min(e.position, text.length) : -1;
      const parts = [h('div', { class: 'filter-error-msg' }, h('strong', null, e.code || 'Error'), ': ', e.message)];
      if (pos >= 0) {
        const at = text.slice(pos, pos + 1);
        parts.push(
          h(
            'pre',
            { class: 'filter-caret', 'aria-label': `Error at position ${pos}` },
            text.slice(0, pos),
            h('mark', { class: 'err-at' }, at || ' '),
            text.slice(pos + 1),
            '\n',
            ' '.repeat(pos),
            h('span', { class: 'caret' }, '^')
          )
        );
        input.focus();
        input.setSelectionRange(pos, Math.min(text.length, pos + 1));
      }
      replace(err, parts);
      err.hidden = false;
      input.setAttribute('aria-invalid', 'true');
    },
    clearError() {
      err.hidden = true;
      replace(err);
      input.removeAttribute('aria-invalid');
    },
  };
}

// Status of an entity with ok/error/fault/throttle flags: 'fault' | 'error' | 'throttle' | 'ok'.
export function statusOf(x) {
  if (!x) return 'ok';
  if (x.fault) return 'fault';
  if (x.throttle) return 'throttle';
  if (x.error) return 'error';
  return 'ok';
}

export function statusPill(status, label) {
  const text = label || { ok: 'OK', error: 'Error', fault: 'Fault', throttle: 'Throttle' }[status];
  return h('span', { class: `pill st-${status}` }, text);
}

export function httpStatusPill(code) {
  if (!code) return h('span', { class: 'muted' }, '—');
  const st = code >= 500 ? 'fault' : code === 429 ? 'throttle' : code >= 400 ? 'error' : 'ok';
  return h('span', { class: `pill st-${st} mono` }, String(code));
}

export function loading(text = 'Loading…') {
  return h('div', { class: 'state loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

export function empty(title, detail) {
  return h('div', { class: 'state empty' }, h('div', { class: 'state-title' }, title), detail ? h('div', { class: 'muted' }, detail) : null);
}

export function failure(e) {
  return h(
    'div',
    { class: 'state failure', role: 'alert' },
    h('div', { class: 'state-title' }, 'Could not load'),
    h('div', { class: 'mono' }, `${e.code || 'Error'}: ${e.message}`)
  );
}

// A quoted string literal for the filter grammar.
export function quote(s) {
  return `"${String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function copyButton(text, label = 'Copy') {
  const b = h('button', { type: 'button', class: 'btn ghost small', title: 'Copy to clipboard' }, label);
  b.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      b.textContent = 'Copied';
    } catch {
      b.textContent = 'Copy failed';
    }
    setTimeout(() => (b.textContent = label), 1200);
  });
  return b;
}
