// Dev helper only (not used by the tests): serves fluoro's UI/API on PORT and answers the
// /api/v1/logs/* reads through the CloudWatch Logs API, to look at the logs page before the
// native endpoints exist. node tests/dev-logs-proxy.mjs <fluoro-url> <port>
import http from 'node:http';
const [UP = 'http://127.0.0.1:18080', PORT = '18090'] = process.argv.slice(2);
const cw = async (op, body) => (await fetch(`${UP}/`, { method: 'POST', headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `Logs_20140328.${op}` }, body: JSON.stringify(body) })).json();
// Until the Logs reads exist, the demo's own log lines (shifted like the demo traces) stand in.
import { readFileSync } from 'node:fs';
let demo = null;
async function demoEvents() {
  if (demo) return demo;
  const lines = readFileSync(new URL('../../fixtures/demo.jsonl', import.meta.url), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const traces = (await (await fetch(`${UP}/api/v1/traces?since=0&limit=1000`)).json()).traces;
  const bySuffix = new Map(traces.map((t) => [t.trace_id.slice(11), t]));
  let delta = 0;
  for (const l of lines) {
    const t = l.trace_id && bySuffix.get(l.trace_id.slice(11));
    if (t && !l.parent_id) { delta = t.start_time - l.start_time; break; }
  }
  demo = lines.filter((l) => l.log).map((l) => ({ group: l.log.group, stream: l.log.stream, timestamp: l.log.timestamp + delta * 1000, message: l.log.message.replace(/1-[0-9a-f]{8}-([0-9a-f]{24})/g, (m, s) => (bySuffix.get(s) || { trace_id: m }).trace_id) }));
  return demo;
}
http.createServer(async (req, res) => {
  const u = new URL(req.url, 'http://x');
  const send = (o) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(o)); };
  const q = (k) => u.searchParams.get(k) || undefined;
  if (process.env.DEMO_LOGS) {
    const ev = await demoEvents();
    const m2 = /^\/api\/v1\/traces\/([^/]+)\/logs$/.exec(u.pathname);
    if (u.pathname === '/api/v1/logs/groups') return send({ groups: [...new Set(ev.map((e) => e.group))].map((name) => ({ name, events: ev.filter((e) => e.group === name).length })) });
    if (u.pathname === '/api/v1/logs/streams') return send({ streams: [...new Set(ev.filter((e) => e.group === q('group')).map((e) => e.stream))].map((name) => ({ name, last_event_time: Math.max(...ev.filter((e) => e.stream === name).map((e) => e.timestamp)) })) });
    if (u.pathname === '/api/v1/logs/events') return send({ events: ev.filter((e) => e.group === q('group') && (!q('stream') || e.stream === q('stream')) && (!q('pattern') || e.message.includes(q('pattern').replace(/"/g, '')))) });
    if (m2) return send({ events: ev.filter((e) => e.message.includes(m2[1])) });
  }
  if (u.pathname === '/api/v1/logs/groups') return send({ groups: ((await cw('DescribeLogGroups', {})).logGroups || []).map((g) => ({ name: g.logGroupName, stored_bytes: g.storedBytes })) });
  if (u.pathname === '/api/v1/logs/streams') return send({ streams: ((await cw('DescribeLogStreams', { logGroupName: q('group') })).logStreams || []).map((s) => ({ name: s.logStreamName, last_event_time: s.lastEventTimestamp })) });
  const m = /^\/api\/v1\/traces\/([^/]+)\/logs$/.exec(u.pathname);
  if (u.pathname === '/api/v1/logs/events' || m) {
    const groups = m ? ((await cw('DescribeLogGroups', {})).logGroups || []).map((g) => g.logGroupName) : [q('group')];
    const events = [];
    for (const g of groups) {
      const r = await cw('FilterLogEvents', { logGroupName: g, ...(q('stream') ? { logStreamNames: [q('stream')] } : {}), ...(m ? { filterPattern: `"${m[1]}"` } : q('pattern') ? { filterPattern: q('pattern') } : {}) });
      for (const e of r.events || []) events.push({ group: g, stream: e.logStreamName, timestamp: e.timestamp, message: e.message });
    }
    return send({ events });
  }
  const up = await fetch(`${UP}${req.url}`, { method: req.method, headers: { accept: req.headers.accept || '*/*' } });
  res.writeHead(up.status, { 'Content-Type': up.headers.get('content-type') || 'text/plain' });
  if (up.body) for await (const chunk of up.body) res.write(chunk);
  res.end();
}).listen(Number(PORT), '127.0.0.1');
