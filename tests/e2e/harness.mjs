// Shared helpers for the browser end-to-end tests (`node --test tests/e2e/`):
// start the reference server (`sse-server`) as a child process, launch the
// system Chromium through playwright-core, and small page helpers.
//
// Every wait here is bounded and fails with a message that says what was awaited,
// where the server log is, and the end of that log.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (two levels above this file). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The server binary: `$SSE_SERVER_BIN`, else `target/release/sse-server`. */
export const SERVER_BIN = process.env.SSE_SERVER_BIN || path.join(ROOT, 'target', 'release', 'sse-server');

/** Where server logs go (one file per started process; `npm test` empties it first). */
export const LOG_DIR = path.join(ROOT, 'target', 'test-logs');

/** Where tests save screenshots. */
export const SCREENSHOT_DIR = path.join(ROOT, 'target', 'screenshots');

/** The system Chromium (`$CHROMIUM_BIN` overrides); Playwright's own browsers are never downloaded. */
export const CHROMIUM_BIN = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

/**
 * Flags for headless Chromium on these machines: no sandbox (root), no GPU, no
 * /dev/shm reliance, and nothing that reaches for the internet.
 */
export const CHROMIUM_ARGS = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]);

/** Bound for the READY line of a starting server. */
export const READY_TIMEOUT_MS = 15_000;
/** Bound for a server to exit after a signal. */
export const STOP_TIMEOUT_MS = 5_000;

// Children still running when this process exits are killed, so a failed test
// cannot leave a server holding its ports.
const liveChildren = new Set();
process.on('exit', () => {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

let logCounter = 0;

/** The last `n` characters of a file, for error messages. */
function tail(file, n = 2000) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.length > n ? `…${text.slice(-n)}` : text;
  } catch {
    return '(no log)';
  }
}

/**
 * Resolves when `child` exits (at once if it already has), or with `null` after `ms`.
 * @param {import('node:child_process').ChildProcess} child
 * @param {number} ms
 * @returns {Promise<{code: number|null, signal: string|null} | null>}
 */
function waitExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(null);
    }, ms);
    function onExit(code, signal) {
      clearTimeout(timer);
      resolve({ code, signal });
    }
    child.once('exit', onExit);
  });
}

/**
 * Spawns the binary once and waits (bounded) for its READY line.
 * @returns {Promise<{child: import('node:child_process').ChildProcess, origin: string, origin2: string}>}
 */
function spawnOnce(bin, argv, logFile, readyTimeoutMs) {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'a');
  fs.writeSync(fd, `\n$ ${bin} ${argv.join(' ')}\n`);
  let child;
  try {
    child = spawn(bin, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', fd] });
  } finally {
    fs.closeSync(fd); // the child holds its own copy
  }
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  child.once('exit', () => log.end());

  return new Promise((resolve, reject) => {
    let buffered = '';
    let settled = false;
    const finish = (err, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new Error(`sse-server printed no READY line within ${readyTimeoutMs} ms (log ${logFile}):\n${tail(logFile)}`));
    }, readyTimeoutMs);
    const onExit = (code, signal) => {
      // Give the log stream a moment to receive stderr already written by the child.
      finish(Object.assign(
        new Error(`sse-server exited (code ${code}, signal ${signal}) before READY (log ${logFile}):\n${tail(logFile)}`),
        { exitCode: code, logFile },
      ));
    };
    const onError = (err) => finish(new Error(`cannot start ${bin}: ${err.message}`));
    child.once('exit', onExit);
    child.once('error', onError);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      log.write(chunk);
      if (settled) return;
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) {
        // `--extra-ports N` appends N more origins after the two.
        const m = /^READY (http:\/\/127\.0\.0\.1:\d+) (http:\/\/127\.0\.0\.1:\d+)((?: http:\/\/127\.0\.0\.1:\d+)*)\s*$/.exec(line);
        if (m) return finish(null, { child, origin: m[1], origin2: m[2], extraOrigins: m[3].split(' ').filter(Boolean) });
      }
    });
  });
}

/**
 * A running `sse-server` child process.
 * @typedef {object} ServerHandle
 * @property {string} origin   `http://127.0.0.1:<port>`: the main listener
 * @property {string} origin2  `http://127.0.0.1:<port2>`: the second listener (another origin, for CORS)
 * @property {number} port
 * @property {number} port2
 * @property {string} logFile  this server's log (stdout and stderr of every start)
 * @property {string[]} args   the extra arguments it was started with
 * @property {boolean} running whether the process is alive
 * @property {import('node:child_process').ChildProcess|null} process the current child process
 * @property {(signal?: NodeJS.Signals) => Promise<{code: number|null, signal: string|null}|null>} stop
 *   Sends `signal` (default SIGTERM) and waits (bounded) for the exit; after
 *   STOP_TIMEOUT_MS it escalates to SIGKILL and rejects. Resolves to the exit
 *   status (`null` if it was not running). Safe to call twice.
 * @property {() => Promise<{code: number|null, signal: string|null}|null>} kill
 *   SIGKILL and wait for the exit (a crash: no shutdown code runs).
 * @property {() => Promise<ServerHandle>} restart
 *   Stops it if running (SIGTERM), then starts it again with the same ports and
 *   arguments; resolves once READY again (the same handle, updated).
 */

