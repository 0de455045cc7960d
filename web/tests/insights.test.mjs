// insights.test.mjs - the Logs Insights page (#/insights) in a real browser: it runs a stats
// query through StartQuery/GetQueryResults, shows the status and statistics, the results table
// and a chart for `stats … by bin()`, reports a malformed query in the API's words, and keeps
// saved queries in the QueryDefinition API (the ones the AWS CLI sees).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ownServer } from './own-server.mjs';

// A fluoro of this file's own: the traces and logs stored here would change the demo's counts.
const server = await ownServer();
const { launch, usePage, shot, logsCall, waitIdle, hex, BASE } = await import('./helpers.mjs');

let browser;
const group = `/test/insights-${hex(8)}`;
const stream = 'app/1';
// Three one-minute bins: 3, 5 and 2 events.
const PER_BIN = [3, 5, 2];
const base = Math.floor(Date.now() / 60000) * 60000 - 10 * 60000;

before(async () => {
  browser = await launch();
  assert.equal((await logsCall('CreateLogGroup', { logGroupName: group })).status, 200);
  assert.equal((await logsCall('CreateLogStream', { logGroupName: group, logStreamName: stream })).status, 200);
  const logEvents = [];
  PER_BIN.forEach((n, b) => {
    for (let i = 0; i < n; i++) logEvents.push({ timestamp: base + b * 60000 + 1000 + i * 100, message: JSON.stringify({ level: i ? 'INFO' : 'ERROR', bin: b, i }) });
  });
  const put = await logsCall('PutLogEvents', { logGroupName: group, logStreamName: stream, logEvents });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  await waitIdle();
});

after(async () => {
  if (browser) await browser.close();
  await server.stop();
});

const withPage = (fn, allow) => usePage(browser, fn, allow);

async function openInsights(page) {
  await page.goto(`${BASE}/#/insights?group=${encodeURIComponent(group)}`);
  await page.getByRole('checkbox', { name: group }).waitFor();
  assert.equal(await page.getByRole('checkbox', { name: group }).isChecked(), true);
}

async function runQuery(page, q) {
  await page.getByLabel('Query', { exact: true }).fill(q);
  await page.getByRole('button', { name: 'Run query' }).click();
  await page.locator('.insights-status [data-status="Complete"], .insights-status [data-status="Failed"], .insights-status [role="alert"]').waitFor();
}

test('a stats … by bin() query shows status, statistics, the table and a bar chart of the bins', async () => {
  await withPage(async (page) => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await openInsights(page);
    await runQuery(page, 'stats count(*) as n by bin(1m)');
    const status = await page.locator('.insights-status').textContent();
    assert.match(status, /Complete/);
    assert.match(status, /10 records matched/);
    assert.match(status, /10 records scanned/);
    assert.match(status, /[\d.]+ (B|KB) scanned/);
    const table = page.getByRole('table', { name: 'Query results' });
    const heads = await table.locator('thead th').allTextContents();
    assert.deepEqual(heads, ['#', 'bin(1m)', 'n']);
    const counts = (await table.locator('tbody tr td:nth-child(3)').allTextContents()).map(Number).sort();
    assert.deepEqual(counts, [...PER_BIN].sort());
    // The chart: one bar per bin, heights in the ratio of the counts, oldest first.
    const chart = page.getByRole('img', { name: /Bar chart of n by bin\(1m\)/ });
    await chart.waitFor();
    const bars = await chart.locator('rect.ch-bar').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('height'))));
    assert.equal(bars.length, 3);
    const unit = bars[1] / 5;
    assert.deepEqual(bars.map((b) => Math.round(b / unit)), PER_BIN);
    await shot(page, 'insights-bar-chart');
    await page.getByRole('button', { name: 'Line chart' }).click();
    assert.equal(await page.getByRole('img', { name: /Line chart of n/ }).locator('circle.ch-dot').count(), 3);
    assert.equal(await page.getByRole('button', { name: 'Stop' }).isDisabled(), true, 'nothing to stop once complete');
  });
});

