// Starting and stopping the browsers of the benchmark, with no DevTools client attached: with
// one, Chromium reports every SSE message to it and the native EventSource slows 8-10x. Each
// browser gets a fresh profile directory, runs in its own process group (so that killing it
// takes its helper processes along, by that group's id only) and is always killed by the caller.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BROWSERS = {
  chromium: {
    bin: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    args: (profile, url) => [
      '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--no-default-browser-check', '--disable-quic',
      '--disable-renderer-backgrounding', '--disable-background-timer-throttling',
      '--disable-backgrounding-occluded-windows', '--disable-features=BackForwardCache',
      '--enable-precise-memory-info', '--js-flags=--expose-gc',
      `--user-data-dir=${profile}`, url,
    ],
  },
  firefox: {
    bin: process.env.FIREFOX_BIN || '/usr/bin/firefox-esr',
    args: (profile, url) => ['-headless', '-no-remote', '-profile', profile, url],
    // Prefs for a quiet, offline, fresh profile: no first-run pages, no update or telemetry
    // traffic, no back-forward cache, no slow-script dialog.
    userJs: [
      ['browser.shell.checkDefaultBrowser', false],
      ['browser.startup.homepage_override.mstone', 'ignore'],
      ['browser.aboutwelcome.enabled', false],
      ['browser.newtabpage.enabled', false],
      ['browser.sessionstore.resume_from_crash', false],
      ['browser.sessionhistory.max_total_viewers', 0],
      ['browser.safebrowsing.malware.enabled', false],
      ['browser.safebrowsing.phishing.enabled', false],
      ['browser.safebrowsing.downloads.enabled', false],
      ['browser.region.update.enabled', false],
      ['datareporting.policy.dataSubmissionEnabled', false],
      ['datareporting.healthreport.uploadEnabled', false],
      ['toolkit.telemetry.reportingpolicy.firstRun', false],
      ['toolkit.startup.max_resumed_crashes', -1],
      ['app.update.disabledForTesting', true],
      ['app.normandy.enabled', false],
      ['extensions.update.enabled', false],
      ['extensions.getAddons.cache.enabled', false],
      ['network.captive-portal-service.enabled', false],
      ['network.connectivity-service.enabled', false],
      ['network.http.speculative-parallel-limit', 0],
      ['network.prefetch-next', false],
      ['services.settings.server', 'http://127.0.0.1:9/'],
      ['dom.max_script_run_time', 0],
    ],
  },
};

/** The browser's version line, or null when it is not installed. */
export function browserVersion(kind) {
  const b = BROWSERS[kind];
  if (!b || !existsSync(b.bin)) return null;
  const r = spawnSync(b.bin, ['--version'], { encoding: 'utf8', timeout: 20000 });
  const line = (r.stdout || '').split('\n').find((l) => /\d/.test(l));
  return line ? line.trim() : null;
}

/**
 * Starts `kind` on `url`. Returns `{ child, exited, stderrTail(), kill() }`; `kill()` ends the
 * whole process group, waits (bounded) for the exit and removes the profile.
 */
export function launch(kind, url) {
  const b = BROWSERS[kind];
  const profile = mkdtempSync(join(tmpdir(), `esw-bench-${kind}-`));
  if (b.userJs) {
    const lines = b.userJs.map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`);
    writeFileSync(join(profile, 'user.js'), `${lines.join('\n')}\n`);
  }
  const child = spawn(b.bin, b.args(profile, url), {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1' },
  });
  let tail = '';
  child.stderr.on('data', (d) => {
    tail = (tail + d).slice(-4000);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let killed = false;
  return {
    child,
    exited,
    stderrTail: () => tail,
    async kill() {
      if (!killed) {
        killed = true;
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      }
      // Helpers may hold files for a moment after the group is gone.
      for (let i = 0; i < 5; i++) {
        try {
          rmSync(profile, { recursive: true, force: true });
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    },
  };
}
