// Browser benchmark: this polyfill (fetch, XHR and polling transports) against the native
// EventSource, event-source-polyfill, eventsource (npm), fetch + eventsource-parser, and a
// fetch + TextDecoder drain, on the same corpora streamed by the reference server; beside them
// the platform's own floor (MessageEvents made and dispatched from ready strings, in the same
// page). Prints the figures of issue 13 ("Pay only for what is used") with its targets.
//
//   npm run bench:browser                 # everything below, Chromium and Firefox (~15 minutes)
//   npm run bench:browser -- --memory     # the 256 MiB memory run alone
//   BENCH_ROUNDS=7 BENCH_CORPORA=tokens,ticker BENCH_BROWSERS=chromium npm run bench:browser
//   (run it under the machine's lock: flock /tmp/eventsource-heavy.lock npm run bench:browser)
//
// Knobs (environment):
//   BENCH_ROUNDS=5          interleaved rounds of the throughput and parser runs (medians)
//   BENCH_CORPORA=tokens,ticker,large,crlf,mixed
//   BENCH_CONTENDERS=native,wasm-fetch,wasm-xhr,wasm-polling,event-source-polyfill,eventsource,
//                    fetch+eventsource-parser,fetch-drain
//   BENCH_MIB=8             corpus size (MiB), generated into target/corpora-<MIB>
//   BENCH_BROWSERS=chromium,firefox
//   BENCH_PARTS=throughput,parser,cold,memory   (--memory = memory alone)
//   BENCH_OUT=target/bench/browser.json   (--memory: target/bench/browser-memory.json)
//   BENCH_COLD=5            cold-start samples per contender (a fresh browser each)
//   BENCH_COLD_CONTENDERS=native,classic,full,module,event-source-polyfill,eventsource
//   BENCH_COLD_DELAYS=0,40  cold start on loopback as it is, and with every response held back
//                           40 ms by the server (--delay-ms): a page on a slower network, where
//                           each request that waits on another costs its delay again
//   BENCH_PARSER_REPS=5     timed passes per parser per page (after one warm-up)
//   BENCH_MEMORY_MIB=256    bytes streamed per memory run (/t/endless, 64-byte events)
//   BENCH_TIMEOUT_S=90      bound of one page run (the runner adds 30 s before killing)
//   BENCH_LIB=/js/index.js  throughput pages take the polyfill from the unbundled sources instead
//                           of /dist/index.js: a change in js/ measured without a build
//
// How: the runner starts the reference server (target/release/sse-server, corpus dir as above)
// and a small HTTP server of its own on 127.0.0.1, then a browser with no DevTools client (a
// DevTools client makes Chromium's native EventSource 8-10x slower): the browser opens the
// runner's /next, which redirects to the next job's page under the reference server's /bench/
// (www/bench/); the page runs, POSTs its figures back, and goes to /next again. One browser per
// round; a fresh browser (and profile) for each cold-start sample, which first opens a warm-up
// page of the same origin (www/bench/blank.html) and then the measured page. Every wait is bounded and
// every browser started is killed. Nothing is asserted: it prints tables, writes
// target/bench/browser.json, and states the project's targets next to the figures.
//
// MB/s are decimal megabytes (1e6 bytes) of the corpus per second; time is from the source's
// construction to the last event (the polyfill's engine is loaded before the clock starts; its
// load is part of the cold-start figure instead). The platform floor is measured in each
// wasm-fetch page after its run (www/bench/stream.js, platformFloor). The bytes a page loads are
// summed here from the files (gzip -9); `npm run bench:bytes` measures them in a page, per entry.

import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ensureCorpora } from '../corpus.mjs';
import { BROWSERS, browserVersion, launch } from './browsers.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (msg) => process.stderr.write(`${msg}\n`);

// ---------------------------------------------------------------- configuration

const list = (v, dflt) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : dflt);
const int = (v, dflt, lo, hi) => {
  const n = Math.floor(Number(v));
  return Number.isFinite(n) && v !== undefined && v !== '' ? Math.min(hi, Math.max(lo, n)) : dflt;
};
const ALL_CONTENDERS = ['native', 'wasm-fetch', 'wasm-xhr', 'wasm-polling', 'event-source-polyfill',
  'eventsource', 'fetch+eventsource-parser', 'fetch-drain'];
const ALL_COLD = ['native', 'classic', 'full', 'module', 'event-source-polyfill', 'eventsource'];
const MEMORY_CONTENDERS = ['native', 'wasm-fetch', 'wasm-xhr', 'wasm-polling', 'event-source-polyfill', 'eventsource', 'fetch-drain'];
/** Issue 13's targets. */
const GOAL = {
  nativeGlobalBytes: 3 * 1024, // 1. the global where a native EventSource exists, gzipped
  engineBytes: 14 * 1024, // 2. everything for one working source, gzipped
  eventsVsNative: 1.0, // 3. on tokens, ticker and large
  eventsCorpora: ['tokens', 'ticker', 'large'],
  heapOverDrain: 4 * 1048576, // 4. peak JS heap above the fetch + TextDecoder drain's
  parserVsEsp: 1.5, // 6. every corpus
};

