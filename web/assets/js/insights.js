// insights.js - #/insights: CloudWatch Logs Insights over the AWS Logs API fluoro serves
// (StartQuery, GetQueryResults, StopQuery, and the QueryDefinition calls, so saved queries are
// the ones the AWS CLI sees). A query editor, log-group picker, time range, Run/Stop, the
// status and statistics while it runs, the results as a table, and a chart when the query
// groups by bin().
import { h, replace } from './dom.js';
import { PRESETS, toEpoch, fmtCount } from './time.js';
import { loading, failure, empty } from './components.js';
import { highlightQuery } from './insights-syntax.js';
import { chartFor } from './insights-chart.js';

const DEFAULT_QUERY = 'fields @timestamp, @message, @logStream\n| sort @timestamp desc\n| limit 50';
const POLL_MS = 250;
const EXAMPLES = [
  ['Recent errors', 'fields @timestamp, @message\n| filter @message like /ERROR/\n| sort @timestamp desc\n| limit 50'],
  ['Count per 5 minutes', 'stats count(*) as events by bin(5m)'],
  ['Top streams', 'stats count(*) as events by @logStream\n| sort events desc\n| limit 10'],
];

class LogsError extends Error {
  constructor(status, body) {
    super((body && (body.message || body.Message)) || `HTTP ${status}`);
    this.code = ((body && body.__type) || 'Error').replace(/^.*#/, '');
  }
}

// One CloudWatch Logs API call, as the AWS CLI makes it (awsJson1.1 on POST /).
export async function logsApi(op, body) {
  const res = await fetch('/', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `Logs_20140328.${op}` },
    body: JSON.stringify(body || {}),
  });
  let out = null;
  try {
    out = await res.json();
  } catch {
    out = null;
  }
  if (!res.ok) throw new LogsError(res.status, out);
  return out;
}

