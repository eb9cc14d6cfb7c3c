// The conformance suite (www/conformance/) against the polyfill, in Chromium and Firefox
// through WebDriver: the native EventSource is removed, the classic script (dist/eventsource.js)
// installs the polyfill. Every case is reported as its own subtest, so a failing case fails
// `npm test` and names itself. Then one pass per forced transport (fetch, xhr, polling) over
// the sections where the transport matters, and one pass of the ES module entry.
//
// Browsers run one after the other (the machine is shared); the server is started once.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, polyfillBuilt } from './harness.mjs';
import { run } from '../conformance/run.mjs';
import { browserAvailable } from '../conformance/webdriver.mjs';

const TRANSPORT_SECTIONS = ['parsing', 'reconnection', 'failure', 'extensions', 'from-stream'];

const PASSES = [
  { browser: 'chromium', transport: 'auto' },
  { browser: 'firefox', transport: 'auto' },
  ...['fetch', 'xhr', 'polling'].flatMap((transport) => [
    { browser: 'chromium', transport, sections: TRANSPORT_SECTIONS },
    { browser: 'firefox', transport, sections: TRANSPORT_SECTIONS },
  ]),
  { browser: 'chromium', transport: 'auto', entry: 'esm', sections: ['api', 'extensions', 'from-stream'] },
];

let server;

before(async () => {
  server = await startServer({ name: 'conformance' });
});

after(async () => {
  await server?.stop();
});

for (const pass of PASSES) {
  const entry = pass.entry || 'script';
  const label = `conformance: polyfill in ${pass.browser} (entry=${entry}, transport=${pass.transport}${pass.sections ? `, ${pass.sections.join('+')}` : ''})`;
  test(label, { timeout: 30 * 60_000 }, async (t) => {
    if (!polyfillBuilt()) {
      t.skip('polyfill not built (bash scripts/build.sh)');
      return;
    }
    if (!browserAvailable(pass.browser)) {
      t.skip(`${pass.browser} or its WebDriver is not installed`);
      return;
    }
    const result = await run({
      browser: pass.browser,
      impl: 'polyfill',
      entry,
      transport: pass.transport,
      sections: pass.sections,
      origin: server.origin,
      origin2: server.origin2,
    });
    assert.ok(result.results.length > 0, 'the suite ran no case');
    t.diagnostic(`${pass.browser} ${result.browserVersion}: ${result.results.length} cases in ${(result.ms / 1000).toFixed(1)} s`);
    for (const c of result.results) {
      const skip = c.status === 'skip' ? (c.message || true) : false;
      await t.test(`${c.id}: ${c.title}`, { skip }, () => {
        if (c.status === 'fail') {
          assert.fail(`[${pass.browser}, transport=${pass.transport}, entry=${entry}] ${c.id}: ${c.message}`);
        }
      });
    }
  });
}
