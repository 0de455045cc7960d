// ui.test.mjs - the web UI in a real browser against `fluoro serve --demo`: every route, what a
// person would see on each, live updates, a 2,000-subsegment trace, and proof that markup in
// segment fields and log lines is shown as text. Any console error fails the test that saw it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, usePage, shot, api, putSegments, sendUdp, logsCall, waitIdle, newTraceId, hex, BASE } from './helpers.mjs';

let browser;
let faultId;

before(async () => {
  browser = await launch();
  const { body } = await api('/api/v1/traces?filter=fault&since=0');
  assert.equal(body.traces.length, 1, 'the demo has exactly one faulted trace');
  faultId = body.traces[0].trace_id;
});

after(async () => {
  if (browser) await browser.close();
});

const withPage = (fn, allow) => usePage(browser, fn, allow);

test('service map shows every demo service as a named, focusable node', async () => {
  await withPage(async (page) => {
    await page.goto(`${BASE}/#/map`);
    await page.locator('svg.map-svg g.node').first().waitFor();
    const map = page.locator('svg.map-svg');
    for (const name of ['orders-api/prod', 'orders-function', 'DynamoDB', 'KMS', 'SNS', 'Client']) {
      const node = map.getByRole('link', { name, exact: true });
      assert.ok((await node.count()) >= 1, `node ${name} on the map`);
    }
    assert.equal(await map.getByRole('link', { name: 'orders-function', exact: true }).count(), 2, 'Lambda service and function nodes');
    // Edges carry call counts and average latency.
    const labels = await page.locator('.edge-label text').allTextContents();
    assert.ok(labels.some((l) => /^12 calls · [\d.]+ ms avg$/.test(l)), `an edge label with 12 calls: ${labels}`);
    // Keyboard: nodes are in the tab order and Enter opens the filtered traces.
    const sns = map.getByRole('link', { name: 'SNS', exact: true });
    await sns.focus();
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'SNS');
    await shot(page, 'map');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => new URLSearchParams(location.hash.split('?')[1]).get('filter') === 'service("SNS")');
    await page.locator('tr.trace-row').first().waitFor();
    assert.equal(await page.locator('tr.trace-row').count(), 12, 'SNS was called in 12 traces');
  });
});

test('clicking a map edge opens traces filtered by edge(…)', async () => {
  await withPage(async (page) => {
    await page.goto(`${BASE}/#/map`);
    const edge = page.locator('g.edge[aria-label^="orders-function to SNS"]');
    await edge.waitFor();
    await edge.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => new URLSearchParams(location.hash.split('?')[1]).get('filter') === 'edge("orders-function", "SNS")');
    await page.locator('tr.trace-row').first().waitFor();
    assert.equal(await page.locator('tr.trace-row').count(), 12);
    assert.equal(await page.locator('input.filter-input').inputValue(), 'edge("orders-function", "SNS")');
  });
});

test('traces page: filter, scatter plot, sortable table', async () => {
  await withPage(async (page) => {
    await page.goto(`${BASE}/#/traces`);
    await page.locator('tr.trace-row').first().waitFor();
    assert.equal(await page.locator('tr.trace-row').count(), 16, 'all 16 demo traces');
    assert.equal(await page.locator('svg.scatter circle.dot-pt').count(), 16, 'one scatter point per trace');
    assert.equal(await page.locator('svg.scatter circle.st-fault').count(), 1, 'the faulted trace is red');
    await shot(page, 'traces');

    // Sort by duration, longest first.
    await page.getByRole('button', { name: /^Duration/ }).click();
    assert.equal(await page.locator('th.col-duration').getAttribute('aria-sort'), 'descending');
    const { body } = await api('/api/v1/traces?since=0');
    const longest = body.traces.reduce((a, b) => (b.duration > a.duration ? b : a));
    assert.equal(await page.locator('tr.trace-row').first().getAttribute('data-trace-id'), longest.trace_id);
    await page.getByRole('button', { name: /^Duration/ }).click();
    assert.equal(await page.locator('th.col-duration').getAttribute('aria-sort'), 'ascending');

    // A filter typed in the box narrows the rows and lands in the URL.
    await page.locator('input.filter-input').fill('http.status = 500');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('tr.trace-row').length === 1);
    assert.equal(await page.locator('tr.trace-row').getAttribute('data-trace-id'), faultId);
    assert.equal(await page.evaluate(() => new URLSearchParams(location.hash.split('?')[1]).get('filter')), 'http.status = 500');
    assert.ok((await page.locator('tr.trace-row .pill.st-fault').count()) >= 1, 'fault marker');
    assert.ok(await page.getByText('customer_tier').first().isVisible(), 'annotations column');
  });
});

