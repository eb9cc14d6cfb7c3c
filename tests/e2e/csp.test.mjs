// The polyfill under a strict Content-Security-Policy (`script-src 'self'`: no
// 'wasm-unsafe-eval', no 'unsafe-eval', no 'unsafe-inline'), in Chromium and Firefox through
// WebDriver. WebAssembly cannot be compiled there, so the polyfill must load
// dist/engine.nowasm.js (the same Rust engine, turned into JavaScript by wasm2js) and pass
// the checks of www/csp/checks.js: parsing across chunk splits, reconnection with Last-Event-ID,
// invalid UTF-8, a failing status, close(). The same pages without the policy use the wasm.
//
// The reference server cannot add headers to static files, so the pages go through a small
// proxy (below) that forwards everything to it and adds the policy to HTML responses: the pages,
// their scripts and the SSE routes then share one origin, as on a real site.
//
// When www/conformance/ exists, its suite also runs under the policy, unless its page still has
// inline scripts (which the policy blocks): then that part is skipped and says so.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { ROOT, LOG_DIR, startServer, polyfillBuilt } from './harness.mjs';
import { withBrowser, browserAvailable } from '../conformance/webdriver.mjs';

export const POLICY = "script-src 'self'";
const BROWSERS = ['chromium', 'firefox'];
const ENTRIES = ['script', 'esm'];
const CASES = ['parse.oneChunk', 'parse.everyByte', 'reconnect', 'utf8', 'status', 'close'];

let server;
let proxy;

/**
 * An HTTP proxy on 127.0.0.1 that adds `Content-Security-Policy: policy` to every text/html
 * response, in front of the origin `proxy.target` (set once the server is up: the server
 * must know the proxy's origin first, to answer CORS for it). Streams pass through as they
 * come; a client that leaves ends the upstream request.
 * @returns {Promise<{origin: string, target: string|null, close: () => Promise<void>}>}
 */
function startCspProxy(policy) {
  const agent = new http.Agent({ keepAlive: true });
  let handle;
  const srv = http.createServer((req, res) => {
    if (!handle.target) {
      res.writeHead(503).end('no upstream yet');
      return;
    }
    const upstream = http.request(new URL(req.url, handle.target), { method: req.method, headers: req.headers, agent }, (up) => {
      const headers = { ...up.headers };
      if (/^text\/html/i.test(up.headers['content-type'] || '')) headers['content-security-policy'] = policy;
      res.writeHead(up.statusCode, headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      resolve(handle = {
        origin: `http://127.0.0.1:${srv.address().port}`,
        target: null,
        close: () => new Promise((done) => {
          srv.closeAllConnections();
          agent.destroy();
          srv.close(() => done());
        }),
      });
    });
  });
}

before(async () => {
  if (!polyfillBuilt() || !fs.existsSync(path.join(ROOT, 'dist', 'engine.nowasm.js'))) {
    throw new Error('dist/ is not built (with engine.nowasm.js): run `bash scripts/build.sh`');
  }
  // The pages run on the proxy's origin and open streams on the server's second one: the
  // server answers CORS only for origins it knows.
  proxy = await startCspProxy(POLICY);
  server = await startServer({ name: 'csp', args: ['--allow-origin', proxy.origin] });
  proxy.target = server.origin;
});

after(async () => {
  await proxy?.close();
  await server?.stop();
});

const RESULT_SCRIPT = `
const done = arguments[arguments.length - 1];
window.cspResult.then(done, (e) => done({ error: String(e) }));`;

async function pageResult(session, url) {
  await session.navigate(url);
  return session.executeAsync(RESULT_SCRIPT);
}

function assertCases(result, label) {
  assert.equal(result.error, undefined, `${label}: ${result.error}`);
  for (const name of CASES) {
    const c = result.cases[name];
    assert.ok(c, `${label}: no result for ${name}`);
    assert.ok(c.ok, `${label}: ${name} failed: ${JSON.stringify(c.got)}`);
  }
}

// Whether the conformance page can run under the policy: no inline <script> (without src).
function conformanceBlocker() {
  const page = path.join(ROOT, 'www', 'conformance', 'index.html');
  if (!fs.existsSync(page)) return 'www/conformance/ does not exist';
  const html = fs.readFileSync(page, 'utf8');
  const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)]
    .filter(([, attrs, body]) => !/\bsrc\s*=/.test(attrs) && !/type\s*=\s*["']?importmap/i.test(attrs) && body.trim() !== '');
  if (inline.length) {
    return `www/conformance/index.html has ${inline.length} inline script(s), which ${POLICY} blocks: `
      + 'move them into files (e.g. a boot.js loaded first with <script src>) to run the suite under this policy';
  }
  return null;
}

for (const browser of BROWSERS) {
  test(`strict CSP in ${browser}`, { skip: !browserAvailable(browser) && `${browser} or its driver is not installed` }, async (t) => {
    const logFile = path.join(LOG_DIR, `csp-driver-${browser}-${process.pid}.log`);
    fs.mkdirSync(LOG_DIR, { recursive: true });
    await withBrowser(browser, async (session) => {
      for (const entry of ENTRIES) {
        await t.test(`${entry}: under "${POLICY}" the JavaScript engine is used and the checks pass`, async () => {
          const r = await pageResult(session, `${proxy.origin}/csp/${entry}.html`);
          const label = `${browser} ${entry} (CSP)`;
          assertCases(r, label);
          assert.equal(r.isPolyfill, true, `${label}: not the polyfill`);
          assert.equal(r.globalInstalled, true, `${label}: the global was not installed`);
          assert.ok(r.distFiles.includes('/dist/engine.nowasm.js'), `${label}: the JavaScript engine was not loaded: ${r.distFiles}`);
          assert.ok(!r.distFiles.includes('/dist/engine.js'), `${label}: the wasm engine was fetched too: ${r.distFiles}`);
          // The attempt to compile WebAssembly is what the policy refused.
          assert.ok(r.violations.length >= 1, `${label}: no CSP violation was reported`);
          t.diagnostic(`${label}: violations ${JSON.stringify(r.violations)}`);
        });
        await t.test(`${entry}: without the policy the wasm engine is used and the checks pass`, async () => {
          const r = await pageResult(session, `${server.origin}/csp/${entry}.html`);
          const label = `${browser} ${entry} (no CSP)`;
          assertCases(r, label);
          // The wasm engine: the JavaScript one is not even fetched.
          assert.ok(r.distFiles.includes('/dist/engine.js'), `${label}: the wasm engine was not loaded: ${r.distFiles}`);
          assert.ok(!r.distFiles.includes('/dist/engine.nowasm.js'), `${label}: the JavaScript engine was fetched: ${r.distFiles}`);
          assert.deepEqual(r.violations, [], `${label}: CSP violations without a policy`);
        });
      }
    }, { logFile });
  });

  test(`conformance suite under the strict CSP in ${browser}`, { skip: (!browserAvailable(browser) && `${browser} or its driver is not installed`) || conformanceBlocker() || false }, async (t) => {
    const { run, tally } = await import('../conformance/run.mjs');
    for (const entry of ENTRIES) {
      const r = await run({ browser, impl: 'polyfill', entry, origin: proxy.origin, origin2: server.origin2 });
      const counts = tally(r.results);
      t.diagnostic(`${browser} entry=${entry} under CSP: ${counts.pass} pass, ${counts.fail} fail, ${counts.skip} skip`);
      const failed = r.results.filter((x) => x.status === 'fail').map((x) => `${x.id}: ${x.message}`);
      assert.deepEqual(failed, [], `${browser} entry=${entry} under CSP`);
    }
  });
}
