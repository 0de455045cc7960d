// logs.js - #/logs: log groups -> streams -> events, a CloudWatch filter-pattern box, the time
// range, and live tail over server-sent events (/api/v1/logs/events?follow=1). Trace ids in
// messages link to their traces.
import { h, replace, debounce } from './dom.js';
import { get, url } from './api.js';
import { rangePicker, fmtAgo, fmtCount, isRelative, DEFAULT_SINCE } from './time.js';
import { filterBox, loading, failure, empty } from './components.js';
import { logLine, ev } from './logline.js';
import { whenRealTime } from './settle.js';

// Stored sizes in B, KB, MB, GB (1,000-based like CloudWatch's console): "8.8 KB", not "8.8k B".
function fmtBytes(n) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = Number(n) || 0;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

const LIMIT = 500;
const MAX_TAIL = 5000;

const pick = (o, ...keys) => {
  for (const k of keys) if (o && o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
};
const listOf = (res, ...keys) => (Array.isArray(res) ? res : pick(res, ...keys) || []);
const groupName = (g) => (typeof g === 'string' ? g : pick(g, 'name', 'group', 'log_group', 'logGroupName') || '');
const streamName = (s) => (typeof s === 'string' ? s : pick(s, 'name', 'stream', 'log_stream', 'logStreamName') || '');

export function mount(root, params, ctx) {
  const group = params.group || '';
  const stream = params.stream || '';
  const pattern = params.pattern || '';
  const since = params.since || DEFAULT_SINCE;
  const until = params.until || '';
  let follow = params.tail === '1';
  let aborted = false;
  const shown = new Set(); // ids of the events on screen, so the tail's catch-up adds no twins
  let source = null;
  let count = 0;

  const go = (p) => ctx.navigate('/logs', { group, stream, pattern, since, until, tail: follow ? '1' : '', ...p });
  const fb = filterBox({
    value: pattern,
    label: 'Filter pattern',
    placeholder: 'CloudWatch filter pattern, e.g. ERROR, "order created", { $.level = "ERROR" }',
    onSubmit: (v) => go({ pattern: v }),
    examples: ['ERROR', '{ $.level = "INFO" }', '"not authorized"'],
  });
  const tailBtn = h('button', { type: 'button', class: ['btn', 'tail', follow ? 'active' : ''], 'aria-pressed': String(follow), onclick: () => go({ tail: follow ? '' : '1' }) }, h('i', { class: 'tail-dot', 'aria-hidden': 'true' }), follow ? 'Tailing' : 'Live tail');
  const groupsEl = h('nav', { class: 'panel logs-groups', 'aria-label': 'Log groups' }, loading());
  const streamsEl = h('nav', { class: 'panel logs-streams', 'aria-label': 'Log streams' });
  const head = h('div', { class: 'panel-head' });
  const list = h('div', { class: 'log-list', role: 'list', 'aria-live': follow ? 'polite' : 'off' });
  const eventsEl = h('section', { class: 'panel logs-events' }, head, list);
  root.append(
    h(
      'section',
      { class: 'page page-logs' },
      h('div', { class: 'toolbar' }, h('h1', null, 'Logs'), h('div', { class: 'grow' }, fb.el), rangePicker(since, until, (r) => go(r)), tailBtn),
      h('div', { class: 'logs-layout' }, groupsEl, streamsEl, eventsEl)
    )
  );

  async function loadGroups() {
    let res;
    try {
      res = await get('logs/groups');
    } catch (e) {
      if (!aborted) replace(groupsEl, h('h2', null, 'Log groups'), failure(e));
      replace(list, empty('Logs are not available', e.message));
      return;
    }
    if (aborted) return;
    const groups = listOf(res, 'groups', 'log_groups', 'logGroups');
    if (!group && groups.length) {
      ctx.navigate('/logs', { ...params, group: groupName(groups[0]) }, { replace: true });
      return;
    }
    replace(
      groupsEl,
      h('h2', null, 'Log groups', h('span', { class: 'count' }, String(groups.length))),
      groups.length
        ? h(
            'ul',
            { class: 'nav-list' },
            groups.map((g) => {
              const name = groupName(g);
              const n = pick(g, 'events', 'event_count', 'stored_events');
              const bytes = pick(g, 'stored_bytes', 'storedBytes');
              return h(
                'li',
                null,
                h(
                  'a',
                  { href: ctx.href('/logs', { group: name, pattern, since, until }), 'aria-current': name === group ? 'true' : null, title: name },
                  h('span', { class: 'nav-name' }, name),
                  n !== undefined ? h('span', { class: 'nav-meta' }, `${fmtCount(n)} events`) : bytes !== undefined ? h('span', { class: 'nav-meta' }, fmtBytes(bytes)) : null
                )
              );
            })
          )
        : empty('No log groups', 'PutLogEvents creates them.')
    );
    if (group) loadStreams();
  }

  async function loadStreams() {
    replace(streamsEl, h('h2', null, 'Streams'), loading());
    let res;
    try {
      res = await get('logs/streams', { group });
    } catch (e) {
      if (!aborted) replace(streamsEl, h('h2', null, 'Streams'), failure(e));
      return;
    }
    if (aborted) return;
    const streams = listOf(res, 'streams', 'log_streams', 'logStreams');
    replace(
      streamsEl,
      h('h2', null, 'Streams', h('span', { class: 'count' }, String(streams.length))),
      h(
        'ul',
        { class: 'nav-list' },
        h('li', null, h('a', { href: ctx.href('/logs', { group, pattern, since, until, tail: follow ? '1' : '' }), 'aria-current': !stream ? 'true' : null }, h('span', { class: 'nav-name' }, 'All streams'))),
        streams.map((st) => {
          const name = streamName(st);
          const lastT = pick(st, 'last_event_time', 'last_event_timestamp', 'lastEventTimestamp', 'last_ingestion_time');
          const lt = lastT > 1e11 ? lastT / 1000 : lastT;
          return h(
            'li',
            null,
            h(
              'a',
              { href: ctx.href('/logs', { group, stream: name, pattern, since, until, tail: follow ? '1' : '' }), 'aria-current': name === stream ? 'true' : null, title: name },
              h('span', { class: 'nav-name mono' }, name),
              Number.isFinite(lt) ? h('span', { class: 'nav-meta' }, `last event ${fmtAgo(lt)}`) : null
            )
          );
        })
      )
    );
  }

  function setHead(extra) {
    replace(
      head,
      h('h2', null, group || 'Events', stream ? h('span', { class: 'muted' }, ` / ${stream}`) : null),
      h('span', { class: 'muted small' }, extra)
    );
  }

  async function loadEvents() {
    if (!group) {
      setHead('');
      replace(list, empty('Pick a log group'));
      return;
    }
    setHead('');
    let res;
    try {
      res = await get('logs/events', { group, stream, pattern, since, until, limit: LIMIT });
    } catch (e) {
      if (aborted) return;
      if (e.position >= 0 || /pattern/i.test(e.code + e.message)) {
        fb.showError(e);
        replace(list, empty('Fix the filter pattern to see events'));
      } else {
        replace(list, failure(e));
      }
      return;
    }
    if (aborted) return;
    fb.clearError();
    const events = listOf(res, 'events', 'log_events', 'logEvents');
    events.sort((a, b) => ev.time(a) - ev.time(b));
    count = events.length;
    shown.clear();
    for (const e of events) if (e && e.id) shown.add(e.id);
    setHead(`${count}${res.next_token ? '+' : ''} events${pattern ? ' matching' : ''}`);
    const showGroup = false;
    replace(
      list,
      events.length
        ? events.map((e) => logLine(e, ctx, { showGroup }))
        : empty(pattern ? 'No events match this pattern' : 'No events in this time range', follow ? 'New events will appear here as they arrive.' : null)
    );
    if (follow) {
      list.scrollTop = list.scrollHeight;
      // A tail never ends: opened in real time only, so headless screenshots settle (settle.js).
      whenRealTime().then(() => {
        if (!aborted) startTail();
      });
    }
  }

  function startTail() {
    if (source) return;
    source = new EventSource(url('logs/events', { group, stream, pattern, follow: 1 }));
    const onData = (msg) => {
      let data;
      try {
        data = JSON.parse(msg.data);
      } catch {
        return;
      }
      append(Array.isArray(data) ? data : data && (data.events || data.log_events) ? data.events || data.log_events : [data]);
    };
    // The tail opens a moment after the first page of events (settle.js): fetch once more when it
    // is open, so events that arrived in between are shown too (each event id once).
    const catchUp = async () => {
      try {
        const res = await get('logs/events', { group, stream, pattern, since, until, limit: LIMIT });
        if (!aborted) append(listOf(res, 'events', 'log_events', 'logEvents').sort((a, b) => ev.time(a) - ev.time(b)));
      } catch {
        // the tail itself goes on; a failed catch-up only misses what it would have added
      }
    };
    const append = (events) => {
      const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 40;
      const placeholder = list.querySelector('.state');
      if (placeholder) placeholder.remove();
      for (const e of events) {
        if (!e || ev.message(e) === '' || (e.id && shown.has(e.id))) continue;
        if (e.id) shown.add(e.id);
        const row = logLine(e, ctx, { showGroup: false });
        row.classList.add('fresh');
        list.append(row);
        count += 1;
      }
      while (list.children.length > MAX_TAIL) list.firstChild.remove();
      setHead(`${count} events · tailing`);
      if (atBottom) list.scrollTop = list.scrollHeight;
    };
    for (const name of ['message', 'event', 'log', 'events']) source.addEventListener(name, onData);
    source.addEventListener('open', catchUp, { once: true });
    // The server greets every stream with `hello` once it is following: from then on nothing
    // committed is missed, which is what data-state="on" tells a reader (and the UI tests).
    source.addEventListener('hello', () => {
      tailBtn.dataset.state = 'on';
    });
    source.addEventListener('error', () => {
      delete tailBtn.dataset.state;
      setHead(`${count} events · tail reconnecting…`);
    });
  }

  loadGroups();
  if (group) loadEvents();
  const refresh = debounce(() => {
    if (!follow) loadEvents();
    loadStreams();
  }, 600);
  return {
    unmount() {
      aborted = true;
      if (source) source.close();
    },
    onLive(what) {
      if (what.logs && group && isRelative(since) && !until) refresh();
    },
  };
}
