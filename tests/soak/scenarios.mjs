// The reliability scenarios, shared by the quick end-to-end tests (tests/e2e/reliability.test.mjs,
// small counts) and the soak (tests/soak/run.mjs, large counts). Each returns a result:
//
//   { fault, tried, lost, repeated, memory: {...}, problems: [string], details: {...} }
//
// `problems` lists every violated expectation (empty = pass); the callers assert on it or
// tabulate it. Every wait is bounded; none is a fixed sleep standing in for an event.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startServer } from '../e2e/harness.mjs';
import {
  WAIT, MiB, mib, openPage, clients, waitClients, logged, scriptUrl, bin, startServerWithExtraPorts,
} from './lib.mjs';

const STATS_TYPES = ['connections', 'requests', 'uptime', 'load', 'memory'];
/** The reconnection time the /stats server announces in the kill/restart scenario. */
const RETRY_MS = 300;

function result(fault, extra = {}) {
  return { fault, tried: 0, lost: 0, repeated: 0, memory: {}, problems: [], details: {}, ...extra };
}

/** Heap after a full GC, in bytes (null without --enable-precise-memory-info). */
function heap(page) {
  return page.evaluate(() => window.rel.heap());
}

async function settle(page, r, what) {
  const s = await page.evaluate(() => window.rel.settle());
  if (!s.live.every((n) => n === 0)) r.problems.push(`${what}: liveResources() is [${s.live}] after close, not [0,0,0]`);
  return s;
}

async function checkClientsGone(origin, r, what) {
  const c = await waitClients(origin, (x) => x.streams === 0);
  if (c.streams !== 0) r.problems.push(`${what}: the server still has ${c.streams} open streams after close`);
}

/**
 * Splits a watch's open/error sequence into outages and checks each against the standard:
 * OPEN -> one `error` with readyState CONNECTING (and no message) -> `open` with readyState OPEN.
 * More than one `error` in an outage is allowed only for attempts made while the server was
 * down (dispatched before `readyAt`, give or take half the reconnection time): the standard fires
 * `error` for each failed attempt. They are counted (`errorsWhileServerDown`), not hidden.
 */
function checkOutages(seq, outages, r, label) {
  let extraErrors = 0;
  for (let n = 0; n < outages.length; n++) {
    const o = outages[n];
    const end = n + 1 < outages.length ? outages[n + 1].seqStart : seq.length;
    const part = seq.slice(o.seqStart, end);
    const where = `${label} restart ${n + 1}`;
    if (part.length < 2) {
      r.problems.push(`${where}: expected error then open, saw ${JSON.stringify(part)}`);
      continue;
    }
    const errors = part.slice(0, -1);
    const last = part[part.length - 1];
    if (last.k !== 'open' || last.rs !== 1) r.problems.push(`${where}: did not end with open/OPEN: ${JSON.stringify(part)}`);
    if (errors[0].k !== 'error' || errors[0].t < o.killAt) r.problems.push(`${where}: first entry is not an error after the kill: ${JSON.stringify(part)}`);
    for (const [i, e] of errors.entries()) {
      if (e.k !== 'error') r.problems.push(`${where}: ${e.k} while reconnecting: ${JSON.stringify(part)}`);
      else if (e.rs !== 0) r.problems.push(`${where}: error with readyState ${e.rs}, not CONNECTING`);
      else if (e.msg) r.problems.push(`${where}: reconnection error carries a message (${e.msg})`);
      else if (i > 0) {
        // A refused attempt's error is dispatched a moment after the refusal, and Node reads
        // the READY line a moment after the listener is up: half the reconnection time (the
        // attempts are that far apart at least twice over) separates the two cases.
        if (e.t <= o.readyAt + RETRY_MS / 2) extraErrors += 1;
        else r.problems.push(`${where}: a second error after the server was back (${e.t - o.readyAt} ms after READY)`);
      }
    }
  }
  return extraErrors;
}

/**
 * 1. The server SIGKILLed and restarted mid-stream `restarts` times while a page listens to
 * /stats (journal in --state-file): every event once, in order; readyState as the standard says.
 */
