// `npm run soak`: the long reliability runs, in headless Chromium against the reference server,
// ending with one table (fault | times tried | events lost | events repeated | memory growth)
// that is also written as JSON to target/soak/soak.json. Exit status 1 if any row has problems.
//
//   node tests/soak/run.mjs [--only SUBSTRING]... [--quick]
//
// --only runs the rows whose group name contains the substring (kill, stall, hostile, many,
// close, navigate, differential, load); --quick uses the e2e counts (a smoke test of the soak
// itself). Needs `bash scripts/build.sh` (dist/, pkg/) and `cargo build --release -p
// eventsource-wasm-server` (sse-server and the load tool sse-load); builds examples/dump.rs
// itself. One browser at a time. The load rows (tests/soak/load.mjs) need no browser: 2,000
// streams on loopback, then the same with every stream reconnecting every few events.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startServer, polyfillBuilt, SERVER_BIN } from '../e2e/harness.mjs';
import { ROOT, launch, mib } from './lib.mjs';
import {
  killRestart, stall, hostile, manySources, closeStates, navigateAway,
} from './scenarios.mjs';
import { compare, corpusFiles, generateCorpus, describe } from './differential.mjs';
import { loadRow, loadTable } from './load.mjs';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.flatMap((a, i) => (a === '--only' ? [argv[i + 1]] : []));
const wanted = (group) => only.length === 0 || only.some((o) => group.includes(o));

const N = quick
  ? { restarts: 2, stalls: 2, hostileRepeat: 1, million: 200_000, manyRounds: 1, closeRounds: 1, navigate: 1, generated: 200, loadStreams: 500, loadSeconds: 5 }
  : { restarts: 20, stalls: 20, hostileRepeat: 3, million: 1_000_000, manyRounds: 5, closeRounds: 20, navigate: 10, generated: 3000, loadStreams: 2000, loadSeconds: 20 };

function memoryText(m) {
  const parts = [];
  if (m.growthMiB !== undefined) parts.push(`heap ${m.growthMiB >= 0 ? '+' : ''}${m.growthMiB} MiB`);
  if (m.heapPeakOverStartMiB !== undefined) parts.push(`peak +${m.heapPeakOverStartMiB}`);
  if (m.wasmMiB !== undefined) parts.push(`wasm ${m.wasmStartMiB ?? '?'}→${m.wasmMiB} MiB`);
  if (m.wasmMemoryMiB !== undefined) parts.push(`wasm ${m.wasmMemoryMiB} MiB`);
  if (m.rssPerStreamKiB !== undefined) parts.push(`server ${m.rssPerStreamKiB} KiB/stream, RSS ${m.serverRssMiB} MiB`);
  return parts.join(', ') || '-';
}

