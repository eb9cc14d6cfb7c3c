// Reconnection: the end of a body reestablishes the connection (error with CONNECTING, wait
// `retry`, request again with Last-Event-ID). In polling mode (a forced transport of the
// polyfill) the end of a body is the end of one batch: the page sees one open stream.

const section = 'reconnection';
const NO_POLLING = (ctx) => (ctx.transport === 'polling'
  ? 'in polling mode the end of a body is not a reconnection (no error by design)'
  : null);

/** The events of a /t/counter stream: ids 1..n in order, each data = its id. */
function checkCounter(ctx, messages, n, { prefix = '', type = 'message' } = {}) {
  ctx.eq(
    messages.slice(0, n).map((e) => [e.type, e.data, e.lastEventId]),
    Array.from({ length: n }, (_, i) => [type, `${prefix}${i + 1}`, String(i + 1)]),
    '[type, data, lastEventId] of the messages',
  );
}

/** Streaming: each drop shows as one error (CONNECTING) then one open. Polling: none. */
function checkDrops(ctx, rec, drops) {
  const pattern = rec.entries.filter((e) => e.type === 'open' || e.type === 'error').map((e) => `${e.type}:${e.readyState}`);
  if (ctx.transport === 'polling') {
    ctx.eq(pattern, ['open:1'], 'open/error events in polling mode (one stream, no error)');
  } else {
    const want = ['open:1'];
    for (let i = 0; i < drops; i++) want.push('error:0', 'open:1');
    ctx.eq(pattern.slice(0, want.length), want, 'open/error events (event:readyState)');
  }
}

export default [
  {
    id: 'recon-end-reestablishes',
    section,
    title: 'the end of the body: error with readyState CONNECTING, then a new open',
    skip: NO_POLLING,
    run: async (ctx) => {
      const es = ctx.open(ctx.script('retry: 50\ndata: x\n\n'));
      const rec = ctx.record(es);
      await rec.untilCount('message', 2);
      es.close();
      ctx.eq(rec.entries.slice(0, 5).map((e) => [e.type, e.readyState]), [['open', 1], ['message', 1], ['error', 0], ['open', 1], ['message', 1]], '[event, readyState]');
    },
  },
  {
    id: 'recon-retry-last-wins',
    section,
    title: 'retry sets the reconnection time; the last value wins',
    skip: NO_POLLING,
    run: async (ctx) => {
      // With retry 60000 in force the reconnection would not come within the case's bound.
      const es = ctx.open(ctx.script('retry: 60000\ndata: a\n\nretry: 50\ndata: b\n\n'));
      const rec = ctx.record(es);
      await rec.untilCount('open', 2);
    },
  },
  {
    id: 'recon-retry-delays',
    section,
    title: 'a long retry delays the reconnection (no request during the wait)',
    skip: NO_POLLING,
    run: async (ctx) => {
      const es = ctx.open(ctx.script('retry: 60000\ndata: a\n\n'));
      const rec = ctx.record(es);
      await rec.untilCount('error', 1);
      await ctx.quiet();
      ctx.eq(es.readyState, 0, 'readyState while waiting');
      ctx.eq((await ctx.log()).requests.length, 1, 'requests during the wait');
    },
  },
  {
    id: 'recon-resume-last-event-id',
    section,
    title: 'drops resume with Last-Event-ID: no lost and no repeated event',
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/counter', { count: 6, drop_after: 2, retry: 50 }));
      const rec = ctx.record(es);
      await rec.untilCount('message', 6);
      es.close();
      checkCounter(ctx, rec.of('message'), 6);
      checkDrops(ctx, rec, 2);
      const { requests } = await ctx.log();
      const sent = requests.slice(0, 3).map((r) => r.lastEventId ?? r.query.lastEventId ?? null);
      ctx.eq(sent, [null, '2', '4'], 'last event IDs the first three requests carried');
    },
  },
  {
    id: 'recon-resume-custom-type',
    section,
    title: 'resumption of a stream of custom-type events',
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/counter', { count: 4, drop_after: 1, retry: 50, type: 'tick', prefix: 't' }));
      const rec = ctx.record(es, ['tick']);
      await rec.untilCount('tick', 4);
      es.close();
      checkCounter(ctx, rec.of('tick'), 4, { prefix: 't', type: 'tick' });
      ctx.eq(rec.count('message'), 0, 'message events');
    },
  },
  {
    id: 'recon-many-drops',
    section,
    title: 'ten drops in a row: every event exactly once, in order',
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/counter', { count: 20, drop_after: 2, retry: 20 }));
      const rec = ctx.record(es);
      await rec.untilCount('message', 20);
      es.close();
      checkCounter(ctx, rec.of('message'), 20);
      checkDrops(ctx, rec, 9);
    },
  },
  {
    id: 'recon-partial-event-discarded',
    section,
    title: 'an event cut off by a drop is discarded, not completed by the next response',
    skip: NO_POLLING,
    run: async (ctx) => {
      const es = ctx.open(ctx.script('retry: 50\nid: 1\ndata: a\n\ndata: partial'));
      const rec = ctx.record(es);
      await rec.untilCount('message', 2);
      es.close();
      ctx.eq(rec.of('message').slice(0, 2).map((e) => [e.data, e.lastEventId]), [['a', '1'], ['a', '1']], '[data, lastEventId]');
    },
  },
  {
    id: 'recon-empty-responses',
    section,
    title: 'responses without events keep being retried',
    skip: NO_POLLING,
    run: async (ctx) => {
      const es = ctx.open(ctx.script('retry: 50\n\n'));
      const rec = ctx.record(es);
      await rec.untilCount('open', 3);
      es.close();
      ctx.eq(rec.messages().length, 0, 'messages');
    },
  },
  {
    id: 'recon-handlers-survive',
    section,
    title: 'handlers and listeners stay attached across reconnections',
    skip: NO_POLLING,
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/counter', { count: 3, drop_after: 1, retry: 50 }));
      const got = [];
      es.onmessage = (e) => got.push(`h${e.data}`);
      es.addEventListener('message', (e) => got.push(`l${e.data}`));
      const rec = ctx.record(es);
      await rec.untilCount('message', 3);
      es.close();
      ctx.eq(got, ['h1', 'l1', 'h2', 'l2', 'h3', 'l3'], 'calls');
    },
  },
];
