// `npm run conformance`: the conformance suite against native Chromium, native Firefox, the
// polyfill in Chromium and the polyfill in Firefox (native removed, classic script, transport
// auto), one browser at a time. Prints one row per case with the four results and a total per
// column, writes target/conformance/scorecard.json, and lists
//   - deviations of the browsers: a native implementation fails where the polyfill passes
//     in the same browser;
//   - regressions of the polyfill: the polyfill fails where a native implementation passes
//     (must be none: the exit status is 1 when there are any).

import fs from 'node:fs';
import path from 'node:path';

import { startServer, ROOT } from '../e2e/harness.mjs';
import { run, tally, LOG_DIR } from './run.mjs';
import { browserAvailable } from './webdriver.mjs';

const COLUMNS = [
  { key: 'native-chromium', browser: 'chromium', impl: 'native', head: 'native Cr' },
  { key: 'native-firefox', browser: 'firefox', impl: 'native', head: 'native Fx' },
  { key: 'polyfill-chromium', browser: 'chromium', impl: 'polyfill', head: 'polyfill Cr' },
  { key: 'polyfill-firefox', browser: 'firefox', impl: 'polyfill', head: 'polyfill Fx' },
];
const SHOW = { pass: 'pass', fail: 'FAIL', skip: 'skip' };

function pad(s, n) {
  s = String(s);
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

async function main() {
  const server = await startServer({ name: 'scorecard' });
  const runs = {};
  try {
    for (const col of COLUMNS) {
      if (!browserAvailable(col.browser)) {
        console.error(`${col.key}: ${col.browser} is not installed; column left empty`);
        runs[col.key] = { error: 'browser not installed', results: [] };
        continue;
      }
      process.stderr.write(`${col.key}: `);
      try {
        const r = await run({
          browser: col.browser,
          impl: col.impl,
          entry: 'script',
          transport: 'auto',
          origin: server.origin,
          origin2: server.origin2,
          onProgress: (p) => process.stderr.write(`\r${col.key}: ${p.completed}/${p.total}   `),
        });
        runs[col.key] = r;
        process.stderr.write(`\r${col.key}: ${r.results.length} cases in ${(r.ms / 1000).toFixed(1)} s (${col.browser} ${r.browserVersion})\n`);
      } catch (err) {
        process.stderr.write(`\n${col.key}: run failed: ${err.message}\n`);
        runs[col.key] = { error: err.message, results: [] };
      }
    }
  } finally {
    await server.stop();
  }

  // One row per case, in suite order (the longest run decides the order).
  const order = [];
  const meta = new Map();
  for (const col of COLUMNS) {
    for (const r of runs[col.key].results) {
      if (!meta.has(r.id)) {
        meta.set(r.id, { section: r.section, title: r.title });
        order.push(r.id);
      }
    }
  }
  const cell = (col, id) => runs[col.key].results.find((r) => r.id === id);
  const idWidth = Math.max(4, ...order.map((id) => id.length));
  const header = `${pad('case', idWidth)}  ${pad('section', 13)}${COLUMNS.map((c) => pad(c.head, 13)).join('')}`;
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const id of order) {
    const row = COLUMNS.map((c) => pad(SHOW[cell(c, id)?.status] || '-', 13)).join('');
    console.log(`${pad(id, idWidth)}  ${pad(meta.get(id).section, 13)}${row}`);
  }
  console.log('-'.repeat(header.length));
  const totals = {};
  for (const c of COLUMNS) totals[c.key] = tally(runs[c.key].results);
  for (const status of ['pass', 'fail', 'skip']) {
    console.log(`${pad(`total ${status}`, idWidth)}  ${pad('', 13)}${COLUMNS.map((c) => pad(totals[c.key][status], 13)).join('')}`);
  }

  // Deviations: native fails, the polyfill passes in the same browser.
  const deviations = [];
  const bothFail = [];
  const regressions = [];
  for (const id of order) {
    for (const browser of ['chromium', 'firefox']) {
      const n = cell(COLUMNS.find((c) => c.key === `native-${browser}`), id);
      const p = cell(COLUMNS.find((c) => c.key === `polyfill-${browser}`), id);
      if (n?.status === 'fail' && p?.status === 'pass') deviations.push({ id, browser, native: n.message });
      if (n?.status === 'fail' && p?.status === 'fail') bothFail.push({ id, browser, native: n.message, polyfill: p.message });
    }
    const nativePass = ['chromium', 'firefox'].filter((b) => cell(COLUMNS.find((c) => c.key === `native-${b}`), id)?.status === 'pass');
    for (const browser of ['chromium', 'firefox']) {
      const p = cell(COLUMNS.find((c) => c.key === `polyfill-${browser}`), id);
      if (p?.status === 'fail' && nativePass.length) regressions.push({ id, browser, nativePasses: nativePass, polyfill: p.message });
    }
  }

  console.log(`\nBrowser deviations from the standard (native fails, polyfill passes in the same browser): ${deviations.length}`);
  for (const d of deviations) console.log(`  ${d.browser.padEnd(8)} ${d.id}: ${d.native}`);
  if (bothFail.length) {
    console.log(`\nFailing natively and with the polyfill in the same browser: ${bothFail.length}`);
    for (const d of bothFail) console.log(`  ${d.browser.padEnd(8)} ${d.id}: native: ${d.native} | polyfill: ${d.polyfill}`);
  }
  console.log(`\nPolyfill failures where a native implementation passes (must be none): ${regressions.length}`);
  for (const r of regressions) console.log(`  ${r.browser.padEnd(8)} ${r.id} (native passes in ${r.nativePasses.join(', ')}): ${r.polyfill}`);

  const out = {
    generated: new Date().toISOString(),
    columns: COLUMNS.map((c) => ({
      key: c.key,
      browser: c.browser,
      impl: c.impl,
      browserVersion: runs[c.key].browserVersion || null,
      ms: runs[c.key].ms || null,
      error: runs[c.key].error || null,
      totals: totals[c.key],
      pageErrors: runs[c.key].pageErrors || [],
    })),
    cases: order.map((id) => ({
      id,
      section: meta.get(id).section,
      title: meta.get(id).title,
      results: Object.fromEntries(COLUMNS.map((c) => {
        const r = cell(c, id);
        return [c.key, r ? { status: r.status, message: r.message, ms: r.ms } : null];
      })),
    })),
    deviations,
    bothFail,
    regressions,
  };
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const file = path.join(LOG_DIR, 'scorecard.json');
  fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwritten ${path.relative(ROOT, file)}`);
  const broken = COLUMNS.filter((c) => runs[c.key].error);
  return regressions.length || broken.length ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err.stack || err.message);
    process.exitCode = 2;
  },
);
