// logline.js - one log event as a row: time, optional group/stream, and the message as text with
// every X-Ray trace id turned into a link to that trace. JSON messages expand to a tree.
import { h } from './dom.js';
import { jsonTree } from './jsontree.js';
import { fmtDateTime } from './time.js';

const TRACE_RE = /1-[0-9a-f]{8}-[0-9a-f]{24}/g;

// Accessors that tolerate the snake_case /api/v1 shapes and the CloudWatch camelCase ones.
export const ev = {
  time: (e) => {
    const t = e.timestamp ?? e.time ?? e.ts;
    if (!Number.isFinite(t)) return NaN;
    return t > 1e11 ? t / 1000 : t;
  },
  message: (e) => String(e.message ?? e.msg ?? ''),
  group: (e) => e.group ?? e.log_group ?? e.logGroupName ?? '',
  stream: (e) => e.stream ?? e.log_stream ?? e.logStreamName ?? '',
  traceId: (e) => e.trace_id ?? e.traceId ?? '',
};

function levelOf(msg, parsed) {
  const lv = parsed && typeof parsed === 'object' ? parsed.level ?? parsed.levelname ?? parsed.severity ?? parsed.lvl : null;
  const s = String(lv || msg.slice(0, 80)).toUpperCase();
  if (/\b(ERROR|FATAL|CRITICAL)\b/.test(s)) return 'error';
  if (/\bWARN(ING)?\b/.test(s)) return 'warn';
  if (/\bDEBUG|TRACE\b/.test(s)) return 'debug';
  if (/^(START|END|REPORT|INIT_START) /.test(msg)) return 'platform';
  return 'info';
}

// The message as text nodes, with trace ids as links (never markup).
export function linkify(msg, ctx, currentTrace) {
  const out = [];
  let last = 0;
  for (const m of msg.matchAll(TRACE_RE)) {
    if (m.index > last) out.push(msg.slice(last, m.index));
    out.push(
      m[0] === currentTrace
        ? h('mark', { class: 'tid current', title: 'This trace' }, m[0])
        : h('a', { class: 'tid', href: ctx.href(`/traces/${m[0]}`, {}), title: 'Open this trace' }, m[0])
    );
    last = m.index + m[0].length;
  }
  if (last < msg.length) out.push(msg.slice(last));
  return out;
}

export function logLine(e, ctx, { showGroup = false, currentTrace = '' } = {}) {
  const msg = ev.message(e);
  let parsed = null;
  const trimmed = msg.trim();
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) {
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      parsed = null;
    }
  }
  const level = levelOf(msg, parsed);
  const group = ev.group(e);
  const stream = ev.stream(e);
  const tid = ev.traceId(e);
  const row = h(
    'div',
    { class: ['log-line', `lv-${level}`], role: 'listitem' },
    h('span', { class: 'log-time mono', title: new Date(ev.time(e) * 1000).toISOString() }, fmtDateTime(ev.time(e))),
    showGroup && group
      ? h('a', { class: 'log-src', href: ctx.href('/logs', { group, stream }), title: `${group} / ${stream}` }, group.replace(/^\/aws\/lambda\//, 'λ '))
      : null,
    h('span', { class: 'log-msg mono' }, linkify(msg, ctx, currentTrace)),
    tid && !msg.includes(tid) ? h('a', { class: 'tid', href: ctx.href(`/traces/${tid}`, {}) }, tid) : null
  );
  if (parsed) {
    row.classList.add('expandable');
    row.setAttribute('tabindex', '0');
    row.setAttribute('aria-expanded', 'false');
    let tree = null;
    const flip = (evt) => {
      if (evt.target.closest('a, summary, details')) return;
      if (tree) {
        tree.remove();
        tree = null;
        row.setAttribute('aria-expanded', 'false');
      } else {
        tree = h('div', { class: 'log-json' }, jsonTree(parsed, { openDepth: 3 }));
        row.append(tree);
        row.setAttribute('aria-expanded', 'true');
      }
    };
    row.addEventListener('click', flip);
    row.addEventListener('keydown', (evt) => evt.key === 'Enter' && flip(evt));
  }
  return row;
}