test('a filter syntax error is shown at its position', async () => {
  await withPage(
    async (page) => {
      await page.goto(`${BASE}/#/traces?filter=${encodeURIComponent('service("SNS") AND AND')}`);
      const err = page.getByRole('alert');
      await err.waitFor();
      const { body } = await api(`/api/v1/traces?filter=${encodeURIComponent('service("SNS") AND AND')}`);
      assert.equal(body.error.code, 'InvalidFilterExpression');
      assert.ok((await err.textContent()).includes(body.error.message));
      const caretLine = await page.locator('pre.filter-caret').textContent();
      assert.equal(caretLine.split('\n')[1].indexOf('^'), body.error.position, 'caret under the reported position');
      assert.equal(await page.locator('input.filter-input').getAttribute('aria-invalid'), 'true');
      await shot(page, 'traces-filter-error');
    },
    [/status of 400/]
  );
});

test('traces page paginates', async () => {
  const now = Date.now() / 1000;
  const docs = [];
  for (let i = 0; i < 60; i++) {
    docs.push({ trace_id: newTraceId(), id: hex(16), name: 'pager-svc', start_time: now - 30 + i * 0.1, end_time: now - 30 + i * 0.1 + 0.01 * (i + 1), annotations: { batch: 'pg' } });
  }
  await putSegments(docs);
  await withPage(async (page) => {
    await page.goto(`${BASE}/#/traces?filter=${encodeURIComponent('annotation.batch = "pg"')}`);
    await page.locator('tr.trace-row').first().waitFor();
    assert.equal(await page.locator('tr.trace-row').count(), 50);
    await page.getByText('Page 1 of 2').waitFor();
    await page.getByRole('button', { name: 'Next ›' }).click();
    assert.equal(await page.locator('tr.trace-row').count(), 10);
    await page.getByText('Page 2 of 2').waitFor();
  });
});

test('trace page: waterfall, exception details, logs, raw JSON download', async () => {
  await withPage(async (page) => {
    await page.goto(`${BASE}/#/traces/${faultId}`);
    await page.locator('.wf-row').first().waitFor();
    const labels = await page.locator('.wf-row .wf-label').allTextContents();
    for (const name of ['orders-api/prod', 'Lambda', 'orders-function', 'Invocation', 'KMS', 'DynamoDB', 'SNS']) {
      assert.ok(labels.includes(name), `waterfall row ${name} in ${labels}`);
    }
    assert.equal(labels.length, 11, 'every segment and subsegment, inferred ones included');
    assert.equal(await page.locator('.wf-row.kind-inferred').count(), 3, 'inferred nodes marked');
    assert.equal(await page.locator('.wf-row .badge.inferred').count(), 3);
    assert.ok((await page.locator('.wf-row .bar.st-bg-fault').count()) >= 1, 'fault bars are red');
    assert.ok((await page.locator('.wf-row .bar.st-bg-error').count()) >= 1, 'error bars are amber');
    // The SNS subsegment with the exception is selected first and its cause is shown.
    const detail = page.locator('aside.detail');
    await detail.locator('.ex-msg', { hasText: 'not authorized to perform: SNS:Publish' }).waitFor();
    assert.ok((await detail.locator('.ex-type').textContent()).startsWith('AuthorizationErrorException'));
    assert.ok(await detail.locator('ol.stack .fn', { hasText: 'publishOrderEvent' }).isVisible(), 'stack frame');
    await shot(page, 'trace');

    // Collapse and expand.
    const inv = page.locator('.wf-row', { hasText: 'Invocation' });
    await inv.locator('.twisty').click();
    assert.equal(await page.locator('.wf-row').count(), 5);
    await page.locator('.wf-row', { hasText: 'Invocation' }).locator('.twisty').click();
    assert.equal(await page.locator('.wf-row').count(), 11);

    // Select the function segment: annotations, metadata tree, aws.
    await page.locator('.wf-row.kind-segment', { hasText: 'Lambda::Function' }).click();
    await detail.locator('.ann-table th', { hasText: 'customer_tier' }).waitFor();
    assert.ok(await detail.locator('.json-tree').getByText('currency').first().isVisible(), 'metadata as a JSON tree');

    // Correlated logs.
    const logs = page.locator('.logs-panel');
    await logs.locator('.log-line').first().waitFor();
    assert.ok((await logs.textContent()).includes('not authorized to perform: SNS:Publish'));
    await logs.scrollIntoViewIfNeeded();
    await shot(page, 'trace-logs');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download JSON' }).click()]);
    assert.equal(download.suggestedFilename(), `${faultId}.json`);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    const raw = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(raw.trace_id, faultId);
    assert.ok(raw.segments.length >= 3);
  });
});