const args = process.argv.slice(2);
const cfg = {
  rounds: int(process.env.BENCH_ROUNDS, 5, 1, 100),
  corpora: list(process.env.BENCH_CORPORA, ['tokens', 'ticker', 'large', 'crlf', 'mixed']),
  contenders: list(process.env.BENCH_CONTENDERS, ALL_CONTENDERS),
  coldContenders: list(process.env.BENCH_COLD_CONTENDERS, ALL_COLD),
  mib: Number(process.env.BENCH_MIB) || 8,
  browsers: list(process.env.BENCH_BROWSERS, ['chromium', 'firefox']),
  parts: list(process.env.BENCH_PARTS, ['throughput', 'parser', 'cold', 'memory']),
  cold: int(process.env.BENCH_COLD, 5, 1, 50),
  coldDelays: list(process.env.BENCH_COLD_DELAYS, ['0', '40']).map((d) => int(d, 0, 0, 2000)),
  parserReps: int(process.env.BENCH_PARSER_REPS, 5, 1, 50),
  memoryMib: int(process.env.BENCH_MEMORY_MIB, 256, 16, 4096),
  timeoutS: int(process.env.BENCH_TIMEOUT_S, 90, 5, 3600),
  lib: process.env.BENCH_LIB || undefined,
};
if (args.includes('--memory')) cfg.parts = ['memory'];
cfg.out = resolve(process.env.BENCH_OUT || join(ROOT, 'target', 'bench', args.includes('--memory') ? 'browser-memory.json' : 'browser.json'));
for (const c of cfg.contenders) if (!ALL_CONTENDERS.includes(c)) throw new Error(`unknown contender ${c}`);
for (const c of cfg.coldContenders) if (!ALL_COLD.includes(c)) throw new Error(`unknown cold-start contender ${c}`);
for (const b of cfg.browsers) if (!BROWSERS[b]) throw new Error(`unknown browser ${b}`);
const has = (part) => cfg.parts.includes(part);

// ---------------------------------------------------------------- helpers

function median(values) {
  const s = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (!s.length) return null;
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
const fmt = (v, digits = 1) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));
const fmtInt = (v) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : Math.round(v).toLocaleString('en-US'));
const mib = (bytes) => (bytes === null || bytes === undefined ? null : bytes / 1048576);

