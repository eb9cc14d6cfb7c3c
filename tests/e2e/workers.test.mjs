// The polyfill in workers, in Chromium and Firefox through WebDriver: dedicated, shared and
// service workers, each as a classic script (importScripts('/dist/eventsource.js'), which
// carries its engine) and as a module (import '/dist/global.js'). In each, the native
// EventSource is deleted first where the browser has one (which ones do is printed as a
// diagnostic), then www/workers/check.js reads /t/counter across two reconnections (the ids
// prove Last-Event-ID was sent), closes a source inside its handler, sends a custom header, reads
// EventSource.fromReadableStream sources (a Blob's stream, a stream cut into single bytes, close()
// cancelling one), and tries the XHR transport (a TypeError in service workers, which have no
// XMLHttpRequest).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { ROOT, LOG_DIR, startServer, polyfillBuilt } from './harness.mjs';
import { withBrowser, browserAvailable } from '../conformance/webdriver.mjs';

const BROWSERS = ['chromium', 'firefox'];
const KINDS = ['dedicated', 'shared', 'service'];
const TYPES = ['classic', 'module'];

let server;

before(async () => {
  if (!polyfillBuilt()) {
    throw new Error('dist/ is not built: run `bash scripts/build.sh`');
  }
  server = await startServer({ name: 'workers' });
});

after(async () => {
  await server?.stop();
});

const RESULT_SCRIPT = `
const done = arguments[arguments.length - 1];
window.workerResult.then(done, (e) => done({ error: String(e) }));`;

function checkResult(r, label) {
  assert.equal(r.error, undefined, `${label}: ${r.error}`);
  assert.equal(r.isPolyfill, true, `${label}: the EventSource used is not the polyfill`);
  assert.equal(r.globalInstalled, true, `${label}: the global was not installed`);

  const reconnect = r.cases.reconnect;
  assert.equal(reconnect.failed, null, `${label}: the source failed: ${reconnect.failed}`);
  assert.deepEqual(reconnect.events.map((e) => `${e.data}#${e.lastEventId}`), ['1#1', '2#2', '3#3', '4#4', '5#5'], label);
  assert.deepEqual(reconnect.errors, [0, 0], `${label}: errors while reconnecting`);
  assert.equal(reconnect.opens, 3, label);
  assert.equal(reconnect.readyStateAfterClose, 2, label);

  assert.deepEqual(r.cases.close, {
    first: { events: 1, readyState: 2 },
    eventsAfterSecond: 1,
    readyStateAfterSecond: 2,
    second: 2,
  }, `${label}: close()`);
  assert.equal(r.cases.header, 'Bearer worker', `${label}: custom header`);
  assert.deepEqual(r.cases.fetchOption, { events: '1,2,3', lastEventIds: '-,2', failed: null }, `${label}: the fetch option`);
  assert.deepEqual(r.cases.fromStream, {
    blob: {
      url: 'about:event-stream',
      events: ['open:1', 'message:a:3:null', 'message:b:3:null', 'error:2'],
      lastEventId: '3',
      reconnectionTime: 1500,
    },
    split: {
      url: 'about:event-stream',
      events: ['open:1', 'message:é€::null', 'error:2'],
      lastEventId: '',
      reconnectionTime: 3000,
    },
    cancel: { readyState: 2 },
  }, `${label}: fromReadableStream`);
  assert.equal(r.cases.xhr, r.hasXhr ? '1,2' : 'TypeError', `${label}: transport "xhr"`);
}

for (const browser of BROWSERS) {
  test(`workers in ${browser}`, { skip: !browserAvailable(browser) && `${browser} or its driver is not installed` }, async (t) => {
    const logFile = path.join(LOG_DIR, `workers-driver-${browser}-${process.pid}.log`);
    fs.mkdirSync(LOG_DIR, { recursive: true });
    const native = {};
    await withBrowser(browser, async (session) => {
      for (const kind of KINDS) {
        for (const type of TYPES) {
          await t.test(`${kind} worker, ${type}`, async () => {
            await session.navigate(`${server.origin}/workers/index.html?kind=${kind}&type=${type}`);
            const r = await session.executeAsync(RESULT_SCRIPT);
            if (r.nativePresent !== undefined) native[kind] = r.nativePresent;
            checkResult(r, `${browser} ${kind} ${type}`);
          });
        }
      }
      t.diagnostic(`${browser} ${session.browserVersion}: native EventSource in ${KINDS.map((k) => `${k} workers: ${native[k] ? 'yes' : native[k] === false ? 'no' : '?'}`).join(', ')}`);
    }, { logFile });
  });
}