export async function killRestart(browser, { transport = 'fetch', restarts = 3, eventsBetween = 8 } = {}) {
  const r = result(`SIGKILL + restart mid-stream (${transport})`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esw-kill-'));
  const server = await startServer({
    name: `kill-${transport}`,
    args: ['--state-file', path.join(dir, 'stats.journal'), '--stats-interval-ms', '40', '--retry-ms', String(RETRY_MS), '--poll-wait-ms', '2000'],
  });
  const { context, page, errors } = await openPage(browser, server.origin);
  try {
    const i = await page.evaluate(([url, transport, types]) => {
      const i = window.rel.watch(url, { transport });
      window.rel.watches[i].listen(...types);
      return i;
    }, [`${server.origin}/stats`, transport, STATS_TYPES]);
    const outages = [];
    let heapStart = null;
    for (let n = 0; n < restarts; n++) {
      await page.waitForFunction(([i, k]) => {
        const w = window.rel.watches[i];
        return w.es.readyState === 1 && w.log.sinceOpen >= k;
      }, [i, eventsBetween], WAIT);
      if (heapStart === null) heapStart = await heap(page);
      const before = await page.evaluate((i) => window.rel.snapshot(i), i);
      const killAt = Date.now();
      await server.kill();
      await server.restart();
      const readyAt = Date.now();
      outages.push({ killAt, readyAt, seqStart: before.seq.length });
      r.tried += 1;
      await page.waitForFunction(([i, opens]) => {
        const w = window.rel.watches[i];
        return w.log.opens > opens && w.log.sinceOpen >= 3;
      }, [i, before.opens], WAIT);
    }
    await page.waitForFunction(([i, k]) => window.rel.watches[i].log.sinceOpen >= k, [i, eventsBetween], WAIT);
    const heapEnd = await heap(page);
    const s = await page.evaluate((i) => window.rel.snapshot(i), i);
    await page.evaluate((i) => window.rel.close(i), i);
    await settle(page, r, 'after the restarts');
    r.lost = s.lost;
    r.repeated = s.repeated;
    if (s.breaks.length) r.problems.push(`id breaks (last, next): ${JSON.stringify(s.breaks)}`);
    if (s.seq[0]?.k !== 'open' || s.seq[0]?.rs !== 1) r.problems.push(`did not start with open: ${JSON.stringify(s.seq.slice(0, 3))}`);
    const extra = checkOutages(s.seq, outages, r, transport);
    r.memory = { heapStartMiB: mib(heapStart), heapEndMiB: mib(heapEnd), growthMiB: mib(heapEnd - heapStart) };
    r.details = { events: s.messages, firstId: s.idFirst, lastId: s.idLast, opens: s.opens, errors: s.errors, errorsWhileServerDown: extra };
    if (errors.length) r.problems.push(`page errors: ${errors.join('; ')}`);
  } finally {
    await context.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return r;
}

/**
 * 2. A stalled connection (/t/counter?stall_after=K): with heartbeatTimeout the client
 * reconnects (error, open) and resumes after K; without it, it waits (no error while the
 * heartbeat source reconnects `stalls` times), then closes cleanly.
 */
export async function stall(browser, server, { stalls = 2, k = 5, heartbeat = 300 } = {}) {
  const r = result('stalled stream (heartbeatTimeout)');
  const count = k * (stalls + 1);
  const { context, page, errors } = await openPage(browser, server.origin);
  try {
    const base = `${server.origin}/t/counter?count=${count}&stall_after=${k}&retry=50`;
    const [hb, plain] = await page.evaluate(([base, heartbeat]) => [
      window.rel.watch(`${base}&key=stall-hb`, { heartbeatTimeout: heartbeat }),
      window.rel.watch(`${base}&key=stall-plain`, {}),
    ], [base, heartbeat]);
    const heapStart = await heap(page);
    await page.waitForFunction(([i, n]) => window.rel.watches[i].log.messages >= n, [hb, count], WAIT);
    r.tried = stalls;
    const a = await page.evaluate((i) => window.rel.snapshot(i), hb);
    const b = await page.evaluate((i) => window.rel.snapshot(i), plain);
    r.lost = a.lost + (a.idFirst === 1 ? 0 : 1) + Math.max(0, count - a.idLast);
    r.repeated = a.repeated;
    if (a.breaks.length) r.problems.push(`heartbeat source: id breaks ${JSON.stringify(a.breaks)}`);
    // open, then per stall: error (CONNECTING, no message), open.
    const seq = a.seq.slice(0, 1 + 2 * stalls);
    const want = [{ k: 'open', rs: 1 }];
    for (let s = 0; s < stalls; s++) want.push({ k: 'error', rs: 0 }, { k: 'open', rs: 1 });
    const got = seq.map((e) => ({ k: e.k, rs: e.rs }));
    if (JSON.stringify(got) !== JSON.stringify(want)) r.problems.push(`heartbeat source: sequence ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    if (seq.some((e) => e.msg)) r.problems.push('heartbeat source: a reconnection error carries a message');
    const requests = await logged(server.origin, 'stall-hb');
    const resumed = requests.slice(1, 1 + stalls).map((q) => q.lastEventId);
    const wantIds = Array.from({ length: stalls }, (_, s) => String(k * (s + 1)));
    if (JSON.stringify(resumed) !== JSON.stringify(wantIds)) r.problems.push(`heartbeat source resumed with Last-Event-ID ${JSON.stringify(resumed)}, want ${JSON.stringify(wantIds)}`);
    // Without a heartbeat: still OPEN with K events, no error, one request.
    if (b.errors !== 0 || b.readyState !== 1 || b.messages !== k) {
      r.problems.push(`without heartbeat: ${b.errors} errors, readyState ${b.readyState}, ${b.messages} events (want 0, OPEN, ${k})`);
    }
    const plainRequests = await logged(server.origin, 'stall-plain');
    if (plainRequests.length !== 1) r.problems.push(`without heartbeat: ${plainRequests.length} requests, want 1`);
    await page.evaluate(() => window.rel.closeAll());
    await settle(page, r, 'stall');
    await checkClientsGone(server.origin, r, 'stall');
    const heapEnd = await heap(page);
    r.memory = { growthMiB: mib(heapEnd - heapStart) };
    r.details = { heartbeatErrors: a.errors, heartbeatOpens: a.opens, events: a.messages };
    if (errors.length) r.problems.push(`page errors: ${errors.join('; ')}`);
  } finally {
    await context.close();
  }
  return r;
}

/** The one-byte split list for /t/script: 1,2,...,n-1. */
function everyByte(n) {
  return Array.from({ length: n - 1 }, (_, i) => i + 1).join(',');
}

/** Small hostile streams with known events (checked exactly). */
function smallCases(origin) {
  const oneByte = bin('id: 1\ndata: \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n\nevent: t\ndata: x\r\n\r\n');
  return [
    {
      name: 'invalid UTF-8',
      url: scriptUrl(origin, bin('data: a\xffb\xc3(\xe2\x82\n\n')),
      want: [['message', 'a\ufffdb\ufffd(\ufffd', '']],
    },
    {
      name: 'NUL bytes',
      url: scriptUrl(origin, bin('data: a\x00b\n\nid: 7\x00\ndata: c\n\nid: 8\ndata: \x00\n\n:\x00\n')),
      want: [['message', 'a\0b', ''], ['message', 'c', ''], ['message', '\0', '8']],
    },
    {
      name: 'CR-only line ends',
      url: scriptUrl(origin, bin('data: a\rdata: b\r\rid: 3\rdata: c\r\r: x\rdata: d\r\r')),
      want: [['message', 'a\nb', ''], ['message', 'c', '3'], ['message', 'd', '3']],
    },
    {
      name: 'one-byte chunks',
      url: scriptUrl(origin, oneByte, `split=${everyByte(oneByte.length)}&delay=1`),
      want: [['message', '\u00e9\u20ac\u{1F600}', '1'], ['t', 'x', '1']],
      types: ['t'],
    },
  ];
}

/**
 * 3. Hostile streams: exact events for the small ones; for the big ones no crash, no hang, the
 * expected outcome, bounded JS heap and (build=src) bounded wasm memory.
 */
export async function hostile(browser, server, { corpusDir, million = 1_000_000, giantSize = 100 * MiB, repeat = 1 } = {}) {
  const results = [];
  const { context, page, errors } = await openPage(browser, server.origin, { build: 'src' });
  const wasm0 = await page.evaluate(() => window.rel.wasmMemory());
  try {
    // Small exact cases.
    for (const c of smallCases(server.origin)) {
      const r = result(`hostile: ${c.name}`);
      for (let n = 0; n < repeat; n++) {
        const i = await page.evaluate(([url, types]) => {
          const i = window.rel.watch(url, {}, { keep: 10, numericIds: false });
          if (types) window.rel.watches[i].listen(...types);
          return i;
        }, [c.url, c.types ?? []]);
        await page.waitForFunction(([i, n]) => window.rel.watches[i].log.messages >= n, [i, c.want.length], WAIT);
        const s = await page.evaluate((i) => window.rel.snapshot(i), i);
        await page.evaluate((i) => window.rel.close(i), i);
        r.tried += 1;
        if (JSON.stringify(s.kept) !== JSON.stringify(c.want)) {
          r.problems.push(`events ${JSON.stringify(s.kept)}, want ${JSON.stringify(c.want)}`);
          r.lost += Math.max(0, c.want.length - s.kept.length);
        }
      }
      await settle(page, r, c.name);
      results.push(r);
    }

    // The big ones: outcome, JS heap (peak while it runs, growth after), wasm memory.
    const big = [
      {
        name: `one ${mib(giantSize)} MiB line, default maxEventSize`,
        url: `${server.origin}/t/giant?size=${giantSize}`,
        options: {},
        until: 'error',
        expect: (s) => (s.readyState === 2 && s.messages === 0 && s.seq.at(-1)?.k === 'error' && s.seq.at(-1)?.rs === 2
          && /maxEventSize/.test(s.seq.at(-1)?.msg ?? '') ? null : 'want error, CLOSED, a message naming maxEventSize, no event'),
        // Bounded by the limit, not by the line. Loosely: the line buffer grows by doubling (its
        // capacity can reach almost 2 x maxEventSize) and each growth copies into a new block
        // while the freed smaller ones can't be reused, so up to ~4 x maxEventSize of linear
        // memory is seen (33-67 MiB here). The tighter bound is the failing test "BUG: one
        // oversized line ..." in tests/e2e/reliability.test.mjs.
        wasmBound: 4.5 * 16 * MiB + 4 * MiB,
      },
      {
        name: `one ${mib(giantSize)} MiB line, maxEventSize 64 KiB`,
        url: `${server.origin}/t/giant?size=${giantSize}`,
        options: { maxEventSize: 65536 },
        until: 'error',
        expect: (s) => (s.readyState === 2 && s.messages === 0 && s.seq.at(-1)?.rs === 2
          && /maxEventSize/.test(s.seq.at(-1)?.msg ?? '') ? null : 'want error, CLOSED, a message naming maxEventSize, no event'),
        wasmBound: 4 * MiB,
      },
      {
        name: 'a line that never ends (8 MiB, then the body ends)',
        url: `${server.origin}/t/giant?size=${8 * MiB}`,
        options: {},
        until: 'error',
        expect: (s) => (s.messages === 0 && s.seq.at(-1)?.k === 'error' && s.seq.at(-1)?.rs === 0 && !s.seq.at(-1)?.msg
          ? null : 'want no event, then error with CONNECTING (reconnect) and no message'),
        wasmBound: 4.5 * 8 * MiB + 4 * MiB,
      },
    ];
    if (corpusDir) {
      const unit = 'data: a\n\n';
      fs.writeFileSync(path.join(corpusDir, 'million'), unit.repeat(million));
      big.push({
        name: `${million} tiny events in one body (/t/corpus)`,
        url: `${server.origin}/t/corpus/million`,
        options: {},
        until: 'error',
        expect: (s) => (s.messages === million && s.lastData === 'a' && s.seq.at(-1)?.rs === 0
          ? null : `want ${million} events "a" then error/CONNECTING, got ${s.messages}`),
        count: million,
        wasmBound: 16 * MiB,
      });
    }
    big.push({
      name: `${million} tiny events in 4 MiB server writes (/t/endless)`,
      url: `${server.origin}/t/endless?event_size=16&chunk=${4 * MiB}&total=${4 * 16 * million}`,
      options: {},
      until: million,
      expect: (s) => (s.messages >= million && s.lastData === 'xxxxxxxx' && s.errors === 0 ? null : `want ${million} events, no error`),
      count: million,
      wasmBound: 16 * MiB,
    });
    // Each in a fresh page, so the wasm memory (which never shrinks) is this case's own.
    for (const c of big) {
      const r = result(`hostile: ${c.name}`);
      for (let n = 0; n < repeat; n++) {
        const fresh = await openPage(browser, server.origin, { build: 'src' });
        try {
          const p = fresh.page;
          const wasmStart = await p.evaluate(() => window.rel.wasmMemory());
          const heapBefore = await heap(p);
          await p.evaluate(() => window.rel.peak.start());
          const i = await p.evaluate(([url, options]) => window.rel.watch(url, options, { numericIds: false }), [c.url, c.options]);
          if (c.until === 'error') {
            await p.waitForFunction((i) => window.rel.watches[i].log.errors >= 1, i, { ...WAIT, timeout: 120_000 });
          } else {
            await p.waitForFunction(([i, n]) => window.rel.watches[i].log.messages >= n, [i, c.until], { ...WAIT, timeout: 120_000 });
          }
          const s = await p.evaluate((i) => window.rel.snapshot(i), i);
          await p.evaluate((i) => window.rel.close(i), i);
          const peak = await p.evaluate(() => window.rel.peak.stop());
          await settle(p, r, c.name);
          await checkClientsGone(server.origin, r, c.name);
          const heapAfter = await heap(p);
          const wasmBytes = await p.evaluate(() => window.rel.wasmMemory());
          r.tried += 1;
          const bad = c.expect(s);
          if (bad) r.problems.push(`${bad}; got readyState ${s.readyState}, ${s.messages} events, seq ${JSON.stringify(s.seq.slice(-3))}`);
          if (c.count) r.lost += Math.max(0, c.count - s.messages);
          const growth = heapAfter - heapBefore;
          r.memory = {
            heapPeakOverStartMiB: Math.max(r.memory.heapPeakOverStartMiB ?? 0, mib(peak - heapBefore)),
            growthMiB: Math.max(r.memory.growthMiB ?? -Infinity, mib(growth)),
            wasmStartMiB: mib(wasmStart),
            wasmMiB: Math.max(r.memory.wasmMiB ?? 0, mib(wasmBytes)),
          };
          if (growth > 8 * MiB) r.problems.push(`JS heap grew by ${mib(growth)} MiB after the source was closed`);
          if (peak - heapBefore > 96 * MiB) r.problems.push(`JS heap peaked ${mib(peak - heapBefore)} MiB above its start`);
          if (wasmBytes > c.wasmBound) r.problems.push(`wasm memory ${mib(wasmBytes)} MiB, bound ${mib(c.wasmBound)} MiB`);
          if (fresh.errors.length) r.problems.push(`page errors: ${fresh.errors.join('; ')}`);
        } finally {
          await fresh.context.close();
        }
      }
      results.push(r);
    }

    // The parser alone: a million tiny events in ONE chunk, fed in one call (fresh page).
    const r = result(`hostile: ${million} tiny events in one chunk (StreamParser.feed)`);
    for (let n = 0; n < repeat; n++) {
      const fresh = await openPage(browser, server.origin, { build: 'src' });
      try {
        const heapBefore = await heap(fresh.page);
        const o = await fresh.page.evaluate((n) => window.rel.oneChunk(n), million);
        const heapAfter = await heap(fresh.page);
        r.tried += 1;
        r.lost += Math.max(0, million - o.events);
        if (o.events !== million || o.wrong) r.problems.push(`decoded ${o.events} events (${o.wrong} wrong), want ${million}`);
        r.memory = { growthMiB: mib(heapAfter - heapBefore), wasmStartMiB: mib(o.wasmBefore), wasmMiB: mib(o.wasmAfter), inputMiB: mib(o.bytes) };
        // The chunk is copied in (9 B per event) and the batch holds 4 B per event ("\ra\r\r"),
        // each Vec possibly doubled once.
        const bound = 2 * 13 * million + 4 * MiB;
        if (o.wasmAfter > bound) r.problems.push(`wasm memory ${mib(o.wasmAfter)} MiB for a ${mib(o.bytes)} MiB chunk (bound ${mib(bound)} MiB)`);
      } finally {
        await fresh.context.close();
      }
    }
    results.push(r);
    for (const x of results) x.details.wasmAtStartMiB = mib(wasm0);
    if (errors.length) results[0].problems.push(`page errors: ${errors.join('; ')}`);
  } finally {
    await context.close();
  }
  return results;
}

/**
 * 4. `sources` EventSources at once, spread over all listeners of a --extra-ports server:
 * all deliver (ids 1..events), then close() on all: liveResources() back to [0,0,0] and the
 * server's open streams back to 0. Repeated `rounds` times in the same page.
 */
export async function manySources(browser, { sources = 200, rounds = 1, transport = 'fetch', events = 5 } = {}) {
  const r = result(`${sources} sources at once (${transport})`);
  const extra = Math.max(0, Math.ceil(sources / 5) - 2);
  const server = await startServerWithExtraPorts(extra);
  const { context, page, errors } = await openPage(browser, server.origin);
  try {
    if (server.origins.length * 6 < sources) r.problems.push(`only ${server.origins.length} origins for ${sources} sources`);
    let heapStart = null;
    for (let round = 0; round < rounds; round++) {
      const urls = Array.from({ length: sources }, (_, n) => `${server.origins[n % server.origins.length]}/t/counter?count=${events}&key=many-${round}-${n}`);
      const ids = await page.evaluate(([urls, transport]) => urls.map((u) => window.rel.watch(u, { transport })), [urls, transport]);
      await page.waitForFunction(([ids, k]) => ids.every((i) => window.rel.watches[i].log.messages >= k), [ids, events], { ...WAIT, timeout: 120_000 });
      const open = await clients(server.origin);
      const snaps = await page.evaluate((ids) => ids.map((i) => window.rel.snapshot(i)), ids);
      for (const s of snaps) {
        r.lost += Math.max(0, events - s.messages) + s.lost;
        r.repeated += s.repeated + Math.max(0, s.messages - events);
        if (s.idFirst !== 1 || s.idLast !== events || s.errors !== 0 || s.readyState !== 1) {
          if (r.problems.length < 5) r.problems.push(`${s.url}: ids ${s.idFirst}..${s.idLast}, ${s.errors} errors, readyState ${s.readyState}`);
        }
      }
      if (transport !== 'polling' && open.streams < sources) r.problems.push(`round ${round + 1}: the server saw ${open.streams} open streams, want ${sources}`);
      await page.evaluate((ids) => ids.forEach((i) => window.rel.close(i)), ids);
      const s = await settle(page, r, `round ${round + 1}`);
      await checkClientsGone(server.origin, r, `round ${round + 1}`);
      await page.evaluate((ids) => window.rel.forget(ids), ids);
      r.tried += 1;
      r.details.settleFrames = Math.max(r.details.settleFrames ?? 0, s.frames);
      r.details.streamsWhileOpen = open.streams;
      // Growth from the end of the first round (warm: engine loaded, code compiled) to the last.
      const h = await heap(page);
      if (heapStart === null) heapStart = h;
      else r.memory = { growthMiB: mib(h - heapStart) };
    }
    r.details.origins = server.origins.length;
    if (errors.length) r.problems.push(`page errors: ${errors.join('; ')}`);
  } finally {
    await context.close();
    await server.stop();
  }
  return r;
}

/**
 * 5. close() in every state, for `transport`: before the wasm is loaded (fresh page), with a
 * request in flight, OPEN, waiting to reconnect, after a failure; attributes and methods after
 * close(); double close. No event after close(), no request after close(), resources freed.
 */
export async function closeStates(browser, server, { transport = 'fetch', rounds = 1 } = {}) {
  const r = result(`close() in every state (${transport})`);
  const o = server.origin;
  const tag = `${transport}-${Date.now()}`;
  let heapStart = null;
  const { context, page, errors } = await openPage(browser, o);
  try {
    // Before the wasm is loaded: only on a fresh page, so once.
    {
      const key = `close-unloaded-${tag}`;
      const got = await page.evaluate(async ([url, transport]) => {
        const before = window.rel.liveResources();
        const es = new window.rel.EventSource(url, { transport });
        const seen = [];
        for (const t of ['open', 'message', 'error']) es.addEventListener(t, () => seen.push(t));
        const rs0 = es.readyState;
        es.close();
        const rs1 = es.readyState;
        await window.rel.engineReady();
        const s = await window.rel.settle();
        for (let i = 0; i < 10; i++) await window.rel.frame();
        return { before, rs0, rs1, seen, live: s.live, rs2: es.readyState };
      }, [`${o}/t/counter?key=${key}`, transport]);
      r.tried += 1;
      if (JSON.stringify(got.before) !== '[0,0,0]') r.problems.push(`before load: liveResources ${got.before} (the engine was already loaded?)`);
      if (got.rs0 !== 0 || got.rs1 !== 2 || got.rs2 !== 2) r.problems.push(`before load: readyState ${got.rs0} -> ${got.rs1} -> ${got.rs2}, want 0 -> 2 -> 2`);
      if (got.seen.length) r.problems.push(`before load: events after close: ${got.seen}`);
      if (!got.live.every((n) => n === 0)) r.problems.push(`before load: liveResources ${got.live}`);
      // Every transport sends its first request at construction, while the engine loads
      // (js/request.js), so it may reach the server; close() must abort it.
      const reqs = await logged(o, key);
      if (reqs.length > 1) r.problems.push(`before load: ${reqs.length} request(s), want at most 1`);
      if (reqs.length) await checkClientsGone(o, r, 'before load');
    }
    for (let round = 0; round < rounds; round++) {
      const key = (what) => `close-${what}-${tag}-${round}`;
      // A request in flight (CONNECTING).
      {
        const got = await page.evaluate(async ([url, transport]) => {
          const es = new window.rel.EventSource(url, { transport });
          const seen = [];
          for (const t of ['open', 'message', 'error']) es.addEventListener(t, () => seen.push(t));
          const live = window.rel.liveResources();
          const rs0 = es.readyState;
          es.close();
          const s = await window.rel.settle();
          for (let i = 0; i < 10; i++) await window.rel.frame();
          return { live, rs0, rs1: es.readyState, seen, after: s.live };
        }, [`${o}/t/counter?interval=20&count=1000&key=${key('inflight')}`, transport]);
        r.tried += 1;
        if (got.rs0 !== 0 || got.live[1] < 1) r.problems.push(`in flight: readyState ${got.rs0}, liveResources ${got.live} (want CONNECTING with a request)`);
        if (got.rs1 !== 2 || got.seen.length) r.problems.push(`in flight: readyState ${got.rs1}, events after close ${got.seen}`);
        if (!got.after.every((n) => n === 0)) r.problems.push(`in flight: liveResources ${got.after} after close`);
        const reqs = await logged(o, key('inflight'));
        if (reqs.length > 1) r.problems.push(`in flight: ${reqs.length} requests (a reconnection after close?)`);
      }
      // OPEN, with events flowing; then attributes, methods, double close.
      {
        const got = await page.evaluate(async ([url, transport]) => {
          const es = new window.rel.EventSource(url, { transport });
          const seen = [];
          let afterClose = 0;
          let closed = false;
          es.onmessage = () => { if (closed) afterClose += 1; };
          for (const t of ['open', 'error']) es.addEventListener(t, () => seen.push([t, closed]));
          await new Promise((resolve) => es.addEventListener('message', resolve, { once: true }));
          const rs0 = es.readyState;
          es.close();
          closed = true;
          const attrs = {
            readyState: es.readyState,
            url: es.url === url,
            withCredentials: es.withCredentials,
            constants: [es.CONNECTING, es.OPEN, es.CLOSED],
            onmessageKept: typeof es.onmessage === 'function',
          };
          let threw = null;
          try {
            es.close();
            es.close();
            es.onopen = () => {};
            es.onopen = null;
            let custom = 0;
            es.addEventListener('x', () => { custom += 1; });
            es.dispatchEvent(new Event('x'));
            attrs.dispatch = custom;
          } catch (e) {
            threw = String(e);
          }
          const s = await window.rel.settle();
          for (let i = 0; i < 20; i++) await window.rel.frame();
          return { rs0, attrs, threw, seen, afterClose, after: s.live, rs: es.readyState };
        }, [`${o}/t/counter?interval=10&count=100000&key=${key('open')}`, transport]);
        r.tried += 1;
        if (got.rs0 !== 1) r.problems.push(`open: readyState ${got.rs0} at the first message`);
        const a = got.attrs;
        if (a.readyState !== 2 || !a.url || a.withCredentials !== false || JSON.stringify(a.constants) !== '[0,1,2]' || !a.onmessageKept || a.dispatch !== 1) {
          r.problems.push(`open: attributes after close ${JSON.stringify(a)}`);
        }
        if (got.threw) r.problems.push(`open: methods after close threw ${got.threw}`);
        if (got.afterClose || got.seen.some(([, closed]) => closed)) r.problems.push(`open: events after close: ${got.afterClose} messages, ${JSON.stringify(got.seen)}`);
        if (!got.after.every((n) => n === 0) || got.rs !== 2) r.problems.push(`open: liveResources ${got.after}, readyState ${got.rs}`);
        await checkClientsGone(o, r, 'open');
      }
      // Waiting to reconnect (retry 60 s): the stream dropped (fetch, xhr), or the heartbeat
      // gave up on a silent poll (polling: a poll that ends is not an error).
      {
        const polling = transport === 'polling';
        const url = polling
          ? `${o}/t/counter?count=2&retry=60000&poll_wait=20000&key=${key('waiting')}`
          : `${o}/t/counter?count=10&drop_after=2&retry=60000&key=${key('waiting')}`;
        const options = polling ? { transport, heartbeatTimeout: 300 } : { transport };
        const got = await page.evaluate(async ([url, options]) => {
          const es = new window.rel.EventSource(url, options);
          const seen = [];
          let closed = false;
          for (const t of ['open', 'message', 'error']) es.addEventListener(t, () => seen.push([t, closed]));
          await new Promise((resolve) => es.addEventListener('error', resolve, { once: true }));
          const rs0 = es.readyState;
          const live = window.rel.liveResources();
          es.close();
          closed = true;
          const s = await window.rel.settle();
          for (let i = 0; i < 10; i++) await window.rel.frame();
          return { rs0, live, after: s.live, seen, rs: es.readyState };
        }, [url, options]);
        r.tried += 1;
        if (got.rs0 !== 0 || got.live[2] < 1) r.problems.push(`waiting: readyState ${got.rs0}, liveResources ${got.live} (want CONNECTING with a timer)`);
        if (got.seen.some(([, closed]) => closed)) r.problems.push(`waiting: events after close ${JSON.stringify(got.seen)}`);
        if (!got.after.every((n) => n === 0) || got.rs !== 2) r.problems.push(`waiting: liveResources ${got.after}, readyState ${got.rs}`);
        const reqs = await logged(o, key('waiting'));
        const want = polling ? 2 : 1;
        if (reqs.length !== want) r.problems.push(`waiting: ${reqs.length} requests, want ${want} (no reconnection after close)`);
        await checkClientsGone(o, r, 'waiting');
      }
      // After a failure (status 500: error, CLOSED), then close(): nothing happens.
      {
        const got = await page.evaluate(async ([url, transport]) => {
          const es = new window.rel.EventSource(url, { transport });
          const seen = [];
          let closed = false;
          for (const t of ['open', 'message', 'error']) es.addEventListener(t, (e) => seen.push([t, closed, es.readyState, e.message ?? null]));
          await new Promise((resolve) => es.addEventListener('error', resolve, { once: true }));
          const rs0 = es.readyState;
          es.close();
          closed = true;
          es.close();
          const s = await window.rel.settle();
          for (let i = 0; i < 10; i++) await window.rel.frame();
          return { rs0, after: s.live, seen, rs: es.readyState };
        }, [`${o}/t/status/500?key=${key('failed')}`, transport]);
        r.tried += 1;
        if (got.rs0 !== 2) r.problems.push(`failed: readyState ${got.rs0} after a 500, want CLOSED`);
        if (got.seen.length !== 1 || !got.seen[0][3]) r.problems.push(`failed: events ${JSON.stringify(got.seen)} (want one error with a message)`);
        if (!got.after.every((n) => n === 0) || got.rs !== 2) r.problems.push(`failed: liveResources ${got.after}, readyState ${got.rs}`);
      }
      // Growth from the end of the first round (warm) to the last.
      const h = await heap(page);
      if (heapStart === null) heapStart = h;
      else r.memory = { growthMiB: mib(h - heapStart) };
    }
    if (errors.length) r.problems.push(`page errors: ${errors.join('; ')}`);
  } finally {
    await context.close();
  }
  return r;
}

/** 5b. A page navigated away while connected: the server's streams drop to 0. */
export async function navigateAway(browser, server, { transport = 'fetch', rounds = 1 } = {}) {
  const r = result(`page navigated away while connected (${transport})`);
  for (let n = 0; n < rounds; n++) {
    const { context, page } = await openPage(browser, server.origin);
    try {
      const i = await page.evaluate(([url, transport]) => window.rel.watch(url, { transport }), [`${server.origin}/t/counter?count=3`, transport]);
      await page.waitForFunction((i) => window.rel.watches[i].log.messages >= 3, i, WAIT);
      const open = await clients(server.origin);
      if (transport !== 'polling' && open.streams < 1) r.problems.push(`the server saw no open stream (${JSON.stringify(open)})`);
      await page.goto('about:blank');
      await checkClientsGone(server.origin, r, 'after navigation');
      r.tried += 1;
    } finally {
      await context.close();
    }
  }
  return r;
}
