// Shared plumbing of the reliability scenarios (tests/soak/scenarios.mjs): a server with
// --extra-ports, pages on www/reliability/, /t/clients and /t/log from Node.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { ROOT, SERVER_BIN, LOG_DIR, READY_TIMEOUT_MS, launchChromium, collectPageErrors } from '../e2e/harness.mjs';

export { ROOT };

/** Chromium flags for memory figures: precise performance.memory and a callable gc(). */
export const MEMORY_FLAGS = ['--enable-precise-memory-info', '--js-flags=--expose-gc'];

export function launch() {
  return launchChromium({ args: MEMORY_FLAGS });
}

/** Bounded wait for any page condition. */
export const WAIT = { timeout: 30_000, polling: 'raf' };

/**
 * Starts sse-server with `--extra-ports N` and the test routes (the harness's startServer
 * reads only the first two URLs of the READY line and wants nothing after them). Resolves to
 * { origins: [main, second, ...extra], origin, pid, stop() }.
 */
export function startServerWithExtraPorts(extra, args = []) {
  if (!fs.existsSync(SERVER_BIN)) {
    throw new Error(`no server binary at ${SERVER_BIN}: run \`cargo build --release -p eventsource-wasm-server\``);
  }
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `soak-extra-ports-${process.pid}-${Date.now()}.log`);
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(SERVER_BIN, ['--port', '0', '--second-port', '0', '--extra-ports', String(extra), '--test-routes', ...args], {
    cwd: ROOT, stdio: ['ignore', 'pipe', fd],
  });
  fs.closeSync(fd);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no READY line within ${READY_TIMEOUT_MS} ms (log ${logFile})`));
    }, READY_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sse-server exited (${code}) before READY (log ${logFile})`));
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const line = buffered.split('\n').find((l) => l.startsWith('READY '));
      if (!line) return;
      clearTimeout(timer);
      const origins = line.trim().split(/\s+/).slice(1);
      resolve({
        origins,
        origin: origins[0],
        pid: child.pid,
        logFile,
        async stop() {
          process.off('exit', killOnExit);
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(t);
        },
      });
    });
  });
}

/** A fresh page (own context) on www/reliability/, once `window.rel` is ready. */
export async function openPage(browser, origin, { build = 'dist' } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(`${origin}/reliability/?build=${build}`);
  await page.waitForFunction(() => window.rel?.ready === true, null, WAIT);
  return { context, page, errors };
}

/** `/t/clients` as { stats, ticker, streams }. */
export async function clients(origin) {
  const r = await fetch(`${origin}/t/clients`);
  return r.json();
}

/**
 * Polls `/t/clients` until `pred` holds (at most `tries` times, 25 ms apart: the server
 * notices a client leaving asynchronously and nothing outside can await that). Returns the
 * last reading.
 */
export async function waitClients(origin, pred, tries = 400) {
  let last = null;
  for (let i = 0; i < tries; i++) {
    last = await clients(origin);
    if (pred(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return last;
}

/** The requests the server logged with `key=K` (see /t/log). */
export async function logged(origin, key) {
  const r = await fetch(`${origin}/t/log?key=${encodeURIComponent(key)}`);
  return (await r.json()).requests;
}

/** `/t/script` URL for exact bytes (every byte percent-encoded), with optional extra query. */
export function scriptUrl(origin, bytes, extra = '') {
  let body = '';
  for (const b of bytes) body += `%${b.toString(16).padStart(2, '0').toUpperCase()}`;
  return `${origin}/t/script?body=${body}${extra ? `&${extra}` : ''}`;
}

/** Bytes of a string given as code units 0-255 (a "binary string"). */
export function bin(s) {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

export const MiB = 1024 * 1024;

export function mib(bytes) {
  return bytes === null || bytes === undefined ? null : Math.round((bytes / MiB) * 100) / 100;
}
