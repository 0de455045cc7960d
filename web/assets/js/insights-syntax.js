// insights-syntax.js - colours a Logs Insights query for the editor's backdrop: commands, pipes,
// keywords, functions, @fields, strings, regexes, numbers and comments. Returns nodes (text is
// never markup); the concatenated text equals the input, so the backdrop lines up with the
// textarea above it.
import { h } from './dom.js';

const COMMANDS = new Set(['fields', 'filter', 'stats', 'sort', 'limit', 'parse', 'display', 'dedup', 'unmask', 'pattern', 'diff', 'filterindex', 'source', 'unnest', 'lookup', 'anomaly']);
const KEYWORDS = new Set(['by', 'as', 'and', 'or', 'not', 'like', 'in', 'asc', 'desc', 'is']);
const TOKEN = /(#[^\n]*)|('(?:[^'\\\n]|\\.)*'?|"(?:[^"\\\n]|\\.)*"?|`[^`\n]*`?)|(\/(?:[^/\\\n]|\\.)+\/[a-z]*)|(@[A-Za-z0-9_.]+)|(\|)|([A-Za-z_][A-Za-z0-9_.]*)(?=\s*\()|([A-Za-z_][A-Za-z0-9_.]*)|(\d+(?:\.\d+)?[a-z]*)/g;

export function highlightQuery(text) {
  const out = [];
  let last = 0;
  let commandNext = true;
  for (const m of text.matchAll(TOKEN)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    last = m.index + m[0].length;
    const [tok, comment, str, re, field, pipe, fn, word, num] = m;
    let cls = null;
    if (comment) cls = 'q-comment';
    else if (str) cls = 'q-str';
    else if (re) cls = 'q-re';
    else if (field) cls = 'q-field';
    else if (pipe) cls = 'q-pipe';
    else if (fn) cls = 'q-fn';
    else if (word && commandNext && COMMANDS.has(word.toLowerCase())) cls = 'q-cmd';
    else if (word && KEYWORDS.has(word.toLowerCase())) cls = 'q-kw';
    else if (num) cls = 'q-num';
    if (!comment) commandNext = Boolean(pipe);
    out.push(cls ? h('span', { class: cls }, tok) : tok);
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
