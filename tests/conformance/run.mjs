// Runs the conformance page (www/conformance/) in one browser through WebDriver and returns
// its results.
//
//   import { run } from './run.mjs';
//   const { results } = await run({ browser: 'chromium', impl: 'polyfill' });
//
// CLI: node tests/conformance/run.mjs [--browser chromium|firefox] [--impl native|polyfill]
//      [--entry script|esm] [--transport auto|fetch|xhr|polling] [--sections a,b] [--filter RE]

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer, ROOT } from '../e2e/harness.mjs';
import { withBrowser } from './webdriver.mjs';

/** Bound for one case on the page (the page enforces it; a failure, never a pass). */
export const CASE_TIMEOUT_MS = 10_000;
/** How long one WebDriver wait for progress lasts before it asks again. */
const POLL_SLICE_MS = 20_000;

export const LOG_DIR = path.join(ROOT, 'target', 'conformance');

/** Builds the page URL for a run. */
export function pageUrl({ origin, origin2, impl = 'polyfill', entry = 'script', transport = 'auto', sections, filter, caseTimeout = CASE_TIMEOUT_MS }) {
  const u = new URL('/conformance/index.html', origin);
  u.searchParams.set('impl', impl);
  u.searchParams.set('entry', entry);
  u.searchParams.set('transport', transport);
  if (origin2) u.searchParams.set('origin2', origin2);
  if (sections && sections.length) u.searchParams.set('sections', sections.join(','));
  if (filter) u.searchParams.set('filter', filter);
  u.searchParams.set('timeout', String(caseTimeout));
  return u.href;
}

// Resolves when the run is done or after `slice` ms, with the progress (evaluated in the page).
const WAIT_SCRIPT = `
const slice = arguments[0];
const callback = arguments[arguments.length - 1];
const c = window.__conformance;
const report = () => {
  const s = window.__conformance;
  callback(s ? { started: true, done: s.done, completed: s.results.length, total: s.total, error: s.error } : { started: false });
};
if (!c || c.done) { report(); return; }
const timer = setTimeout(report, slice);
window.__conformanceFinished.then(() => { clearTimeout(timer); report(); });
`;

/**
 * Runs the suite in `browser` and resolves with
 * `{ results, info, browserVersion, ms, url }`.
 * Starts (and stops) its own server unless `origin` and `origin2` are given.
 */
export async function run({
  browser = 'chromium',
  impl = 'polyfill',
  entry = 'script',
  transport = 'auto',
  sections,
  filter,
  origin,
  origin2,
  caseTimeout = CASE_TIMEOUT_MS,
  onProgress,
} = {}) {
  const started = Date.now();
  let server = null;
  if (!origin) {
    server = await startServer({ name: `conformance-${browser}-${impl}` });
    origin = server.origin;
    origin2 = server.origin2;
  }
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `driver-${browser}-${impl}-${transport}-${process.pid}.log`);
  try {
    const url = pageUrl({ origin, origin2, impl, entry, transport, sections, filter, caseTimeout });
    return await withBrowser(browser, async (session) => {
      await session.navigate(url);
      // Bound: every case may use its whole time bound, plus slack for loading.
      const maxCases = 400;
      const deadline = Date.now() + 60_000 + maxCases * (caseTimeout + 1_000);
      let progress = { started: false };
      let startWaits = 0;
      for (;;) {
        if (Date.now() > deadline) throw new Error(`${browser}/${impl}: the suite did not finish in time (last progress ${JSON.stringify(progress)})`);
        progress = await session.executeAsync(WAIT_SCRIPT, [POLL_SLICE_MS]);
        if (!progress.started) {
          // The runner module sets window.__conformance as soon as it runs; a few asks cover
          // a page still loading.
          if (++startWaits > 10) throw new Error(`${browser}/${impl}: the conformance page never started (${url})`);
          await session.executeAsync('const cb = arguments[arguments.length - 1]; if (document.readyState === "complete") cb(); else addEventListener("load", () => cb());');
          continue;
        }
        onProgress?.(progress);
        if (progress.done) break;
      }
      const state = await session.execute('const s = window.__conformance; return { error: s.error, info: s.info, results: s.results, pageErrors: s.pageErrors };');
      if (state.error) throw new Error(`${browser}/${impl}: ${state.error}`);
      return {
        browser,
        impl,
        entry,
        transport,
        browserVersion: session.browserVersion,
        url,
        info: state.info,
        pageErrors: state.pageErrors,
        results: state.results,
        ms: Date.now() - started,
      };
    }, { logFile });
  } finally {
    await server?.stop();
  }
}

/** Counts per status. */
export function tally(results) {
  const t = { pass: 0, fail: 0, skip: 0 };
  for (const r of results) t[r.status] = (t[r.status] || 0) + 1;
  return t;
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument ${argv[i]}`);
    out[m[1]] = m[2] !== undefined ? m[2] : argv[++i];
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const a = parseArgs(process.argv.slice(2));
  const opts = {
    browser: a.browser || 'chromium',
    impl: a.impl || 'polyfill',
    entry: a.entry || 'script',
    transport: a.transport || 'auto',
    sections: a.sections ? a.sections.split(',') : undefined,
    filter: a.filter,
  };
  run({ ...opts, onProgress: (p) => process.stderr.write(`\r${p.completed}/${p.total}   `) })
    .then((r) => {
      process.stderr.write('\n');
      for (const x of r.results) {
        if (x.status !== 'pass') console.log(`${x.status.toUpperCase().padEnd(4)} ${x.id}  ${x.message}`);
      }
      const t = tally(r.results);
      console.log(`${opts.browser} ${r.browserVersion} impl=${opts.impl} entry=${opts.entry} transport=${opts.transport}: ${t.pass} pass, ${t.fail} fail, ${t.skip} skip in ${(r.ms / 1000).toFixed(1)} s`);
      if (r.pageErrors.length) console.log(`page errors:\n  ${r.pageErrors.join('\n  ')}`);
      process.exitCode = t.fail ? 1 : 0;
    })
    .catch((err) => {
      console.error(err.stack || err.message);
      process.exitCode = 2;
    });
}
