// A minimal W3C WebDriver client for the system browsers: Debian's Chromium through
// chromedriver and Firefox ESR through geckodriver. It spawns the driver on a free loopback
// port, opens one session, and offers navigate / execute / executeAsync. Every wait is
// bounded and every child process is killed on the way out.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CHROMIUM_ARGS as HARNESS_CHROMIUM_ARGS } from '../e2e/harness.mjs';

export const CHROMIUM_BIN = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const CHROMEDRIVER_BIN = process.env.CHROMEDRIVER_BIN || '/usr/bin/chromedriver';
export const FIREFOX_BIN = process.env.FIREFOX_BIN || '/usr/bin/firefox-esr';
export const GECKODRIVER_BIN = process.env.GECKODRIVER_BIN || findOnPath('geckodriver', [path.join(process.env.HOME || '/root', '.cargo', 'bin')]);

/** Flags for headless Chromium here: the harness's (no sandbox, no GPU, nothing that reaches
 *  out), plus the new headless mode WebDriver needs. */
export const CHROMIUM_ARGS = Object.freeze(['--headless=new', ...HARNESS_CHROMIUM_ARGS]);

/** Preferences that keep Firefox from reaching for the internet. */
const FIREFOX_PREFS = Object.freeze({
  'app.update.auto': false,
  'app.update.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.newtabpage.enabled': false,
  'browser.startup.page': 0,
  'datareporting.policy.dataSubmissionEnabled': false,
  'extensions.update.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.http.speculative-parallel-limit': 0,
  'toolkit.telemetry.enabled': false,
});

const DRIVER_READY_MS = 20_000;
const SESSION_MS = 60_000;
const COMMAND_MS = 30_000;
const KILL_MS = 5_000;

function findOnPath(name, extra = []) {
  const dirs = [...(process.env.PATH || '').split(path.delimiter), ...extra];
  for (const dir of dirs) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  return name;
}

/** Whether the binaries for `browser` are installed. */
export function browserAvailable(browser) {
  const bins = browser === 'firefox' ? [FIREFOX_BIN, GECKODRIVER_BIN] : [CHROMIUM_BIN, CHROMEDRIVER_BIN];
  return bins.every((b) => {
    try {
      fs.accessSync(b, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function waitExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

// Each driver runs in its own process group (spawned detached), and the browser it launches
// inherits that group: signalling the group reaches the browser too, even if the driver is
// gone. Drivers still alive when this process exits or is interrupted are killed with it.
const liveDrivers = new Set();

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function killAllDrivers() {
  for (const child of liveDrivers) signalGroup(child, 'SIGKILL');
  liveDrivers.clear();
}

let handlersInstalled = false;
function installExitHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllDrivers);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      killAllDrivers();
      // Default action again: the signal ends this process as it would have.
      process.kill(process.pid, sig);
    });
  }
}

/**
 * Spawns the driver for `browser` and waits (bounded) until it says it listens.
 * @returns {Promise<{url: string, child: import('node:child_process').ChildProcess, log: () => string, stop: () => Promise<void>}>}
 */
export async function startDriver(browser, { logFile } = {}) {
  const port = await freePort();
  let bin;
  let args;
  let readyLine;
  if (browser === 'chromium') {
    bin = CHROMEDRIVER_BIN;
    args = [`--port=${port}`, '--allowed-ips=127.0.0.1'];
    readyLine = /was started successfully/;
  } else if (browser === 'firefox') {
    bin = GECKODRIVER_BIN;
    args = ['--port', String(port), '--host', '127.0.0.1', '--websocket-port', String(await freePort())];
    readyLine = /Listening on/;
  } else {
    throw new Error(`unknown browser ${browser}`);
  }
  installExitHandlers();
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  liveDrivers.add(child);
  let output = '';
  const sink = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : null;
  const onData = (chunk) => {
    const s = chunk.toString();
    if (output.length < 200_000) output += s;
    sink?.write(s);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.once('exit', () => sink?.end());

  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${browser} driver did not start within ${DRIVER_READY_MS} ms:\n${output.slice(-2000)}`)), DRIVER_READY_MS);
    const check = () => {
      if (readyLine.test(output)) done(null);
    };
    function done(err) {
      clearTimeout(timer);
      child.stdout.off('data', check);
      child.stderr.off('data', check);
      child.off('exit', onExit);
      child.off('error', onError);
      if (err) {
        signalGroup(child, 'SIGKILL');
        liveDrivers.delete(child);
        reject(err);
      } else {
        resolve();
      }
    }
    const onExit = (code, signal) => done(new Error(`${browser} driver exited (${code ?? signal}) before it listened:\n${output.slice(-2000)}`));
    const onError = (err) => done(new Error(`cannot start ${bin}: ${err.message}`));
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', onExit);
    child.once('error', onError);
    check();
  });

  return {
    url: `http://127.0.0.1:${port}`,
    child,
    log: () => output,
    /** Ends the driver and whatever is left in its process group (the browser). */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        signalGroup(child, 'SIGTERM');
        if (!(await waitExit(child, KILL_MS))) signalGroup(child, 'SIGKILL');
        await waitExit(child, KILL_MS);
      }
      // The browser normally quit with the session; a straggler in the group goes now.
      signalGroup(child, 'SIGKILL');
      liveDrivers.delete(child);
    },
  };
}

