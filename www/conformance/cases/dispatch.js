// Dispatch: each event in its own task (the microtasks a listener queued run before the next
// event of the same chunk), and event handler attributes holding a non-callable object.

const section = 'api';

/** Three events written in one chunk, the response then held open. */
function threeInOneChunk(ctx) {
  return ctx.script('data: a\n\ndata: b\n\ndata: c\n\n', { hold: true });
}

const closeAfterAwait = (id, hops, title) => ({
  id,
  section,
  title,
  run: async (ctx) => {
    const es = ctx.open(threeInOneChunk(ctx));
    const seen = [];
    es.onmessage = async (e) => {
      seen.push(e.data);
      for (let i = 0; i < hops; i++) await null;
      if (e.data === 'a') es.close();
    };
    await ctx.nextEvent(es, 'message');
    await ctx.quiet();
    ctx.eq(seen, ['a'], 'messages dispatched');
    ctx.eq(es.readyState, 2, 'readyState');
  },
});

export default [
  closeAfterAwait('api-task-per-event-await-close', 1, 'onmessage = async e => { await null; close() on "a" }: of a, b, c in one chunk only a is dispatched'),
  closeAfterAwait('api-task-per-event-await-twice-close', 2, 'onmessage = async e => { await null; await null; close() on "a" }: of a, b, c in one chunk only a is dispatched'),
  {
    id: 'api-task-per-event-microtasks',
    section,
    title: 'microtasks a listener queued (queueMicrotask, Promise.then) run before the next event of the same chunk',
    run: async (ctx) => {
      const es = ctx.open(threeInOneChunk(ctx));
      const log = [];
      es.addEventListener('message', (e) => {
        log.push(e.data);
        queueMicrotask(() => log.push(`q${e.data}`));
        Promise.resolve().then(() => log.push(`p${e.data}`));
      });
      const rec = ctx.record(es);
      await rec.untilCount('message', 3);
      await ctx.quiet(50);
      ctx.eq(log, ['a', 'qa', 'pa', 'b', 'qb', 'pb', 'c', 'qc', 'pc'], 'order of listener calls and microtasks');
    },
  },
  {
    id: 'api-handler-non-callable-stored',
    section,
    title: 'onmessage = a non-callable object: stored and returned; the other listeners still run',
    run: async (ctx) => {
      const es = ctx.open(ctx.script('data: n\n\n', { hold: true }));
      const handler = { handleEvent() { throw new Error('handleEvent of an event handler attribute must not be called'); } };
      es.onmessage = handler;
      ctx.assert(es.onmessage === handler, 'onmessage does not return the object set');
      const swallow = (ev) => ev.preventDefault();
      window.addEventListener('error', swallow);
      try {
        const calls = [];
        es.addEventListener('message', (e) => calls.push(e.data));
        await ctx.nextEvent(es, 'message');
        await ctx.quiet(50);
        ctx.eq(calls, ['n'], 'calls of the other listener');
        ctx.assert(es.onmessage === handler, 'onmessage changed after the event');
      } finally {
        window.removeEventListener('error', swallow);
      }
    },
  },
  {
    id: 'api-handler-non-callable-ignored',
    section,
    title: 'onmessage = a non-callable object: calling it does nothing (Web IDL: not callable, undefined); nothing is reported',
    run: async (ctx) => {
      // Web IDL's "invoke a callback function": when IsCallable(F) is false (only possible for
      // [LegacyTreatNonObjectAsNull] callbacks such as EventHandler) the result is undefined;
      // no TypeError is thrown, so none is reported.
      const es = ctx.open(ctx.script('data: n\n\n', { hold: true }));
      es.onmessage = {};
      const reported = [];
      const onError = (ev) => {
        reported.push(ev.error && ev.error.constructor ? `${ev.error.constructor.name}: ${ev.error.message}` : String(ev.message));
        ev.preventDefault();
      };
      window.addEventListener('error', onError);
      try {
        await ctx.nextEvent(es, 'message');
        await ctx.quiet(50);
      } finally {
        window.removeEventListener('error', onError);
      }
      ctx.eq(reported, [], 'errors reported to the window');
    },
  },
];
