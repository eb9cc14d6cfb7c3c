// Long waits are waited as they are. Timer APIs take a 32-bit delay: 4294967296 ms becomes 0,
// 4294967297 becomes 1, 99999999999 becomes about 14 days; an implementation that hands such a
// value to setTimeout as it is reconnects at once. Each case watches the server during an
// absence window: no second request may arrive.

const NO_POLLING = (ctx) => (ctx.transport === 'polling'
  ? 'in polling mode the end of a body is not a reconnection (the next poll goes out at once by design)'
  : null);

const HUGE = [
  ['2pow32', '4294967296'],
  ['2pow32-plus1', '4294967297'],
  ['99999999999', '99999999999'],
];

const retryCase = ([name, value]) => ({
  id: `recon-retry-huge-${name}`,
  section: 'reconnection',
  title: `retry: ${value} is waited: the end of the body is followed by no request during an absence window`,
  skip: NO_POLLING,
  run: async (ctx) => {
    const es = ctx.open(ctx.script(`retry: ${value}\ndata: x\n\n`));
    const rec = ctx.record(es);
    await rec.untilCount('error', 1);
    await ctx.quiet();
    const seen = rec.entries.map((e) => `${e.type}:${e.readyState}`);
    ctx.eq([seen.length, seen.slice(0, 5)], [3, ['open:1', 'message:1', 'error:0']], '[number of events, the first (type:readyState)]');
    ctx.eq(es.readyState, 0, 'readyState while waiting');
    ctx.eq((await ctx.log()).requests.length, 1, 'requests the server saw');
  },
});

const heartbeatCase = ([name, value]) => ({
  id: `ext-heartbeat-huge-${name}`,
  section: 'extensions',
  polyfillOnly: true,
  title: `heartbeatTimeout: ${value} is waited: a quiet open stream is not dropped during an absence window`,
  skip: NO_POLLING,
  run: async (ctx) => {
    const es = ctx.open(ctx.script(':\n', { hold: true }), { heartbeatTimeout: Number(value) });
    const rec = ctx.record(es);
    await rec.untilCount('open', 1);
    await ctx.quiet();
    ctx.eq(rec.entries.map((e) => `${e.type}:${e.readyState}`), ['open:1'], 'events (type:readyState)');
    ctx.eq((await ctx.log()).requests.length, 1, 'requests the server saw');
  },
});

export default [
  ...HUGE.map(retryCase),
  ...HUGE.map(heartbeatCase),
  {
    id: 'ext-backoff-max-huge',
    section: 'extensions',
    polyfillOnly: true,
    title: 'backoff: a wait capped at max 4294967296 ms is waited (no third request during an absence window)',
    skip: NO_POLLING,
    run: async (ctx) => {
      // Response 1 brings an event and sets retry 50; response 2 (resumed after id 1) is empty:
      // one failed attempt, so the next wait is min(50 × 10^12, 4294967296) ms.
      const url = ctx.url('/t/counter', { count: 1, end: 1, prefix: 'x\nretry: 50\n' });
      const es = ctx.open(url, { backoff: { max: 4294967296, factor: 1e12 } });
      const rec = ctx.record(es);
      await rec.untilCount('error', 2);
      await ctx.quiet();
      ctx.eq((await ctx.log()).requests.length, 2, 'requests the server saw');
      ctx.eq(es.readyState, 0, 'readyState while waiting');
    },
  },
];