/** One WebDriver command; throws with the driver's error on a non-2xx answer. */
async function command(base, method, route, body, timeoutMs = COMMAND_MS) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`WebDriver ${method} ${route}: HTTP ${res.status}, not JSON: ${text.slice(0, 500)}`);
  }
  if (!res.ok) {
    const v = json.value || {};
    throw new Error(`WebDriver ${method} ${route}: ${v.error || res.status}: ${v.message || text.slice(0, 500)}`);
  }
  return json.value;
}

function capabilities(browser) {
  if (browser === 'chromium') {
    return {
      browserName: 'chrome',
      pageLoadStrategy: 'normal',
      'goog:chromeOptions': { binary: CHROMIUM_BIN, args: [...CHROMIUM_ARGS] },
    };
  }
  return {
    browserName: 'firefox',
    pageLoadStrategy: 'normal',
    'moz:firefoxOptions': { binary: FIREFOX_BIN, args: ['-headless'], prefs: { ...FIREFOX_PREFS } },
  };
}

/** A WebDriver session on a started driver. */
export class Session {
  constructor(driverUrl, id, caps) {
    this.base = `${driverUrl}/session/${id}`;
    this.id = id;
    this.capabilities = caps;
  }

  static async create(driverUrl, browser) {
    const value = await command(driverUrl, 'POST', '/session', { capabilities: { alwaysMatch: capabilities(browser) } }, SESSION_MS);
    const session = new Session(driverUrl, value.sessionId, value.capabilities || {});
    await session.setTimeouts({ script: COMMAND_MS, pageLoad: COMMAND_MS, implicit: 0 });
    return session;
  }

  get browserVersion() {
    return this.capabilities.browserVersion || this.capabilities.version || 'unknown';
  }

  setTimeouts(t) {
    if (typeof t.script === 'number') this.scriptTimeout = t.script;
    return command(this.base, 'POST', '/timeouts', t);
  }

  navigate(url) {
    return command(this.base, 'POST', '/url', { url }, COMMAND_MS + 5_000);
  }

  /** Runs `script` (a function body) synchronously in the page; returns its value. */
  execute(script, args = []) {
    return command(this.base, 'POST', '/execute/sync', { script, args });
  }

  /**
   * Runs `script` asynchronously: its last argument is the callback that returns the value.
   * The script must call it within the session's script timeout (COMMAND_MS by default).
   */
  executeAsync(script, args = []) {
    // The HTTP wait outlasts the session's script timeout, so the driver answers first.
    return command(this.base, 'POST', '/execute/async', { script, args }, (this.scriptTimeout ?? COMMAND_MS) + 5_000);
  }

  async delete() {
    try {
      await command(this.base, 'DELETE', '', undefined, 15_000);
    } catch {
      // the driver is stopped right after anyway
    }
  }
}

/**
 * Starts a driver and a session for `browser`, runs `fn(session)`, and always tears both down.
 * @template T
 * @param {'chromium'|'firefox'} browser
 * @param {(session: Session) => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withBrowser(browser, fn, { logFile } = {}) {
  const driver = await startDriver(browser, { logFile });
  let session;
  try {
    session = await Session.create(driver.url, browser);
    return await fn(session);
  } catch (err) {
    err.message += `\n(driver log tail)\n${driver.log().slice(-1500)}`;
    throw err;
  } finally {
    await session?.delete();
    await driver.stop();
  }
}
