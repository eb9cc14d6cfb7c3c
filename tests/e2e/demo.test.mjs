// The demo page (www/index.html) against the real server in headless Chromium:
// live updates in native and polyfill mode, a screenshot, and a server restart with
// --state-file during which the page's event ids stay consecutive.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  startServer,
  launchChromium,
  removeNativeEventSource,
  collectPageErrors,
  polyfillBuilt,
  firstIdBreak,
  SCREENSHOT_DIR,
} from './harness.mjs';

const WAIT = { timeout: 20_000 };
const VIEWPORT = { width: 1280, height: 900 };
const MODES = [
  { name: 'native', query: 'impl=native', impl: 'native' },
  { name: 'polyfill', query: 'impl=polyfill&transport=auto', impl: 'polyfill', noNative: true },
];

let browser;
let server;

before(async () => {
  server = await startServer({ name: 'demo', args: ['--stats-interval-ms', '100'] });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A fresh page in its own context (no shared cache or storage between cases). */
async function openDemo(mode, origin) {
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  if (mode.noNative) await removeNativeEventSource(page);
  await page.goto(`${origin}/?${mode.query}`);
  return { page, context, errors };
}

for (const mode of MODES) {
  test(`demo page shows live stats (${mode.name})`, { timeout: 60_000 }, async (t) => {
    if (mode.impl === 'polyfill' && !polyfillBuilt()) {
      t.skip('polyfill not built');
      return;
    }
    const { page, context, errors } = await openDemo(mode, server.origin);
    try {
      await page.waitForFunction(() => window.demo?.readyState === 'OPEN', null, WAIT);
      // Several ticks of every stat, and the uptime card moving on.
      await page.waitForFunction(() => document.getElementById('v-uptime').textContent !== '–', null, WAIT);
      const uptime0 = await page.textContent('#v-uptime');
      await page.waitForFunction(
        (u0) => document.getElementById('v-uptime').textContent !== u0 && window.demo.events >= 40,
        uptime0,
        WAIT,
      );
      // For the screenshot: a few seconds of samples (by the server's clock) so the chart has a line.
      await page.waitForFunction(
        (u0) => {
          const secs = (t) => t.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
          return secs(document.getElementById('v-uptime').textContent) - secs(u0) >= 6;
        },
        uptime0,
        WAIT,
      );
      const demo = await page.evaluate(() => ({ ...window.demo, ids: window.demo.ids.slice() }));
      assert.equal(demo.readyState, 'OPEN');
      assert.equal(demo.impl, mode.impl);
      if (mode.impl === 'native') assert.equal(demo.transport, null);
      else assert.ok(typeof demo.transport === 'string' && demo.transport, `transport in use: ${demo.transport}`);
      assert.ok(demo.ids.length >= 40, `ids: ${demo.ids.length}`);
      assert.equal(firstIdBreak(demo.ids), null);
      assert.equal(demo.events, demo.ids.length, 'every /stats event has a numeric id');

      // The UI shows the same.
      assert.equal(await page.textContent('#state-text'), 'OPEN');
      assert.equal(await page.getAttribute('#state-pill', 'data-state'), 'OPEN');
      assert.match(await page.textContent('#v-uptime'), /^\d+:\d\d:\d\d$/);
      assert.match(await page.textContent('#v-clients'), /^\d+$/);
      assert.match(await page.textContent('#v-requests'), /^[\d,]+$/);
      assert.match(await page.textContent('#v-load1'), /^\d+\.\d\d$/);
      assert.match(await page.textContent('#v-mem'), /^\d+\.\d$/);
      // Read in one go: events keep arriving between two calls.
      const [shownId, lastId, lastNumeric] = await page.evaluate(() => [
        document.getElementById('c-last-id').textContent,
        window.demo.lastEventId,
        window.demo.ids.at(-1),
      ]);
      assert.equal(shownId, lastId);
      assert.equal(lastId, String(lastNumeric));
      assert.ok((await page.locator('#log-body tr').count()) > 10, 'the event log fills');
      assert.ok((await page.locator('#log-body tr').count()) <= 200, 'the event log is capped');

      const file = path.join(SCREENSHOT_DIR, mode.impl === 'native' ? 'demo.png' : 'demo-polyfill.png');
      fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: file, fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}

test('the polyfill choice falls back to native while /dist/index.js is missing', { timeout: 60_000 }, async () => {
  // A server without the /dist mount: the polyfill looks unbuilt whatever is on disk.
  const srv = await startServer({
    name: 'no-dist',
    args: ['--static', '/=www', '--static', '/pkg=pkg', '--static', '/js=js', '--stats-interval-ms', '100'],
  });
  const { page, context, errors } = await openDemo({ query: 'impl=polyfill&transport=xhr' }, srv.origin);
  try {
    await page.waitForFunction(() => window.demo?.readyState === 'OPEN' && window.demo.events > 0, null, WAIT);
    const demo = await page.evaluate(() => window.demo);
    assert.equal(demo.impl, 'native');
    assert.equal(demo.polyfill, 'missing');
    assert.deepEqual(demo.requested, { impl: 'polyfill', transport: 'xhr' });
    assert.match(await page.textContent('#notice'), /polyfill not built/);
    assert.match(await page.textContent('#seg-impl'), /not built/);
    // The choice stays in the URL, and the switches show it.
    assert.match(page.url(), /impl=polyfill&transport=xhr/);
    assert.equal(await page.isChecked('input[name="impl"][value="polyfill"]'), true);
    assert.equal(await page.isChecked('input[name="transport"][value="xhr"]'), true);
    // Switching to native rewrites the URL and opens a new source.
    const gen = demo.generation;
    await page.click('#seg-impl label:has(input[value="native"])');
    await page.waitForFunction((g) => window.demo.generation > g && window.demo.readyState === 'OPEN', gen, WAIT);
    assert.match(page.url(), /impl=native/);
    assert.equal(await page.isDisabled('input[name="transport"][value="xhr"]'), true);
    assert.equal(await page.isHidden('#notice'), true);
    // Disconnect, then connect again.
    await page.click('#toggle');
    await page.waitForFunction(() => window.demo.readyState === 'CLOSED', null, WAIT);
    assert.equal(await page.textContent('#state-text'), 'CLOSED');
    assert.equal(await page.textContent('#toggle'), 'Connect');
    const events = await page.evaluate(() => window.demo.events);
    await page.click('#toggle');
    await page.waitForFunction((n) => window.demo.readyState === 'OPEN' && window.demo.events > n, events, WAIT);
    assert.equal(await page.textContent('#toggle'), 'Disconnect');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await srv.stop();
  }
});

test('polyfill transports chosen by the switch', { timeout: 60_000 }, async (t) => {
  if (!polyfillBuilt()) {
    t.skip('polyfill not built');
    return;
  }
  const { page, context, errors } = await openDemo(
    { query: 'impl=polyfill&transport=fetch', noNative: true },
    server.origin,
  );
  try {
    for (const transport of ['fetch', 'xhr', 'polling', 'auto']) {
      await t.test(transport, async () => {
        if (transport !== 'fetch') {
          const gen = await page.evaluate(() => window.demo.generation);
          await page.click(`#seg-transport label:has(input[value="${transport}"])`);
          await page.waitForFunction((g) => window.demo.generation > g, gen, WAIT);
        }
        const start = await page.evaluate(() => window.demo.ids.length);
        await page.waitForFunction(
          (n) => window.demo.readyState === 'OPEN' && window.demo.ids.length >= n + 12,
          start,
          WAIT,
        );
        const demo = await page.evaluate(() => ({ ...window.demo, ids: window.demo.ids.slice() }));
        assert.equal(demo.impl, 'polyfill');
        assert.equal(demo.requested.transport, transport);
        assert.match(page.url(), new RegExp(`transport=${transport}`));
        // One source per switch: its ids (from its own start) are consecutive.
        assert.equal(firstIdBreak(demo.ids.slice(start)), null);
      });
    }
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

for (const mode of MODES) {
  test(`ids stay consecutive across a server restart with --state-file (${mode.name})`, { timeout: 90_000 }, async (t) => {
    if (mode.impl === 'polyfill' && !polyfillBuilt()) {
      t.skip('polyfill not built');
      return;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sse-e2e-state-'));
    const srv = await startServer({
      name: `restart-${mode.name}`,
      args: ['--state-file', path.join(dir, 'stats.journal'), '--stats-interval-ms', '200', '--retry-ms', '300'],
    });
    let context;
    try {
      const opened = await openDemo(mode, srv.origin);
      context = opened.context;
      const { page } = opened;
      await page.waitForFunction(() => window.demo?.readyState === 'OPEN' && window.demo.ids.length >= 12, null, WAIT);

      await srv.stop('SIGTERM');
      await page.waitForFunction(
        () => window.demo.readyState === 'CONNECTING' && document.getElementById('state-text').textContent === 'CONNECTING',
        null,
        WAIT,
      );
      const down = await page.evaluate(() => ({ n: window.demo.ids.length, last: window.demo.ids.at(-1), reconnects: window.demo.reconnects }));

      await srv.restart();
      await page.waitForFunction(
        (d) => window.demo.readyState === 'OPEN' && window.demo.reconnects > d.reconnects && window.demo.ids.length >= d.n + 20,
        down,
        WAIT,
      );
      assert.equal(await page.textContent('#state-text'), 'OPEN');
      const ids = await page.evaluate(() => window.demo.ids.slice());
      assert.equal(firstIdBreak(ids), null, 'no gap and no repeat across the restart');
      assert.equal(ids[down.n], down.last + 1, 'the first id after the restart follows the last before it');
      assert.ok(ids.at(-1) >= down.last + 20);
    } finally {
      await context?.close();
      await srv.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