test('an unknown trace shows a not-found message', async () => {
  await withPage(
    async (page) => {
      await page.goto(`${BASE}/#/traces/1-00000000-000000000000000000000000`);
      await page.getByText('Trace not found').waitFor();
    },
    [/status of 404/]
  );
});

test('logs page: groups, streams, events, filter pattern, links to traces', async () => {
  await withPage(async (page) => {
    await page.goto(`${BASE}/#/logs`);
    await page.getByRole('link', { name: '/aws/lambda/orders-function' }).waitFor();
    await page.locator('.logs-events .log-line').first().waitFor();
    await page.getByText('order created').first().waitFor();
    assert.ok((await page.locator('.logs-streams a').count()) >= 2, 'All streams + the demo stream');
    await shot(page, 'logs');

    await page.locator('input.filter-input').fill('ERROR');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => new URLSearchParams(location.hash.split('?')[1]).get('pattern') === 'ERROR');
    await page.getByText('not authorized to perform: SNS:Publish').waitFor();
    assert.equal(await page.locator('.logs-events .log-line').count(), 1);
    await shot(page, 'logs-pattern');

    // The trace id in the line is a link to that trace.
    await page.locator('.logs-events a.tid').first().click();
    await page.waitForFunction(() => /^#\/traces\/1-/.test(location.hash));
    await page.locator('.wf-row').first().waitFor();
  });
});

test('logs live tail shows new lines as they arrive', async () => {
  const group = '/fluoro/ui-test';
  const stream = 'tail';
  await logsCall('CreateLogGroup', { logGroupName: group });
  await logsCall('CreateLogStream', { logGroupName: group, logStreamName: stream });
  await withPage(async (page) => {
    await page.goto(`${BASE}/#/logs?group=${encodeURIComponent(group)}&tail=1`);
    await page.locator('button.tail[data-state="on"]').waitFor();
    const line = `tail line ${hex(8)} for ${newTraceId()}`;
    const r = await logsCall('PutLogEvents', { logGroupName: group, logStreamName: stream, logEvents: [{ timestamp: Date.now(), message: line }] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await page.getByText(line.slice(0, 18)).waitFor({ timeout: 8000 });
    await shot(page, 'logs-tail');
  });
});

test('live: a new trace appears on the traces page without reloading', async () => {
  await withPage(async (page) => {
    await page.goto(`${BASE}/#/traces`);
    await page.locator('tr.trace-row').first().waitFor();
    await page.locator('#live[data-state="on"]').waitFor();
    const now = Date.now() / 1000;
    const tid = newTraceId();
    await sendUdp({ trace_id: tid, id: hex(16), name: 'live-arrival', start_time: now - 0.05, end_time: now, http: { request: { method: 'GET', url: 'https://example.com/live' }, response: { status: 200 } } });
    await page.locator(`tr.trace-row[data-trace-id="${tid}"]`).waitFor({ timeout: 8000 });
    assert.equal(await page.locator(`tr.trace-row[data-trace-id="${tid}"] .col-root`).textContent(), 'live-arrival');
  });
});

test('markup in segment fields and log lines is shown as text and never runs', async () => {
  const evil = '<img src=x onerror="window.__xss=(window.__xss||0)+1">';
  const now = Date.now() / 1000;
  const tid = newTraceId();
  const segId = hex(16);
  await putSegments([
    {
      trace_id: tid,
      id: segId,
      name: 'xss-service',
      start_time: now - 0.3,
      end_time: now,
      http: { request: { method: 'GET', url: `https://example.com/${evil}`, user_agent: evil }, response: { status: 500 } },
      annotations: { html: evil },
      metadata: { default: { html: evil, [evil]: 1 } },
      fault: true,
      cause: { working_directory: evil, exceptions: [{ id: hex(16), type: evil, message: `boom ${evil}`, stack: [{ path: evil, line: 1, label: evil }] }] },
      subsegments: [{ id: hex(16), name: 'query', namespace: 'remote', start_time: now - 0.2, end_time: now - 0.1, aws: { operation: evil }, sql: { sanitized_query: `select '${evil}'` } }],
    },
  ]);
  await sendUdp({ trace_id: tid, id: hex(16), parent_id: segId, name: 'xss-udp', start_time: now - 0.1, end_time: now, annotations: { udp: evil } });
  await logsCall('CreateLogGroup', { logGroupName: '/fluoro/xss' });
  await logsCall('CreateLogStream', { logGroupName: '/fluoro/xss', logStreamName: 's' });
  await logsCall('PutLogEvents', { logGroupName: '/fluoro/xss', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: `${evil} ${tid}` }] });
  await waitIdle();

  await withPage(async (page) => {
    const check = async (where) => {
      assert.equal(await page.evaluate(() => window.__xss), undefined, `no script ran on ${where}`);
      assert.equal(await page.locator('img[src="x"]').count(), 0, `no <img> element on ${where}`);
    };
    await page.goto(`${BASE}/#/traces/${tid}`);
    await page.locator('.wf-row').first().waitFor();
    assert.ok(await page.locator('.wf-row .badge.op', { hasText: evil }).first().isVisible(), 'aws.operation as text in the waterfall');
    await page.locator('.wf-row.kind-segment', { hasText: 'xss-service' }).click();
    const detail = page.locator('aside.detail');
    await detail.getByText(`boom ${evil}`).waitFor();
    assert.ok(await detail.getByText(evil, { exact: true }).first().isVisible());
    await page.locator('.logs-panel .log-line').first().waitFor();
    assert.ok((await page.locator('.logs-panel').textContent()).includes(evil));
    await check('the trace page');
    await shot(page, 'xss-trace');

    await page.goto(`${BASE}/#/traces?filter=${encodeURIComponent(`service("xss-service")`)}`);
    await page.locator('tr.trace-row').first().waitFor();
    assert.ok((await page.locator('tr.trace-row').textContent()).includes(evil));
    await check('the traces page');

    await page.goto(`${BASE}/#/logs?group=${encodeURIComponent('/fluoro/xss')}`);
    await page.locator('.logs-events .log-line').first().waitFor();
    assert.ok((await page.locator('.logs-events .log-line').first().textContent()).includes(evil));
    await check('the logs page');
  });
});

