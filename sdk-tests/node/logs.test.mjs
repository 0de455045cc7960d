// @aws-sdk/client-cloudwatch-logs (JS SDK v3) against fluoro: every call below goes over the
// awsJson1.1 protocol exactly as a Node app sends it. The JS SDK validates nothing client-side,
// so bad input here reaches the server's own checks; errors must map to the SDK's exception
// classes (it reads __type or X-Amzn-ErrorType, reference/logs-api.md).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, DeleteLogGroupCommand,
  DescribeLogGroupsCommand, DescribeLogStreamsCommand, FilterLogEventsCommand, GetLogEventsCommand,
  GetQueryResultsCommand, InvalidParameterException, ListTagsForResourceCommand,
  MalformedQueryException, PutLogEventsCommand, PutMetricFilterCommand,
  PutRetentionPolicyCommand, ResourceAlreadyExistsException, ResourceNotFoundException,
  StartQueryCommand, TestMetricFilterCommand, paginateDescribeLogGroups, paginateFilterLogEvents,
  paginateGetLogEvents,
} from '@aws-sdk/client-cloudwatch-logs';

import { Fluoro } from './fluoro.mjs';

let fluoro;
let logs;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  fluoro = await Fluoro.start();
  logs = new CloudWatchLogsClient({
    endpoint: fluoro.url, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

after(async () => {
  logs?.destroy();
  await fluoro?.stop();
});

test('groups, streams, events and tags round-trip', async () => {
  await logs.send(new CreateLogGroupCommand({ logGroupName: '/node/app', tags: { team: 'js' } }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: '/node/app', logStreamName: 's' }));
  await assert.rejects(logs.send(new CreateLogGroupCommand({ logGroupName: '/node/app' })),
    (e) => e instanceof ResourceAlreadyExistsException && e.message === 'The specified log group already exists');
  const t = Date.now();
  const put = await logs.send(new PutLogEventsCommand({
    logGroupName: '/node/app', logStreamName: 's',
    logEvents: [{ timestamp: t - 2, message: 'ERROR one' }, { timestamp: t - 1, message: 'INFO two' }],
  }));
  assert.equal(put.rejectedLogEventsInfo, undefined);
  const { logGroups } = await logs.send(new DescribeLogGroupsCommand({}));
  assert.equal(logGroups.length, 1);
  assert.equal(typeof logGroups[0].creationTime, 'number');
  assert.equal(logGroups[0].arn, 'arn:aws:logs:us-east-1:000000000000:log-group:/node/app:*');
  const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: '/node/app' }));
  assert.equal(logStreams[0].lastEventTimestamp, t - 1);
  const ev = await logs.send(new GetLogEventsCommand({ logGroupName: '/node/app', logStreamName: 's', startFromHead: true }));
  assert.deepEqual(ev.events.map((e) => e.message), ['ERROR one', 'INFO two']);
  const f = await logs.send(new FilterLogEventsCommand({ logGroupName: '/node/app', filterPattern: 'ERROR' }));
  assert.deepEqual(f.events.map((e) => e.message), ['ERROR one']);
  assert.equal(typeof f.events[0].eventId, 'string');
  const tags = await logs.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:logs:us-east-1:000000000000:log-group:/node/app' }));
  assert.deepEqual(tags.tags, { team: 'js' });
});