/**
 * Starts `sse-server` (from `SERVER_BIN`) in the repository root, with `--test-routes`, and
 * waits for its READY line (bounded by `readyTimeoutMs`, 15 s by default).
 *
 * @param {object} [options]
 * @param {string[]} [options.args]  extra arguments, e.g. `['--stats-interval-ms', '200']`
 * @param {number} [options.port]    main port (0 = a free one, chosen by the server)
 * @param {number} [options.port2]   second port (0 = a free one)
 * @param {string} [options.name]    tag for the log file name (default `sse-server`)
 * @param {number} [options.readyTimeoutMs]
 * @returns {Promise<ServerHandle>}
 */
export async function startServer({ args = [], port = 0, port2 = 0, name = 'sse-server', readyTimeoutMs = READY_TIMEOUT_MS } = {}) {
  if (!fs.existsSync(SERVER_BIN)) {
    throw new Error(`no server binary at ${SERVER_BIN}: run \`cargo build --release -p eventsource-wasm-server\` (or set SSE_SERVER_BIN)`);
  }
  const safeName = String(name).replace(/[^A-Za-z0-9_.-]+/g, '-');
  const logFile = path.join(LOG_DIR, `e2e-${safeName}-${process.pid}-${++logCounter}.log`);
  // Every user of this harness is a test or a benchmark: the scripted /t/ routes are on.
  const argv = (p, p2) => ['--port', String(p), '--second-port', String(p2), '--test-routes', ...args];

  const first = await spawnOnce(SERVER_BIN, argv(port, port2), logFile, readyTimeoutMs);
  let child = first.child;
  const handle = {
    origin: first.origin,
    origin2: first.origin2,
    port: Number(new URL(first.origin).port),
    port2: Number(new URL(first.origin2).port),
    logFile,
    args: [...args],
    get running() {
      return child !== null && child.exitCode === null && child.signalCode === null;
    },
    get process() {
      return child;
    },
    async stop(signal = 'SIGTERM') {
      if (!child) return null;
      const c = child;
      if (c.exitCode === null && c.signalCode === null) c.kill(signal);
      let status = await waitExit(c, STOP_TIMEOUT_MS);
      if (!status) {
        c.kill('SIGKILL');
        status = await waitExit(c, STOP_TIMEOUT_MS);
        throw new Error(`sse-server did not exit within ${STOP_TIMEOUT_MS} ms of ${signal}; killed (log ${logFile})`);
      }
      return status;
    },
    kill() {
      return handle.stop('SIGKILL');
    },
    async restart() {
      await handle.stop('SIGTERM');
      // The old sockets are closed once the process has exited, and the server binds
      // with SO_REUSEADDR; a few attempts still cover a port the kernel holds briefly.
      let lastErr;
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          const next = await spawnOnce(SERVER_BIN, argv(handle.port, handle.port2), logFile, readyTimeoutMs);
          child = next.child;
          if (next.origin !== handle.origin || next.origin2 !== handle.origin2) {
            throw new Error(`restarted on other ports: ${next.origin} ${next.origin2}`);
          }
          return handle;
        } catch (err) {
          lastErr = err;
          if (!/in use/i.test(tail(logFile, 400))) throw err;
        }
      }
      throw lastErr;
    },
  };
  return handle;
}

/**
 * Launches the system Chromium, headless, through playwright-core.
 * @param {object} [options]
 * @param {string[]} [options.args]     flags added to CHROMIUM_ARGS
 * @param {boolean} [options.headless]  default true
 * @returns {Promise<import('playwright-core').Browser>}
 */
export async function launchChromium({ args = [], headless = true } = {}) {
  const { chromium } = await import('playwright-core');
  if (!fs.existsSync(CHROMIUM_BIN)) {
    throw new Error(`no Chromium at ${CHROMIUM_BIN} (apt-get install chromium, or set CHROMIUM_BIN)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_BIN,
    headless,
    args: [...CHROMIUM_ARGS, ...args],
    timeout: 30_000,
  });
}

/**
 * Makes `page` (and every page it navigates to) see no native EventSource: an init
 * script runs `delete window.EventSource` before any page script.
 * @param {import('playwright-core').Page} page
 * @returns {Promise<void>}
 */
export function removeNativeEventSource(page) {
  return page.addInitScript(() => {
    delete window.EventSource;
  });
}

/**
 * Collects the page's uncaught errors and console errors into an array (for asserting
 * a page ran cleanly). Failed resource loads are left out unless `includeResources`.
 * @param {import('playwright-core').Page} page
 * @param {{includeResources?: boolean}} [options]
 * @returns {string[]} live array, filled as errors happen
 */
export function collectPageErrors(page, { includeResources = false } = {}) {
  const errors = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (!includeResources && /^Failed to load resource/.test(text)) return;
    errors.push(`console: ${text}`);
  });
  return errors;
}

/** Whether the polyfill bundle `dist/index.js` has been built. */
export function polyfillBuilt() {
  return fs.existsSync(path.join(ROOT, 'dist', 'index.js'));
}

/**
 * Asserts-free check that `ids` are consecutive integers (each = previous + 1).
 * @param {number[]} ids
 * @returns {string|null} null when consecutive, else a description of the first break
 */
export function firstIdBreak(ids) {
  for (let i = 1; i < ids.length; i++) {
    if (ids[i] !== ids[i - 1] + 1) {
      const kind = ids[i] <= ids[i - 1] ? 'repeat/backwards' : 'gap';
      return `${kind} at index ${i}: ${ids[i - 1]} then ${ids[i]} (${ids.length} ids)`;
    }
  }
  return null;
}