test('a trace with 2,000 subsegments renders a virtualized waterfall that follows the scroll position', async () => {
  const now = Date.now() / 1000;
  const tid = newTraceId();
  const docs = [];
  let parent = null;
  for (let k = 0; k < 20; k++) {
    const segId = hex(16);
    const t0 = now - 20 + k * 0.5;
    const subs = [];
    for (let g = 0; g < 10; g++) {
      const kids = [];
      for (let c = 0; c < 9; c++) kids.push({ id: hex(16), name: `op-${k}-${g}-${c}`, start_time: t0 + g * 0.04 + c * 0.004, end_time: t0 + g * 0.04 + c * 0.004 + 0.003 });
      subs.push({ id: hex(16), name: `group-${k}-${g}`, start_time: t0 + g * 0.04, end_time: t0 + g * 0.04 + 0.039, subsegments: kids });
    }
    docs.push({ trace_id: tid, id: segId, ...(parent ? { parent_id: parent } : {}), name: `svc-${k}`, start_time: t0, end_time: t0 + 0.45, subsegments: subs });
    parent = subs[9].id;
  }
  for (let i = 0; i < docs.length; i += 5) await putSegments(docs.slice(i, i + 5));
  await waitIdle();

  await withPage(async (page) => {
    await page.goto(`${BASE}/#/traces/${tid}`);
    await page.locator('.wf-row').first().waitFor();
    await page.getByRole('button', { name: 'Expand all' }).click();
    const total = Number(await page.locator('.wf-row').first().getAttribute('aria-setsize'));
    assert.equal(total, 20 + 200 + 1800, 'every segment and subsegment is a row');
    const inDom = await page.locator('.wf-row').count();
    assert.ok(inDom < 120, `only rows in view are in the DOM (${inDom})`);
    // Scroll through the whole waterfall: at every step the DOM holds only a window of rows,
    // and that window is where the scroll position says it is. (How fast it renders is a
    // benchmark question, not a pass/fail one.)
    const steps = await page.evaluate(async () => {
      const body = document.querySelector('.wf-body');
      const out = [];
      for (let i = 0; i <= 20; i++) {
        body.scrollTop = ((body.scrollHeight - body.clientHeight) * i) / 20;
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));
        const pos = [...document.querySelectorAll('.wf-row')].map((r) => Number(r.getAttribute('aria-posinset')));
        out.push({ fraction: i / 20, rows: pos.length, first: Math.min(...pos), last: Math.max(...pos) });
      }
      return out;
    });
    for (const st of steps) {
      assert.ok(st.rows < 120, `only rows in view are in the DOM at ${st.fraction} (${st.rows})`);
      const want = Math.round(st.fraction * total);
      assert.ok(st.first <= Math.max(want, 1) && st.last >= Math.min(want, total),
        `rows ${st.first}-${st.last} are in the DOM at scroll ${st.fraction}, expected row ${want}`);
    }
    await page.locator('.wf-row', { hasText: 'op-19-9-8' }).waitFor();
    await shot(page, 'trace-large');
  });
});