function table(rows) {
  const head = ['fault', 'times tried', 'events lost', 'events repeated', 'memory growth', 'result'];
  const body = rows.map((r) => [
    r.fault, String(r.tried), String(r.lost), String(r.repeated), memoryText(r.memory),
    r.problems.length ? `FAIL (${r.problems.length})` : 'ok',
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(width[i])).join(' | ')} |`;
  return [line(head), `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

async function main() {
  const browserGroups = ['kill', 'stall', 'hostile', 'many', 'close', 'navigate', 'differential'];
  if (browserGroups.some(wanted) && (!polyfillBuilt() || !fs.existsSync(path.join(ROOT, 'pkg', 'tools', 'eventsource_wasm_bg.wasm')))) {
    throw new Error('dist/ or pkg/tools/ missing: run `bash scripts/build.sh` first');
  }
  if (!fs.existsSync(SERVER_BIN)) throw new Error(`no ${SERVER_BIN}: run \`cargo build --release -p eventsource-wasm-server\``);
  const started = Date.now();
  const rows = [];
  const timings = {};
  const run = async (group, label, fn) => {
    if (!wanted(group)) return;
    const t0 = Date.now();
    process.stderr.write(`soak: ${label} …\n`);
    try {
      const out = await fn();
      for (const r of [out].flat()) {
        rows.push(r);
        process.stderr.write(`  ${r.fault}: tried ${r.tried}, lost ${r.lost}, repeated ${r.repeated}, ${memoryText(r.memory)}${r.problems.length ? `\n    PROBLEMS:\n    ${r.problems.join('\n    ')}` : ''}\n`);
      }
    } catch (err) {
      rows.push({ fault: label, tried: 0, lost: 0, repeated: 0, memory: {}, problems: [`threw: ${err.stack ?? err}`], details: {} });
      process.stderr.write(`  ${label} THREW: ${err.stack ?? err}\n`);
    }
    timings[label] = Math.round((Date.now() - t0) / 100) / 10;
  };

  const corpusDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esw-soak-corpus-'));
  const browser = wanted('kill') || wanted('stall') || wanted('hostile') || wanted('many') || wanted('close') || wanted('navigate')
    ? await launch() : null;
  const server = browser ? await startServer({ name: 'soak', args: ['--corpus-dir', corpusDir, '--poll-wait-ms', '5000'] }) : null;
  try {
    for (const transport of ['fetch', 'xhr', 'polling']) {
      await run('kill', `kill/restart ${transport}`, () => killRestart(browser, { transport, restarts: N.restarts }));
    }
    await run('stall', 'stall', () => stall(browser, server, { stalls: N.stalls, k: 5, heartbeat: 300 }));
    await run('hostile', 'hostile streams', () => hostile(browser, server, { corpusDir, million: N.million, repeat: N.hostileRepeat }));
    for (const [transport, rounds] of [['fetch', N.manyRounds], ['xhr', Math.ceil(N.manyRounds / 2)], ['polling', Math.ceil(N.manyRounds / 3)]]) {
      await run('many', `200 sources ${transport}`, () => manySources(browser, { sources: 200, rounds, transport }));
    }
    for (const transport of ['fetch', 'xhr', 'polling']) {
      await run('close', `close states ${transport}`, () => closeStates(browser, server, { transport, rounds: N.closeRounds }));
    }
    for (const transport of ['fetch', 'xhr']) {
      await run('navigate', `navigate away ${transport}`, () => navigateAway(browser, server, { transport, rounds: N.navigate }));
    }
  } finally {
    await browser?.close();
    await server?.stop();
    fs.rmSync(corpusDir, { recursive: true, force: true });
  }

  await run('differential', 'differential', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esw-soak-differential-'));
    try {
      const files = [...corpusFiles(), ...generateCorpus(dir, N.generated, 11)];
      const d = await compare(files);
      process.stderr.write(`  ${describe(d, 2)}\n`);
      const problems = d.mismatches.map((m) => `differs: ${m.name}`);
      return {
        fault: `differential wasm vs native (${corpusFiles().length} corpus + ${N.generated} generated inputs, ${d.events} events)`,
        tried: d.files,
        lost: d.lost,
        repeated: d.repeated,
        memory: { wasmMemoryMiB: mib(d.wasmMemoryBytes) },
        problems,
        details: { events: d.events, mismatches: d.mismatches.length },
      };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  await run('load', `load ${N.loadStreams} streams`, () => loadRow({ streams: N.loadStreams, rate: 20, seconds: N.loadSeconds }));
  await run('load', `load ${N.loadStreams} streams churning`, () => loadRow({ streams: N.loadStreams, rate: 20, seconds: N.loadSeconds, churn: '10:40' }));

  const out = path.join(ROOT, 'target', 'soak');
  fs.mkdirSync(out, { recursive: true });
  const report = {
    startedAt: new Date(started).toISOString(),
    durationSec: Math.round((Date.now() - started) / 1000),
    quick,
    timingsSec: timings,
    rows: rows.map((r) => ({ ...r, memoryText: memoryText(r.memory) })),
  };
  fs.writeFileSync(path.join(out, 'soak.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${table(rows)}\n`);
  if (rows.some((r) => r.details?.latencyUs)) console.log(`${loadTable(rows)}\n`);
  console.log(`soak: ${rows.filter((r) => r.problems.length).length} of ${rows.length} rows with problems, ${report.durationSec} s; JSON: target/soak/soak.json`);
  return rows.some((r) => r.problems.length) ? 1 : 0;
}

process.exitCode = await main();