function table(headers, rows, align) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c ?? '-')));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => ((align?.[i] ?? 'r') === 'l' ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** The number of events /t/endless sends for `total` bytes (mirrors server/src/scripted.rs;
 * the memory page also stops when the stream ends, should this drift). */
function endlessEvents(eventSize, total, chunk = 16384) {
  let sent = 0;
  let n = 0;
  while (sent < total) {
    let len = 0;
    while (len < chunk) {
      n += 1;
      if (n % 1000 === 0) len += `id: ${n}\n`.length;
      len += eventSize;
    }
    sent += len;
  }
  return n;
}

// ---------------------------------------------------------------- vendor files and sizes

async function buildVendor() {
  const out = join(ROOT, 'www', 'bench', 'vendor');
  mkdirSync(out, { recursive: true });
  copyFileSync(join(ROOT, 'node_modules', 'event-source-polyfill', 'src', 'eventsource.min.js'),
    join(out, 'event-source-polyfill.min.js'));
  const esbuild = await import('esbuild');
  const bundle = (contents, outfile) => esbuild.build({
    stdin: { contents, resolveDir: ROOT, loader: 'js' },
    bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022',
    legalComments: 'none', logLevel: 'warning', outfile: join(out, outfile),
  });
  await bundle("export { EventSource } from 'eventsource';", 'eventsource.js');
  await bundle("export { createParser } from 'eventsource-parser';", 'eventsource-parser.js');
}

function sizes() {
  const version = (pkg) => {
    try {
      return JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
    } catch {
      return null;
    }
  };
  // What each way of loading the package fetches (bench:bytes measures the same in a page).
  const groups = [
    ['script tag, a native EventSource present (no source of ours made)', ['dist/eventsource.js'], 'native'],
    ['global entry, a native EventSource present', ['dist/global.js', 'dist/index.js'], 'native'],
    ['script tag, one working source (engine loaded)', ['dist/eventsource.js', 'dist/engine.js'], 'engine'],
    ['ES module, one working source (engine loaded)', ['dist/index.js', 'dist/engine.js'], 'engine'],
    ['strict CSP, script tag, one working source (JavaScript engine)', ['dist/eventsource.js', 'dist/engine.nowasm.js']],
    ['eventsource.full.js (classic service workers: engine inside)', ['dist/eventsource.full.js']],
    [`event-source-polyfill ${version('event-source-polyfill')} (its .min.js)`, ['www/bench/vendor/event-source-polyfill.min.js']],
    [`eventsource ${version('eventsource')} (esbuild bundle, minified)`, ['www/bench/vendor/eventsource.js']],
    [`eventsource-parser ${version('eventsource-parser')} alone (bundle, minified)`, ['www/bench/vendor/eventsource-parser.js']],
  ];
  return groups.map(([label, files, goal]) => {
    const parts = files.map((f) => {
      const bytes = readFileSync(join(ROOT, f));
      return { file: f, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    });
    return { label, goal, files: parts, raw: parts.reduce((a, p) => a + p.raw, 0), gzip: parts.reduce((a, p) => a + p.gzip, 0) };
  });
}

// ---------------------------------------------------------------- servers

async function startReferenceServer(corpusDir, delayMs = 0) {
  const bin = join(ROOT, 'target', 'release', 'sse-server');
  if (!existsSync(bin)) throw new Error('target/release/sse-server is missing: cargo build --release -p eventsource-wasm-server');
  const delay = delayMs > 0 ? ['--delay-ms', String(delayMs)] : [];
  const child = spawn(bin, ['--port', '0', '--second-port', '0', '--test-routes', '--corpus-dir', corpusDir, ...delay], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errTail = '';
  child.stderr.on('data', (d) => {
    errTail = (errTail + d).slice(-2000);
  });
  const origin = await new Promise((resolveReady, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`sse-server did not print READY in 15 s: ${errTail}`)), 15000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /READY (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveReady(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sse-server exited (${code}): ${errTail}`));
    });
  });
  return {
    origin,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** The runner's own server: `/next?s=` hands out a session's next job (302), `/result?job=`
 * receives a page's figures (text/plain JSON, cross-origin: answered with CORS). */
function startRunnerServer() {
  const sessions = new Map();
  const jobs = new Map();
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const cors = { 'access-control-allow-origin': '*', 'cache-control': 'no-store' };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'access-control-allow-methods': 'POST, GET', 'access-control-allow-headers': '*' });
      res.end();
      return;
    }
    if (url.pathname === '/next' && req.method === 'GET') {
      const session = sessions.get(url.searchParams.get('s'));
      if (!session) {
        res.writeHead(404, cors).end('no such session');
        return;
      }
      const job = session.queue.shift();
      if (!job) {
        res.writeHead(200, { ...cors, 'content-type': 'text/html' }).end('<!doctype html><title>done</title>done');
        session.settle('done');
        return;
      }
      session.dispatch(job);
      res.writeHead(302, { ...cors, location: job.url(session.id) }).end();
      return;
    }
    if (url.pathname === '/result' && req.method === 'POST') {
      let body = '';
      let size = 0;
      req.on('data', (d) => {
        size += d.length;
        if (size < 4 << 20) body += d;
      });
      req.on('end', () => {
        const job = jobs.get(url.searchParams.get('job'));
        let result;
        try {
          result = JSON.parse(body);
        } catch {
          result = { ok: false, error: 'unparsable result' };
        }
        if (job && !job.result) {
          job.result = result;
          job.onResult?.();
        }
        res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end('{}');
      });
      return;
    }
    res.writeHead(404, cors).end();
  });
  return new Promise((resolveListen) => {
    server.listen(0, '127.0.0.1', () => {
      const origin = `http://127.0.0.1:${server.address().port}`;
      resolveListen({ origin, sessions, jobs, close: () => new Promise((r) => { server.close(r); server.closeAllConnections(); }) });
    });
  });
}

// ---------------------------------------------------------------- jobs and sessions

let jobSeq = 0;
const liveBrowsers = new Set();

/**
 * Runs `jobs` in browser `kind`, in order, in as few browser processes as possible: a job that
 * posts nothing in time, or a browser that dies, costs that job, and the rest go on in a
 * fresh browser. Bounded: every job is handed out at most once.
 */
async function runJobs(runner, kind, jobs, onResult) {
  let remaining = [...jobs];
  for (const job of jobs) runner.jobs.set(job.id, job);
  let launches = 0;
  while (remaining.length && launches <= jobs.length) {
    launches += 1;
    const id = `s${++jobSeq}`;
    let settle;
    const outcome = new Promise((r) => { settle = r; });
    let current = null;
    let jobTimer = null;
    const session = {
      id,
      queue: remaining,
      settle: (why) => settle(why),
      dispatch(job) {
        current = job;
        clearTimeout(jobTimer);
        job.onResult = () => {
          clearTimeout(jobTimer);
          onResult?.(job);
        };
        jobTimer = setTimeout(() => settle('timeout'), (job.timeoutS + 30) * 1000);
      },
    };
    runner.sessions.set(id, session);
    const browser = launch(kind, `${runner.origin}/next?s=${id}`);
    liveBrowsers.add(browser);
    const startTimer = setTimeout(() => { if (!current) settle('no start'); }, 60000);
    browser.exited.then(() => settle('browser exited'));
    const why = await outcome;
    clearTimeout(startTimer);
    clearTimeout(jobTimer);
    await browser.kill();
    liveBrowsers.delete(browser);
    runner.sessions.delete(id);
    if (why === 'done') break;
    if (current && !current.result) {
      current.result = { ok: false, error: `${why}; browser stderr: ${browser.stderrTail().slice(-400)}` };
      onResult?.(current);
    }
    if (!current) {
      log(`${kind}: the browser never opened its first page (${why}); giving up on ${remaining.length} jobs`);
      for (const job of remaining) job.result = { ok: false, error: `browser did not start: ${why}` };
      break;
    }
    remaining = session.queue;
  }
}

function makeJob(refOrigin, runnerOrigin, page, params, timeoutS) {
  const id = `j${++jobSeq}`;
  return {
    id,
    page,
    params,
    timeoutS,
    result: null,
    url(sessionId) {
      const q = new URLSearchParams({ ...params, timeout: String(timeoutS * 1000), r: runnerOrigin, s: sessionId, job: id });
      return `${refOrigin}/bench/${page}?${q}`;
    },
  };
}

// ---------------------------------------------------------------- the parts

async function benchBrowser(kind, ctx) {
  const { ref, runner, corpora } = ctx;
  const out = { version: browserVersion(kind), throughput: [], parser: [], cold: [], memory: [] };
  if (!out.version) {
    log(`${kind}: not installed, skipped`);
    out.skipped = 'not installed';
    return out;
  }
  log(`== ${out.version}`);
  const t = cfg.timeoutS;
  const selected = corpora.filter((c) => cfg.corpora.includes(c.name));

  if (has('throughput') || has('parser')) {
    for (let round = 1; round <= cfg.rounds; round++) {
      const jobs = [];
      for (const c of selected) {
        const u = `/t/corpus/${c.name}.txt`;
        if (has('throughput')) {
          for (const contender of cfg.contenders) {
            const extra = { ...(contender === 'wasm-fetch' ? { floor: '1' } : {}), ...(cfg.lib ? { lib: cfg.lib } : {}) };
            const job = makeJob(ref.origin, runner.origin, 'stream.html', { c: contender, u, n: c.meta.events, b: c.meta.bytes, ...extra }, t);
            job.meta = { part: 'throughput', round, corpus: c.name, contender, events: c.meta.events, bytes: c.meta.bytes };
            jobs.push(job);
          }
        }
        if (has('parser')) {
          const job = makeJob(ref.origin, runner.origin, 'parser.html', { u, n: c.meta.events, reps: cfg.parserReps }, t);
          job.meta = { part: 'parser', round, corpus: c.name, events: c.meta.events, bytes: c.meta.bytes };
          jobs.push(job);
        }
      }
      const t0 = performance.now();
      await runJobs(runner, kind, jobs, (job) => {
        const r = job.result;
        const m = job.meta;
        if (m.part === 'throughput') {
          const s = r.ms / 1000;
          const floor = r.floor ? (r.floor.error ? `; floor FAILED ${r.floor.error}` : `; floor ${fmtInt(r.floor.eventsPerS)} ev/s`) : '';
          log(`${kind} r${round} ${m.corpus.padEnd(6)} ${m.contender.padEnd(24)} ${r.ok ? `${fmtInt(m.events / s).padStart(10)} ev/s ${fmt(m.bytes / 1e6 / s).padStart(7)} MB/s${floor}` : `FAILED ${r.outcome ?? ''} ${r.error ?? ''} (${r.events ?? '?'} of ${m.events} events)`}`);
        } else {
          log(`${kind} r${round} ${m.corpus.padEnd(6)} parser: ${r.ok ? `wasm ${fmt(median(r.wasmMs))} ms, eventsource-parser ${fmt(median(r.espMs))} ms` : `FAILED ${r.error ?? JSON.stringify(r.events)}`}`);
        }
      });
      log(`${kind}: round ${round} took ${fmt((performance.now() - t0) / 1000)} s`);
      for (const job of jobs) {
        const rec = { ...job.meta, ...job.result };
        delete rec.ua;
        (job.meta.part === 'throughput' ? out.throughput : out.parser).push(rec);
      }
    }
  }

  if (has('cold')) {
    // Interleaved: A B C D A B C D ..., each sample in a fresh browser and profile; once per
    // server delay (ctx.delayed: delay -> reference server).
    const u = '/t/counter?count=1&end=1';
    for (const delay of cfg.coldDelays) {
      const server = delay > 0 ? ctx.delayed.get(delay) : ref;
      for (let i = 0; i < cfg.cold; i++) {
        for (const contender of cfg.coldContenders) {
          const warmUp = makeJob(server.origin, runner.origin, 'blank.html', {}, 30);
          const job = makeJob(server.origin, runner.origin, `cold-${contender}.html`, { u }, 30);
          job.meta = { part: 'cold', delay, sample: i + 1, contender };
          await runJobs(runner, kind, [warmUp, job]);
          const r = job.result ?? { ok: false };
          log(`${kind} cold +${delay} ms ${contender.padEnd(22)} ${r.ok ? `${fmt(r.firstMs)} ms to the first event (script ${fmt(r.scriptMs)} ms)` : `FAILED ${r.error ?? ''}`}`);
          const rec = { ...job.meta, ...r };
          delete rec.ua;
          out.cold.push(rec);
        }
      }
    }
  }

  if (has('memory')) {
    const total = cfg.memoryMib * 1048576;
    const eventSize = 64;
    const n = endlessEvents(eventSize, total);
    const every = Math.floor((16 * 1048576) / eventSize);
    const u = `/t/endless?event_size=${eventSize}&total=${total}`;
    const memoryJob = (contender, label = contender, extra = {}) => {
      // key= makes the server log the requests (/t/log): how many the contender made.
      const key = `bench-${kind}-${contender}-${++jobSeq}`;
      const job = makeJob(ref.origin, runner.origin, 'memory.html', { c: contender, u: `${u}&key=${key}`, n, every, ...extra }, Math.max(t, 240));
      job.meta = { part: 'memory', contender: label, events: n, bytes: total, key, ...extra };
      return job;
    };
    const report = (job) => {
      const r = job.result;
      const what = job.meta.contender.startsWith('fetch-drain') ? `${fmt((r.bytes ?? 0) / 1048576, 0)} MiB` : `${fmtInt(r.events)} events`;
      log(`${kind} memory ${job.meta.contender.padEnd(22)} ${r.ok ? `${what} in ${fmt(r.ms / 1000)} s, peak heap ${fmt(mib(r.peakHeap))} MiB` : `FAILED ${r.outcome ?? ''} ${r.error ?? ''} (${r.events ?? '?'} events)`}`);
    };
    const jobs = MEMORY_CONTENDERS.map((contender) => memoryJob(contender));
    await runJobs(runner, kind, jobs, report);
    // The drain at full speed reads hundreds of MB/s, faster than any parser, and its garbage
    // (a string per chunk) meets other collections than at a parser's pace: so the drain again,
    // held to wasm-fetch's own rate.
    const fetchRun = jobs.find((j) => j.meta.contender === 'wasm-fetch')?.result;
    if (fetchRun?.ok && fetchRun.ms > 0) {
      const pace = (fetchRun.events * eventSize) / 1e6 / (fetchRun.ms / 1000);
      const paced = memoryJob('fetch-drain', 'fetch-drain paced', { pace: pace.toFixed(3) });
      await runJobs(runner, kind, [paced], report);
      jobs.push(paced);
    }
    for (const job of jobs) {
      // The page names the contender it ran (fetch-drain); the runner's label says how (paced).
      const rec = { ...job.meta, ...job.result, contender: job.meta.contender };
      delete rec.ua;
      try {
        const res = await fetch(`${ref.origin}/t/log?key=${encodeURIComponent(job.meta.key)}&clear=1`, { signal: AbortSignal.timeout(5000) });
        rec.requests = (await res.json()).requests.length;
      } catch {
        rec.requests = null;
      }
      out.memory.push(rec);
    }
  }
  return out;
}

// ---------------------------------------------------------------- summaries and tables

function summarize(kind, out, sizeRows) {
  const lines = [];
  const summary = { throughput: [], floor: [], parser: [], cold: [], memory: [] };
  if (out.skipped) {
    lines.push(`${kind}: skipped (${out.skipped})`);
    return { lines, summary };
  }

  if (out.throughput.length) {
    const rows = [];
    for (const corpus of cfg.corpora) {
      const runs = out.throughput.filter((r) => r.corpus === corpus);
      if (!runs.length) continue;
      const stat = {};
      for (const contender of cfg.contenders) {
        const mine = runs.filter((r) => r.contender === contender);
        const ok = mine.filter((r) => r.ok);
        const ms = median(ok.map((r) => r.ms));
        const heapGrowth = median(ok.map((r) => (r.heapEnd !== null && r.heapStart !== null ? r.heapEnd - r.heapStart : null)));
        const heapRetained = median(ok.map((r) => (r.heapAfterGc !== null && r.heapStart !== null ? r.heapAfterGc - r.heapStart : null)));
        const evps = ms ? mine[0].events / (ms / 1000) : null;
        const mbps = ms ? mine[0].bytes / 1e6 / (ms / 1000) : null;
        const kinds = [...new Set(ok.map((r) => r.eventKind).filter(Boolean))];
        stat[contender] = { corpus, contender, eventKind: kinds.join('/') || null, runs: mine.length, ok: ok.length, medianMs: ms, eventsPerS: contender === 'fetch-drain' ? null : evps, mbPerS: mbps, heapGrowthBytes: heapGrowth, heapRetainedBytes: heapRetained };
      }
      // The platform floor, measured in the wasm-fetch pages after their run (same events).
      const floors = runs.filter((r) => r.contender === 'wasm-fetch' && r.floor && !r.floor.error);
      const floorRate = median(floors.map((r) => r.floor.eventsPerS));
      const bestWays = [...new Set(floors.map((r) => r.floor.best))];
      const native = stat.native?.eventsPerS;
      for (const contender of cfg.contenders) {
        const s = stat[contender];
        s.ratioToNative = native && s.eventsPerS ? s.eventsPerS / native : null;
        s.mbRatioToNative = stat.native?.mbPerS && s.mbPerS ? s.mbPerS / stat.native.mbPerS : null;
        s.ratioToFloor = floorRate && s.eventsPerS ? s.eventsPerS / floorRate : null;
        summary.throughput.push(s);
        rows.push([corpus, contender, s.eventsPerS === null ? '-' : fmtInt(s.eventsPerS), fmt(s.mbPerS), contender === 'fetch-drain' ? `${fmt(s.mbRatioToNative, 2)}*` : fmt(s.ratioToNative, 2),
          fmt(s.ratioToFloor, 2), s.eventKind ?? '-', fmt(mib(s.heapGrowthBytes), 1), fmt(mib(s.heapRetainedBytes), 2), `${s.ok}/${s.runs}`]);
      }
      const f = { corpus, contender: 'platform floor', runs: runs.filter((r) => r.contender === 'wasm-fetch').length, ok: floors.length, eventsPerS: floorRate,
        ratioToNative: native && floorRate ? floorRate / native : null, ways: bestWays,
        byWay: Object.fromEntries(Object.keys(floors[0]?.floor.ways ?? {}).map((w) => [w, median(floors.map((r) => r.floor.ways[w]?.eventsPerS))])) };
      summary.floor.push(f);
      rows.push([corpus, 'platform floor', fmtInt(floorRate), '-', fmt(f.ratioToNative, 2), floorRate ? '1.00' : '-', 'MessageEvent', '-', '-', `${f.ok}/${f.runs}`]);
    }
    lines.push(`Throughput (${out.version}; ${cfg.mib} MiB corpora; medians of ${cfg.rounds} interleaved rounds)`);
    lines.push(table(['corpus', 'contender', 'events/s', 'MB/s', 'x native', 'x floor', 'listeners get', 'heap +MiB', 'kept MiB', 'ok'], rows, ['l', 'l', 'r', 'r', 'r', 'r', 'l']));
    lines.push('  x native: events/s ratio (* fetch-drain: MB/s ratio; it parses nothing). x floor: events/s over the platform floor.');
    lines.push('  listeners get: what the first event given to a listener was (a real MessageEvent, or a plain Object).');
    lines.push('  platform floor: in each wasm-fetch page after its run, the same events as ready strings (parsed beforehand, untimed),');
    lines.push('  a MessageEvent made from them and dispatched on an EventTarget with a listener per type, in a plain loop: the cost of');
    lines.push('  real MessageEvents alone (no parsing, network or scheduling); the fastest of the ways the platform offers:');
    for (const f of summary.floor) {
      lines.push(`    ${f.corpus}: ${Object.entries(f.byWay).map(([w, v]) => `${w} ${fmtInt(v)}/s`).join('; ')}`);
    }
    lines.push('  heap +MiB: usedJSHeapSize at the last event minus at the start (after a GC); kept MiB: after close() and a GC.');
    lines.push('  Chromium only (Firefox has no performance.memory).');
    lines.push('');
  }

  if (out.parser.length) {
    const rows = [];
    for (const corpus of cfg.corpora) {
      const runs = out.parser.filter((r) => r.corpus === corpus);
      if (!runs.length) continue;
      const ok = runs.filter((r) => r.ok);
      const wasmMs = median(ok.flatMap((r) => r.wasmMs));
      const espMs = median(ok.flatMap((r) => r.espMs));
      const dispatchMs = median(ok.flatMap((r) => r.dispatchMs ?? []));
      const feedMs = median(ok.flatMap((r) => r.feedMs ?? []));
      const decodeMs = median(ok.flatMap((r) => r.decodeMs ?? []));
      const { bytes } = runs[0];
      const events = typeof runs[0].events === 'number' ? runs[0].events : runs[0].events?.wasm;
      const rate = (ms) => (ms ? bytes / 1e6 / (ms / 1000) : null);
      const s = { corpus, ok: ok.length, runs: runs.length, wasmMs, espMs, dispatchMs, feedMs, decodeMs, wasmMbPerS: rate(wasmMs), espMbPerS: rate(espMs), dispatchMbPerS: rate(dispatchMs), feedMbPerS: rate(feedMs), decodeMbPerS: rate(decodeMs),
        dispatchEventsPerS: dispatchMs ? events / (dispatchMs / 1000) : null };
      s.ratio = s.wasmMbPerS && s.espMbPerS ? s.wasmMbPerS / s.espMbPerS : null;
      summary.parser.push(s);
      rows.push([corpus, fmt(s.feedMbPerS), fmt(s.decodeMbPerS), fmt(s.wasmMbPerS), fmt(s.espMbPerS), fmt(s.ratio, 2), fmt(s.dispatchMbPerS), fmtInt(s.dispatchEventsPerS), `${s.ok}/${s.runs}`]);
    }
    lines.push(`Parser in the page (${out.version}; 16 KiB chunks of the corpus in memory; medians of ${cfg.rounds} pages x ${cfg.parserReps} passes)`);
    lines.push(table(['corpus', 'feed MB/s', '+decode MB/s', 'wasm MB/s', 'eventsource-parser MB/s', 'wasm / e-p', 'wasm+dispatch MB/s', 'wasm+dispatch ev/s', 'ok'], rows, ['l']));
    lines.push('  wasm: StreamParser.feed + readBatch (strings out); eventsource-parser: TextDecoder + feed; wasm+dispatch: also a');
    lines.push('  MessageEvent per event dispatched on an EventTarget (what any EventSource on DOM events pays; no network).');
    lines.push('  The profile of "wasm": feed = the parse alone (batch views out, no strings); +decode = and one TextDecoder call');
    lines.push('  per batch (a string per chunk); the rest of "wasm" is cutting one string per event out of it.');
    lines.push('');
  }

  if (out.cold.length) {
    for (const delay of cfg.coldDelays) {
      const rows = [];
      for (const contender of cfg.coldContenders) {
        const mine = out.cold.filter((r) => r.contender === contender && (r.delay ?? 0) === delay);
        const ok = mine.filter((r) => r.ok);
        const s = { contender, delay, ok: ok.length, runs: mine.length, firstMs: median(ok.map((r) => r.firstMs)), scriptMs: median(ok.map((r) => r.scriptMs)), minMs: ok.length ? Math.min(...ok.map((r) => r.firstMs)) : null, maxMs: ok.length ? Math.max(...ok.map((r) => r.firstMs)) : null };
        summary.cold.push(s);
        const label = { native: 'native EventSource', classic: 'eventsource-wasm script tag (dist/eventsource.js)', full: 'eventsource-wasm, engine inside (dist/eventsource.full.js)', module: 'eventsource-wasm ES module (dist/index.js)', 'event-source-polyfill': 'event-source-polyfill (.min.js)', eventsource: 'eventsource (npm; esbuild bundle, ES module)' }[contender];
        rows.push([label, fmt(s.firstMs), fmt(s.minMs), fmt(s.maxMs), fmt(s.scriptMs), `${s.ok}/${s.runs}`]);
      }
      const how = delay > 0 ? `every response held back ${delay} ms by the server` : 'loopback';
      lines.push(`First event, cold, ${how} (${out.version}; per sample a fresh browser and profile, a warm-up page, then this page; from before the script tag; medians of ${cfg.cold})`);
      lines.push(table(['page', 'first event ms', 'min', 'max', 'script ran ms', 'ok'], rows, ['l']));
      lines.push('');
    }
  }

  if (out.memory.length) {
    const rows = [];
    for (const r of out.memory) {
      const samples = r.samples ?? [];
      const periodic = samples.filter((x) => x.label === 'periodic');
      const first = periodic[0];
      const start = samples.find((x) => x.label === 'start');
      const end = samples.find((x) => x.label === 'end');
      const closed = samples.find((x) => x.label === 'closed+gc');
      const maxOf = (key, extra) => {
        const v = [...samples.filter((x) => x.label !== 'closed+gc').map((x) => x[key]), extra].filter((x) => typeof x === 'number');
        return v.length ? Math.max(...v) : null;
      };
      const d = (sample, key) => (sample && typeof sample[key] === 'number' ? sample[key] : null);
      const bytes = r.contender.startsWith('fetch-drain') ? r.bytes : r.events * 64;
      const s = {
        contender: r.contender, requests: r.requests, ok: !!r.ok, outcome: r.outcome, events: r.events, bytes, seconds: r.ms / 1000,
        mbPerS: r.ok ? bytes / 1e6 / (r.ms / 1000) : null,
        heapStart: d(start, 'heap'), wasmStart: d(start, 'wasm'),
        heapAt16: d(first, 'heap'), heapEnd: d(end, 'heap'), heapPeak: maxOf('heap', r.peakHeap), heapClosedGc: d(closed, 'heap'),
        peakLooks: r.peakLooks ?? null,
        maxFetchChunkBytes: r.maxFetchChunk ?? null, maxXhrChunkUnits: r.maxXhrChunk ?? null,
        wasmAt16: d(first, 'wasm'), wasmEnd: d(end, 'wasm'), wasmPeak: maxOf('wasm', r.peakWasm),
      };
      s.heapGrowth = s.heapAt16 !== null && s.heapEnd !== null ? s.heapEnd - s.heapAt16 : null;
      s.wasmGrowth = s.wasmAt16 !== null && s.wasmEnd !== null ? s.wasmEnd - s.wasmAt16 : null;
      summary.memory.push(s);
    }
    const drain = summary.memory.find((m) => m.contender === 'fetch-drain' && m.ok);
    const paced = summary.memory.find((m) => m.contender === 'fetch-drain paced' && m.ok);
    for (const s of summary.memory) {
      const over = (d) => (d && s.heapPeak !== null && d.heapPeak !== null ? s.heapPeak - d.heapPeak : null);
      s.peakOverDrain = over(drain);
      s.peakOverPacedDrain = over(paced);
      rows.push([s.contender, s.requests ?? '-', s.ok ? (s.contender.startsWith('fetch-drain') ? `${fmt(s.bytes / 1048576, 0)} MiB` : fmtInt(s.events)) : `FAILED (${s.outcome ?? '?'}; ${fmtInt(s.events)} ev)`, fmt(s.seconds), fmt(s.mbPerS),
        fmt(mib(s.heapStart)), fmt(mib(s.heapAt16)), fmt(mib(s.heapEnd)), fmt(mib(s.heapGrowth)), fmt(mib(s.heapPeak)), fmt(mib(s.peakOverDrain)), fmt(mib(s.peakOverPacedDrain)),
        fmt(mib(s.wasmStart), 2), fmt(mib(s.wasmAt16), 2), fmt(mib(s.wasmEnd), 2), fmt(mib(s.wasmGrowth), 2),
        fmt(mib(Math.max(s.maxFetchChunkBytes ?? 0, s.maxXhrChunkUnits ?? 0) || null), 2)]);
    }
    lines.push(`Memory over ${cfg.memoryMib} MiB of /t/endless (64-byte events) (${out.version}; one run each; MiB)`);
    lines.push(table(['contender', 'requests', 'events', 's', 'MB/s', 'heap start', '@16MiB', 'end', 'growth', 'peak', '- drain', '- paced', 'wasm start', '@16MiB', 'end', 'growth', 'max chunk'], rows, ['l']));
    lines.push('  heap: performance.memory.usedJSHeapSize (Chromium only; start is after a GC, nothing forced while streaming). peak:');
    lines.push('  the largest of a look every MiB streamed and the samples; - drain: peak above the peak of fetch-drain (fetch +');
    lines.push('  TextDecoder, no parsing, as fast as it reads) in the same browser; - paced: above fetch-drain paced, the same drain held');
    lines.push('  to wasm-fetch\'s MB/s (like for like: at full speed the drain\'s garbage meets other collections). wasm: the engine\'s');
    lines.push('  WebAssembly.Memory (the polyfill from /js/index.js, which shares /pkg/eventsource_wasm.js and its exported memory; same');
    lines.push('  code as dist/). growth: end minus the sample at 16 MiB. max chunk: the largest fetch read (MiB) or XHR responseText');
    lines.push('  growth between two reads (Mi UTF-16 units).');
    lines.push('');
  }

  // Issue 13's targets, stated, not asserted.
  const T = (label, value, target, met) => lines.push(`  ${met === null ? 'info   ' : met ? 'met    ' : 'NOT met'}  ${label}: ${value} (target ${target})`);
  lines.push(`Targets of issue 13 (${kind}):`);
  for (const g of sizeRows.filter((x) => x.goal === 'native')) T(`1. ${g.label}: gzipped`, `${g.gzip} B`, `<= ${GOAL.nativeGlobalBytes} B (bench:bytes: no wasm fetched or compiled)`, g.gzip <= GOAL.nativeGlobalBytes);
  for (const g of sizeRows.filter((x) => x.goal === 'engine')) T(`2. ${g.label}: gzipped`, `${g.gzip} B`, `<= ${GOAL.engineBytes} B`, g.gzip <= GOAL.engineBytes);
  const get = (corpus, c) => summary.throughput.find((x) => x.corpus === corpus && x.contender === c);
  for (const corpus of GOAL.eventsCorpora) {
    const w = get(corpus, 'wasm-fetch');
    const f = summary.floor.find((x) => x.corpus === corpus);
    if (w?.eventsPerS && w.ratioToNative) {
      const floorWords = f?.eventsPerS ? `; platform floor ${fmtInt(f.eventsPerS)}/s (${fmt(f.ratioToNative, 2)}x native), the package at ${fmt(w.ratioToFloor, 2)}x the floor` : '';
      T(`3. ${corpus}: wasm-fetch events/s / native`, `${fmt(w.ratioToNative, 2)}x (${fmtInt(w.eventsPerS)} vs ${fmtInt(get(corpus, 'native')?.eventsPerS)})${floorWords}`, `>= ${fmt(GOAL.eventsVsNative, 1)}x`, w.ratioToNative >= GOAL.eventsVsNative);
    }
  }
  const drain = summary.memory.find((m) => m.contender === 'fetch-drain' && m.ok);
  const pacedDrain = summary.memory.find((m) => m.contender === 'fetch-drain paced' && m.ok);
  for (const m of summary.memory.filter((x) => x.contender.startsWith('wasm-'))) {
    if (!m.ok) {
      T(`4. ${m.contender}: peak JS heap over ${cfg.memoryMib} MiB`, `FAILED (${m.outcome})`, 'a run', false);
    } else if (m.heapPeak === null || !pacedDrain || pacedDrain.heapPeak === null) {
      T(`4. ${m.contender}: growth from 16 MiB to the end`, `wasm ${fmt(mib(m.wasmGrowth), 2)} MiB (no JS heap figure in this browser)`, 'flat', null);
    } else {
      T(`4. ${m.contender}: peak JS heap vs fetch+TextDecoder drain at wasm-fetch's pace`, `${fmt(mib(m.heapPeak))} MiB vs ${fmt(mib(pacedDrain.heapPeak))} MiB (${m.peakOverPacedDrain >= 0 ? '+' : ''}${fmt(mib(m.peakOverPacedDrain))}; the drain at full speed ${fmt(mib(drain?.heapPeak))} MiB); growth 16 MiB->end ${fmt(mib(m.heapGrowth))} MiB, wasm ${fmt(mib(m.wasmGrowth), 2)} MiB`,
        `<= drain + ${fmt(mib(GOAL.heapOverDrain), 0)} MiB, flat`, m.peakOverPacedDrain <= GOAL.heapOverDrain);
    }
  }
  for (const delay of cfg.coldDelays) {
    const coldOf = (c) => summary.cold.find((x) => x.contender === c && x.delay === delay)?.firstMs;
    for (const c of ['classic', 'full', 'module']) {
      if (coldOf(c) && coldOf('event-source-polyfill')) T(`5. first event cold (+${delay} ms), ${c} vs event-source-polyfill`, `${fmt(coldOf(c))} ms vs ${fmt(coldOf('event-source-polyfill'))} ms (native ${fmt(coldOf('native'))}, eventsource ${fmt(coldOf('eventsource'))})`, 'no later', coldOf(c) <= coldOf('event-source-polyfill'));
    }
  }
  for (const p of summary.parser) if (p.ratio) T(`6. ${p.corpus}: parser in the page (wasm, strings out) / eventsource-parser`, `${fmt(p.ratio, 2)}x`, `>= ${GOAL.parserVsEsp}x`, p.ratio >= GOAL.parserVsEsp);
  lines.push('');
  return { lines, summary };
}

// ---------------------------------------------------------------- main

async function main() {
  const started = performance.now();
  for (const f of ['dist/index.js', 'dist/global.js', 'dist/eventsource.js', 'dist/engine.js', 'dist/engine.nowasm.js', 'dist/eventsource.full.js', 'pkg/eventsource_wasm.js', 'pkg/eventsource_wasm_bytes.js', 'pkg/tools/eventsource_wasm.js']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run bash scripts/build.sh first`);
  }
  const corpusDir = join(ROOT, 'target', `corpora-${cfg.mib}`);
  const { corpora } = await ensureCorpora(cfg.mib, { dir: corpusDir, log });
  await buildVendor();
  const sizeRows = sizes();

  const ref = await startReferenceServer(corpusDir);
  const delayed = new Map();
  if (has('cold')) {
    for (const d of cfg.coldDelays) if (d > 0 && !delayed.has(d)) delayed.set(d, await startReferenceServer(corpusDir, d));
  }
  const runner = await startRunnerServer();
  log(`reference server ${ref.origin}, runner ${runner.origin}; parts: ${cfg.parts.join(', ')}; browsers: ${cfg.browsers.join(', ')}`);
  const stopAll = async () => {
    for (const b of liveBrowsers) await b.kill();
    await ref.stop();
    for (const server of delayed.values()) await server.stop();
  };
  const onSignal = () => {
    stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const results = {};
  try {
    for (const kind of cfg.browsers) {
      const t0 = performance.now();
      results[kind] = await benchBrowser(kind, { ref, delayed, runner, corpora });
      results[kind].seconds = (performance.now() - t0) / 1000;
    }
  } finally {
    await stopAll();
    await runner.close();
  }

  const printed = [];
  printed.push('Bytes a page loads (gzip -9 of each file, summed; npm run bench:bytes measures them in a page, per entry)');
  printed.push(table(['what', 'raw B', 'gzipped B'], sizeRows.map((s) => [`${s.label}: ${s.files.map((f) => f.file.replace('www/bench/vendor/', 'vendor/')).join(' + ')}`, s.raw, s.gzip]), ['l']));
  printed.push('');
  const json = {
    date: new Date().toISOString(),
    config: cfg,
    corpora: corpora.map((c) => c.meta),
    sizes: sizeRows,
    browsers: {},
  };
  for (const kind of cfg.browsers) {
    const { lines, summary } = summarize(kind, results[kind], sizeRows);
    printed.push(`==================== ${kind} ====================`, ...lines);
    json.browsers[kind] = { version: results[kind].version, seconds: results[kind].seconds, skipped: results[kind].skipped, summary, runs: results[kind] };
  }
  json.seconds = (performance.now() - started) / 1000;
  printed.push(`Total ${fmt(json.seconds)} s (${cfg.browsers.map((k) => `${k} ${fmt(results[k].seconds)} s`).join(', ')})`);
  console.log(printed.join('\n'));
  mkdirSync(dirname(cfg.out), { recursive: true });
  writeFileSync(cfg.out, `${JSON.stringify(json, null, 1)}\n`);
  log(`wrote ${cfg.out}`);
}

main().catch((e) => {
  log(e.stack || String(e));
  process.exit(1);
});