test('a query without bin() shows rows and no chart; filters and fields work', async () => {
  await withPage(async (page) => {
    await openInsights(page);
    await runQuery(page, 'fields @timestamp, @message\n| filter level = "ERROR"\n| sort @timestamp asc');
    assert.match(await page.locator('.insights-status').textContent(), /3 records matched/);
    const msgs = await page.getByRole('table', { name: 'Query results' }).locator('tbody td:nth-child(3)').allTextContents();
    assert.deepEqual(msgs.map((m) => JSON.parse(m).bin), [0, 1, 2]);
    assert.equal(await page.locator('.ins-chart-panel').count(), 0);
    // The editor colours the syntax behind the text.
    assert.ok(await page.locator('.insights-hl .q-cmd').count() >= 3);
    await shot(page, 'insights-table');
  });
});

test('a malformed query is reported with the API error', async () => {
  await withPage(async (page) => {
    await openInsights(page);
    await runQuery(page, 'stats count(* by');
    const alert = page.locator('.insights-status [role="alert"]');
    assert.match(await alert.textContent(), /MalformedQueryException/);
  }, [/status of 400/]);
});

test('saved queries are QueryDefinitions: saved here, seen by the API, loaded and deleted', async () => {
  const name = `ui-saved-${hex(6)}`;
  await withPage(async (page) => {
    await openInsights(page);
    await page.getByLabel('Query', { exact: true }).fill('stats count(*) by @logStream');
    await page.getByLabel('Query name').fill(name);
    await page.getByRole('button', { name: 'Save query' }).click();
    await page.getByRole('list', { name: 'Saved queries' }).getByRole('button', { name }).waitFor();
    const defs = (await logsCall('DescribeQueryDefinitions', { queryDefinitionNamePrefix: name })).body.queryDefinitions;
    assert.equal(defs.length, 1);
    assert.equal(defs[0].queryString, 'stats count(*) by @logStream');
    assert.deepEqual(defs[0].logGroupNames, [group]);
    // One made by the API (as the CLI would) shows up and loads into the editor.
    const other = `cli-${hex(6)}`;
    await logsCall('PutQueryDefinition', { name: other, queryString: 'fields @message | limit 3', logGroupNames: [group] });
    await page.reload();
    await page.getByRole('list', { name: 'Saved queries' }).getByRole('button', { name: other }).click();
    assert.equal(await page.getByLabel('Query', { exact: true }).inputValue(), 'fields @message | limit 3');
    await shot(page, 'insights-saved');
    await page.getByRole('button', { name: 'Delete saved query' }).click();
    await page.locator('.insights-status', { hasText: `Deleted "${other}"` }).waitFor();
    const left = (await logsCall('DescribeQueryDefinitions', { queryDefinitionNamePrefix: other })).body.queryDefinitions;
    assert.equal(left.length, 0);
  });
});

test('while a query runs the status and statistics update, and Stop sends StopQuery', async () => {
  await withPage(async (page) => {
    // Hold GetQueryResults at "Running" (the real query finishes too fast to catch) until Stop.
    let stopped = null;
    await page.route(`${BASE}/`, async (route) => {
      const op = route.request().headers()['x-amz-target'] || '';
      if (op.endsWith('.StopQuery')) stopped = JSON.parse(route.request().postData()).queryId;
      if (op.endsWith('.GetQueryResults') && !stopped) {
        return route.fulfill({ status: 200, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ status: 'Running', statistics: { recordsMatched: 4, recordsScanned: 7, bytesScanned: 2048 }, results: [] }) });
      }
      return route.continue();
    });
    await openInsights(page);
    await page.getByLabel('Query', { exact: true }).fill('fields @message');
    await page.getByRole('button', { name: 'Run query' }).click();
    const status = page.locator('.insights-status');
    await page.locator('.insights-status [data-status="Running"]').waitFor();
    assert.match(await status.textContent(), /Running.*4 records matched.*7 records scanned.*2\.0 KB scanned/);
    assert.equal(await page.getByRole('button', { name: 'Run query' }).isDisabled(), true);
    await shot(page, 'insights-running');
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.waitForFunction(() => !document.querySelector('.insights-status [data-status="Running"]'));
    assert.match(stopped || '', /^[0-9a-f-]{36}$/, 'StopQuery named the running query');
    assert.equal(await page.getByRole('button', { name: 'Run query' }).isDisabled(), false);
    assert.equal(await page.getByRole('button', { name: 'Stop' }).isDisabled(), true);
  }, [/status of 400/]);
});
