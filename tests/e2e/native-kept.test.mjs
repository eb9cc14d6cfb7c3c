// Where the browser's native EventSource stays (it is not removed), the classic script
// (dist/eventsource.js) and the `global` ES module entry (dist/global.js) add only the static
// EventSource.fromReadableStream (whatwg/html#12272) to the native class: its sources are
// `instanceof EventSource` (the native class), fire `open` and `message`, have url
// about:event-stream and origin "null", and end with one error (CLOSED); native sources still
// work. Chromium through Playwright, Firefox through WebDriver; the pages are www/native-kept/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { LOG_DIR, CHROMIUM_BIN, startServer, launchChromium, collectPageErrors, polyfillBuilt } from './harness.mjs';
import { withBrowser, browserAvailable } from '../conformance/webdriver.mjs';

const ENTRIES = ['script', 'module'];

let server;

before(async () => {
  if (!polyfillBuilt()) throw new Error('dist/ is not built: run `bash scripts/build.sh`');
  server = await startServer({ name: 'native-kept' });
});

after(async () => {
  await server?.stop();
});

function checkResult(r, browser, entry) {
  const label = `${browser}, ${entry}`;
  assert.equal(r.error, undefined, `${label}: ${r.error}`);
  assert.deepEqual({
    nativeKept: r.nativeKept,
    packageIsNotNative: r.packageIsNotNative,
    alias: r.alias,
    static: r.static,
    instanceofNative: r.instanceofNative,
    url: r.url,
    readyStateAtOnce: r.readyStateAtOnce,
    events: r.events,
    lastEventId: r.lastEventId,
    nativeSource: r.nativeSource,
    pageErrors: r.pageErrors,
  }, {
    nativeKept: true,
    packageIsNotNative: true,
    // The classic script always exposes the package's class as EventSourceWasm; the module does not.
    alias: entry === 'script',
    static: { type: 'function', length: 1, name: 'fromReadableStream', enumerable: true, writable: true, configurable: true },
    instanceofNative: true,
    url: 'about:event-stream',
    readyStateAtOnce: 0,
    events: ['open:1', 'message:one:7:null:1', 'message:two:7:null:1', 'error:2'],
    lastEventId: '7',
    nativeSource: { data: 'native', origin: true, protoIsNative: true },
    pageErrors: [],
  }, label);
}

test('native kept in chromium (Playwright): fromReadableStream added by the script tag and by the global module', { skip: !fs.existsSync(CHROMIUM_BIN) && `no Chromium at ${CHROMIUM_BIN}` }, async (t) => {
  const browser = await launchChromium();
  try {
    for (const entry of ENTRIES) {
      await t.test(entry, async () => {
        const page = await browser.newPage();
        const errors = collectPageErrors(page);
        await page.goto(`${server.origin}/native-kept/${entry}.html`);
        const r = await page.evaluate(() => window.result);
        await page.close();
        assert.deepEqual(errors, []);
        checkResult(r, 'chromium', entry);
      });
    }
  } finally {
    await browser.close();
  }
});

const RESULT_SCRIPT = `
const done = arguments[arguments.length - 1];
window.result.then(done, (e) => done({ error: String(e) }));`;

test('native kept in firefox (WebDriver): fromReadableStream added by the script tag and by the global module', { skip: !browserAvailable('firefox') && 'firefox or geckodriver is not installed' }, async (t) => {
  const logFile = path.join(LOG_DIR, `native-kept-driver-firefox-${process.pid}.log`);
  fs.mkdirSync(LOG_DIR, { recursive: true });
  await withBrowser('firefox', async (session) => {
    for (const entry of ENTRIES) {
      await t.test(entry, async () => {
        await session.navigate(`${server.origin}/native-kept/${entry}.html`);
        checkResult(await session.executeAsync(RESULT_SCRIPT), 'firefox', entry);
      });
    }
  }, { logFile });
});
