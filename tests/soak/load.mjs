// The load rows of the soak: thousands of concurrent streams on loopback against the reference
// server, driven by the Rust load tool (server/src/bin/sse_load.rs, `target/release/sse-load`):
// events fanned out at a steady rate through /t/fanout, then the same with every stream
// dropping its connection every few events and resuming with Last-Event-ID.
//
// Figures: events lost (must be 0) and repeated (must be 0), server RSS per stream, server and
// load-tool CPU while publishing, latency from publish to receipt (median, p99) of the events
// a stream got live, and apart from them of those it got replayed after a reconnection (they
// were published while it was away, so their latency includes the reconnection). Both
// processes raise their own open-file soft limit to the hard limit; the row fails with a
// clear message when the hard limit is too low for the stream count.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { ROOT, startServerWithExtraPorts } from './lib.mjs';

export const LOAD_BIN = path.join(ROOT, 'target', 'release', 'sse-load');

/** `Max open files` (soft, hard) of a running process, from /proc. */
function openFileLimits(pid) {
  try {
    const line = fs.readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const [soft, hard] = line.trim().split(/\s+/).slice(3, 5);
    return { soft: Number(soft) || soft, hard: Number(hard) || hard };
  } catch {
    return null;
  }
}

/** Runs the load tool to its end (bounded), resolving to its JSON report. */
function runLoadTool(args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(LOAD_BIN, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err = (err + d).slice(-4000); });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sse-load did not finish within ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`sse-load exited ${code}: ${err}`));
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`sse-load printed no JSON: ${out.slice(0, 500)} ${err}`));
      }
    });
  });
}

/**
 * One load row: `streams` concurrent streams, `rate` events/s for `seconds`, optionally
 * churning (each stream reconnects after MIN..MAX events).
 */
export async function loadRow({ streams = 2000, rate = 20, seconds = 20, churn = null } = {}) {
  const label = `load: ${streams} streams, ${rate} events/s for ${seconds} s${churn ? `, reconnecting every ${churn} events` : ''}`;
  const r = { fault: label, tried: 0, lost: 0, repeated: 0, memory: {}, problems: [], details: {} };
  if (!fs.existsSync(LOAD_BIN)) {
    r.problems.push(`no ${LOAD_BIN}: run \`cargo build --release -p eventsource-wasm-server\``);
    return r;
  }
  // Room for every stream twice over (a churning stream's old connection may linger a moment).
  const server = await startServerWithExtraPorts(0, [
    '--static', '/=/nonexistent',
    '--max-streams', String(streams * 2 + 100),
    '--max-connections', String(streams * 2 + 200),
  ]);
  try {
    const serverLimits = openFileLimits(server.pid);
    if (serverLimits && Number(serverLimits.soft) < streams * 2 + 200) {
      r.problems.push(`the server's open-file limit is ${serverLimits.soft} (hard ${serverLimits.hard}), below ${streams * 2 + 200}: raise \`ulimit -Hn\``);
    }
    const args = [
      '--addr', new URL(server.origin).host,
      '--streams', String(streams),
      '--rate', String(rate),
      '--seconds', String(seconds),
      '--server-pid', String(server.pid),
    ];
    if (churn) args.push('--churn', churn);
    const out = await runLoadTool(args, (seconds + 120) * 1000);
    r.tried = out.expected;
    r.lost = out.lost;
    r.repeated = out.repeated;
    r.memory = { rssPerStreamKiB: out.serverRssPerStreamKiB, serverRssMiB: Math.round((out.serverRssKiB.end / 1024) * 10) / 10 };
    r.details = { ...out, serverOpenFiles: serverLimits };
    if (out.lost !== 0) r.problems.push(`${out.lost} events lost (gaps inside streams: ${out.gaps})`);
    if (out.repeated !== 0) r.problems.push(`${out.repeated} events repeated`);
    if (out.finished !== streams) r.problems.push(`${streams - out.finished} streams did not reach the last event`);
    if (!churn && out.errors !== 0) r.problems.push(`${out.errors} connection errors`);
    if (Number(out.openFiles.soft) < streams + 100) r.problems.push(`the load tool's open-file limit is ${out.openFiles.soft}`);
  } finally {
    await server.stop();
  }
  return r;
}

/** The load figures as a table (one line per row). */
export function loadTable(rows) {
  const head = ['load', 'deliveries', 'lost', 'repeated', 'reconnects', 'reconnect median / p99 (ms)', 'latency median / p99 (ms)', 'replayed: n, median / p99 (ms)', 'server RSS per stream', 'server CPU', 'load-tool CPU', 'open files (soft/hard)'];
  const ms = (us) => (us / 1000).toFixed(1);
  const body = rows.filter((x) => x.details?.latencyUs).map((x) => {
    const d = x.details;
    return [
      x.fault, String(d.received), String(d.lost), String(d.repeated), String(d.reconnects),
      d.reconnectUs.samples ? `${ms(d.reconnectUs.median)} / ${ms(d.reconnectUs.p99)}` : '-',
      `${ms(d.latencyUs.median)} / ${ms(d.latencyUs.p99)}`,
      d.replayedLatencyUs.samples ? `${d.replayedLatencyUs.samples}, ${ms(d.replayedLatencyUs.median)} / ${ms(d.replayedLatencyUs.p99)}` : '-',
      `${d.serverRssPerStreamKiB} KiB`,
      `${d.serverCpuPercent}%`, `${d.loadCpuPercent}%`, `${d.openFiles.soft}/${d.openFiles.hard}`,
    ];
  });
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(width[i])).join(' | ')} |`;
  return [line(head), `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