function fmtBytes(n) {
  if (!Number.isFinite(n)) return '0 B';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function mount(root, params) {
  let aborted = false;
  let queryId = null;
  let timer = 0;
  let since = params.since || '1h';
  let groups = new Set((params.group || '').split(',').filter(Boolean));
  let allGroups = [];
  let defs = [];
  let currentDef = null;

  const editor = h('textarea', { class: 'insights-editor', 'aria-label': 'Query', spellcheck: 'false', autocomplete: 'off', rows: 6, 'data-search': '' });
  editor.value = params.q || DEFAULT_QUERY;
  const hl = h('pre', { class: 'insights-hl', 'aria-hidden': 'true' });
  const syncHl = () => {
    replace(hl, highlightQuery(editor.value), '\n');
    hl.scrollTop = editor.scrollTop;
  };
  editor.addEventListener('input', syncHl);
  editor.addEventListener('scroll', () => (hl.scrollTop = editor.scrollTop));
  editor.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) (ev.preventDefault(), run());
  });
  syncHl();

  const range = h('select', { class: 'range', 'aria-label': 'Time range' }, PRESETS.map(([v, label]) => h('option', { value: v, selected: v === since }, label)));
  range.addEventListener('change', () => (since = range.value));
  const runBtn = h('button', { type: 'button', class: 'btn primary', onclick: () => run() }, 'Run query');
  const stopBtn = h('button', { type: 'button', class: 'btn', disabled: true, onclick: () => stop() }, 'Stop');
  const status = h('div', { class: 'insights-status', role: 'status', 'aria-live': 'polite' }, h('span', { class: 'muted' }, 'Pick log groups, write a query, then Run query (Ctrl+Enter).'));
  const groupsEl = h('div', { class: 'ins-groups', role: 'group', 'aria-label': 'Log groups' }, loading('Loading log groups…'));
  const groupFilter = h('input', { type: 'search', class: 'ins-group-filter', placeholder: 'Filter groups', 'aria-label': 'Filter log groups' });
  groupFilter.addEventListener('input', drawGroups);
  const chartEl = h('div', { class: 'ins-chart' });
  const resultsEl = h('div', { class: 'ins-results' });
  const nameInput = h('input', { type: 'text', class: 'ins-name', placeholder: 'Name for this query', 'aria-label': 'Query name' });
  const savedEl = h('ul', { class: 'ins-saved', 'aria-label': 'Saved queries' });

  root.append(
    h(
      'section',
      { class: 'page page-insights' },
      h('div', { class: 'toolbar' }, h('h1', null, 'Logs Insights'), h('div', { class: 'grow' }), h('label', { class: 'range-picker' }, h('span', { class: 'icon-clock', 'aria-hidden': 'true' }), range), runBtn, stopBtn),
      h(
        'div',
        { class: 'insights-layout' },
        h('aside', { class: 'panel ins-side' }, h('h2', null, 'Log groups'), groupFilter, groupsEl, h('h2', { class: 'ins-saved-head' }, 'Saved queries'), savedEl),
        h(
          'div',
          { class: 'ins-main' },
          h(
            'div',
            { class: 'panel ins-editor-panel' },
            h('div', { class: 'ins-editor-wrap' }, hl, editor),
            h(
              'div',
              { class: 'ins-editor-foot' },
              h('span', { class: 'muted small' }, 'Examples: '),
              EXAMPLES.map(([label, q]) => h('button', { type: 'button', class: 'chip', onclick: () => ((editor.value = q), syncHl()) }, label)),
              h('div', { class: 'grow' }),
              nameInput,
              h('button', { type: 'button', class: 'btn small', onclick: () => save() }, 'Save query'),
              h('button', { type: 'button', class: 'btn ghost small', onclick: () => remove() }, 'Delete saved query')
            )
          ),
          status,
          chartEl,
          resultsEl
        )
      )
    )
  );

  function drawGroups() {
    const f = groupFilter.value.trim().toLowerCase();
    const shown = allGroups.filter((g) => !f || g.toLowerCase().includes(f));
    if (!allGroups.length) return replace(groupsEl, empty('No log groups', 'Send logs (PutLogEvents) or load a fixture first.'));
    replace(
      groupsEl,
      shown.map((g) => {
        const cb = h('input', { type: 'checkbox', checked: groups.has(g), value: g });
        cb.addEventListener('change', () => (cb.checked ? groups.add(g) : groups.delete(g)));
        return h('label', { class: 'ins-group' }, cb, h('span', { class: 'mono' }, g));
      })
    );
  }

  async function loadGroups() {
    try {
      const names = [];
      let token;
      do {
        const res = await logsApi('DescribeLogGroups', token ? { nextToken: token } : {});
        for (const g of res.logGroups || []) names.push(g.logGroupName);
        token = res.nextToken;
      } while (token && !aborted);
      allGroups = names;
      if (!groups.size && names.length) groups.add(names[0]);
      if (!aborted) drawGroups();
    } catch (e) {
      if (!aborted) replace(groupsEl, failure(e));
    }
  }

  async function loadDefs() {
    try {
      const res = await logsApi('DescribeQueryDefinitions', {});
      defs = res.queryDefinitions || [];
    } catch (e) {
      if (!aborted) replace(savedEl, h('li', null, failure(e)));
      return;
    }
    if (aborted) return;
    replace(
      savedEl,
      defs.length
        ? defs.map((d) =>
            h(
              'li',
              { class: currentDef && currentDef.queryDefinitionId === d.queryDefinitionId ? 'active' : '' },
              h('button', { type: 'button', class: 'linklike', title: d.queryString, onclick: () => pick(d) }, d.name)
            )
          )
        : h('li', { class: 'muted small' }, 'None yet. Saved queries are shared with the AWS CLI (put-query-definition).')
    );
  }

  function pick(d) {
    currentDef = d;
    editor.value = d.queryString;
    nameInput.value = d.name;
    if (d.logGroupNames && d.logGroupNames.length) {
      groups = new Set(d.logGroupNames);
      drawGroups();
    }
    syncHl();
    loadDefs();
  }

  async function save() {
    const name = nameInput.value.trim();
    if (!name) return showError({ code: 'Name needed', message: 'Type a name for the query, then Save query.' }), nameInput.focus();
    const body = { name, queryString: editor.value, logGroupNames: [...groups] };
    if (currentDef && currentDef.name === name) body.queryDefinitionId = currentDef.queryDefinitionId;
    try {
      const res = await logsApi('PutQueryDefinition', body);
      currentDef = { ...body, queryDefinitionId: res.queryDefinitionId };
      replace(status, h('span', null, `Saved "${name}".`));
    } catch (e) {
      showError(e);
    }
    loadDefs();
  }

  async function remove() {
    if (!currentDef) return showError({ code: 'Nothing selected', message: 'Pick a saved query to delete.' });
    try {
      await logsApi('DeleteQueryDefinition', { queryDefinitionId: currentDef.queryDefinitionId });
      replace(status, h('span', null, `Deleted "${currentDef.name}".`));
      currentDef = null;
      nameInput.value = '';
    } catch (e) {
      showError(e);
    }
    loadDefs();
  }

  function showError(e) {
    replace(status, h('div', { class: 'filter-error-msg', role: 'alert' }, h('strong', null, e.code || 'Error'), ': ', e.message));
  }

  function showStatus(st, stats) {
    const s = stats || {};
    replace(
      status,
      h('span', { class: ['pill', `ins-st-${st.toLowerCase()}`], dataset: { status: st } }, st),
      h('span', { class: 'ins-stat' }, `${fmtCount(s.recordsMatched || 0)} records matched`),
      h('span', { class: 'ins-stat' }, `${fmtCount(s.recordsScanned || 0)} records scanned`),
      h('span', { class: 'ins-stat' }, `${fmtBytes(s.bytesScanned || 0)} scanned`)
    );
  }

  async function run() {
    if (queryId) await stop();
    if (!groups.size) return showError({ code: 'No log group', message: 'Pick at least one log group.' });
    const now = Date.now() / 1000;
    const start = since === '0' ? 0 : Math.floor(toEpoch(since, now));
    let res;
    try {
      res = await logsApi('StartQuery', { logGroupNames: [...groups], startTime: start, endTime: Math.ceil(now) + 1, queryString: editor.value });
    } catch (e) {
      return showError(e);
    }
    queryId = res.queryId;
    runBtn.disabled = true;
    stopBtn.disabled = false;
    showStatus('Scheduled');
    replace(chartEl);
    replace(resultsEl);
    poll(queryId);
  }

  async function poll(id) {
    if (aborted || id !== queryId) return;
    let res;
    try {
      res = await logsApi('GetQueryResults', { queryId: id });
    } catch (e) {
      finish();
      return showError(e);
    }
    if (aborted || id !== queryId) return;
    showStatus(res.status, res.statistics);
    drawResults(res.results || [], res.status);
    if (['Complete', 'Failed', 'Cancelled', 'Timeout'].includes(res.status)) finish();
    else timer = setTimeout(() => poll(id), POLL_MS);
  }

  function finish() {
    queryId = null;
    runBtn.disabled = false;
    stopBtn.disabled = true;
    clearTimeout(timer);
  }

  async function stop() {
    const id = queryId;
    if (!id) return;
    finish();
    try {
      await logsApi('StopQuery', { queryId: id });
    } catch {
      /* the query finished first: nothing to stop */
    }
    const res = await logsApi('GetQueryResults', { queryId: id }).catch(() => null);
    if (res && !aborted) (showStatus(res.status, res.statistics), drawResults(res.results || [], res.status));
  }

  function drawResults(results, st) {
    const cols = [];
    for (const row of results) for (const f of row) if (f.field !== '@ptr' && !cols.includes(f.field)) cols.push(f.field);
    const rows = results.map((row) => Object.fromEntries(row.map((f) => [f.field, f.value])));
    replace(chartEl, st === 'Complete' ? chartFor(editor.value, cols, rows) : null);
    if (!rows.length) {
      replace(resultsEl, st === 'Complete' ? empty('No results', 'No log events in these groups and this time range match the query.') : null);
      return;
    }
    replace(
      resultsEl,
      h('div', { class: 'panel-head' }, h('h2', null, 'Results'), h('span', { class: 'muted small' }, `${rows.length} row${rows.length === 1 ? '' : 's'}`)),
      h(
        'div',
        { class: 'panel ins-table-wrap' },
        h(
          'table',
          { class: 'grid-table ins-table', 'aria-label': 'Query results' },
          h('thead', null, h('tr', null, h('th', { scope: 'col', class: 'num' }, '#'), cols.map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', null, rows.map((r, i) => h('tr', null, h('td', { class: 'num muted' }, String(i + 1)), cols.map((c) => h('td', { class: c === '@message' ? 'mono wrap' : 'mono' }, r[c] ?? '')))))
        )
      )
    );
  }

  loadGroups();
  loadDefs();
  return {
    unmount() {
      aborted = true;
      clearTimeout(timer);
    },
  };
}