test('paginators: describe groups, filter events, and GetLogEvents with stopOnSameToken', async () => {
  for (let i = 0; i < 5; i++) await logs.send(new CreateLogGroupCommand({ logGroupName: `/page/${i}` }));
  const names = [];
  for await (const page of paginateDescribeLogGroups({ client: logs, pageSize: 2 }, { logGroupNamePrefix: '/page/' })) {
    names.push(...page.logGroups.map((g) => g.logGroupName));
  }
  assert.deepEqual(names, ['/page/0', '/page/1', '/page/2', '/page/3', '/page/4']);
  await logs.send(new CreateLogStreamCommand({ logGroupName: '/page/0', logStreamName: 's' }));
  const t = Date.now();
  await logs.send(new PutLogEventsCommand({
    logGroupName: '/page/0', logStreamName: 's',
    logEvents: Array.from({ length: 7 }, (_, i) => ({ timestamp: t - 10 + i, message: `m${i}` })),
  }));
  const seen = [];
  for await (const page of paginateFilterLogEvents({ client: logs, pageSize: 3 }, { logGroupName: '/page/0' })) {
    seen.push(...page.events.map((e) => e.message));
  }
  assert.deepEqual(seen, ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
  const forward = [];
  for await (const page of paginateGetLogEvents({ client: logs, pageSize: 3, stopOnSameToken: true },
    { logGroupName: '/page/0', logStreamName: 's', startFromHead: true })) {
    forward.push(...page.events.map((e) => e.message));
  }
  assert.deepEqual(forward, ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
});

test('server-side validation reaches the JS SDK as modeled exceptions', async () => {
  await assert.rejects(logs.send(new CreateLogGroupCommand({ logGroupName: 'bad name' })),
    (e) => e instanceof InvalidParameterException && /regular expression pattern/.test(e.message));
  await assert.rejects(logs.send(new PutRetentionPolicyCommand({ logGroupName: '/node/app', retentionInDays: 2 })),
    (e) => e instanceof InvalidParameterException);
  await assert.rejects(logs.send(new PutLogEventsCommand({ logGroupName: '/node/app', logStreamName: 's', logEvents: [] })),
    (e) => e instanceof InvalidParameterException);
  const t = Date.now();
  await assert.rejects(logs.send(new PutLogEventsCommand({
    logGroupName: '/node/app', logStreamName: 's',
    logEvents: [{ timestamp: t, message: 'b' }, { timestamp: t - 1, message: 'a' }],
  })), (e) => e instanceof InvalidParameterException && /chronological order/.test(e.message));
  await assert.rejects(logs.send(new GetLogEventsCommand({ logGroupName: '/node/app', logStreamName: 'missing' })),
    (e) => e instanceof ResourceNotFoundException && e.message === 'The specified log stream does not exist.');
  await assert.rejects(logs.send(new FilterLogEventsCommand({ logGroupName: '/node/app', filterPattern: '{ $.a = ' })),
    (e) => e instanceof InvalidParameterException);
  await assert.rejects(logs.send(new PutMetricFilterCommand({
    logGroupName: '/node/app', filterName: 'f', filterPattern: '', metricTransformations: [],
  })), (e) => e instanceof InvalidParameterException);
});

test('Insights: StartQuery until Complete, and a MalformedQueryException with its location', async () => {
  const now = Math.floor(Date.now() / 1000);
  const { queryId } = await logs.send(new StartQueryCommand({
    logGroupName: '/node/app', startTime: now - 600, endTime: now + 60,
    queryString: 'stats count(*) as n by @logStream',
  }));
  let r;
  for (let i = 0; i < 100; i++) {
    r = await logs.send(new GetQueryResultsCommand({ queryId }));
    if (r.status === 'Complete') break;
    await sleep(20);
  }
  assert.equal(r.status, 'Complete');
  assert.deepEqual(r.results, [[{ field: '@logStream', value: 's' }, { field: 'n', value: '2' }]]);
  assert.equal(r.statistics.recordsMatched, 2);
  await assert.rejects(logs.send(new StartQueryCommand({
    logGroupName: '/node/app', startTime: 0, endTime: now, queryString: 'fields @message | limit x',
  })), (e) => e instanceof MalformedQueryException && e.queryCompileError.location.startCharOffset === 24);
});

test('TestMetricFilter and cleanup', async () => {
  const r = await logs.send(new TestMetricFilterCommand({
    filterPattern: '[lvl, code=4*, ...]', logEventMessages: ['WARN 404 x', 'INFO 200 y'],
  }));
  assert.deepEqual(r.matches.map((m) => m.eventNumber), [1]);
  assert.deepEqual(r.matches[0].extractedValues, { $lvl: 'WARN', $code: '404' });
  await logs.send(new DeleteLogGroupCommand({ logGroupName: '/node/app' }));
  await assert.rejects(logs.send(new DeleteLogGroupCommand({ logGroupName: '/node/app' })),
    (e) => e instanceof ResourceNotFoundException);
});
