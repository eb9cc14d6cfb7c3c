// Bytes benchmark: what a page actually loads for each way of using this package, where the
// browser has a native EventSource and where it has none, before any source is made and after
// one working source (its first event), beside event-source-polyfill and eventsource (npm).
//
//   npm run bench:bytes          (needs dist/: bash scripts/build.sh)
//
// How it measures: a small HTTP server of its own on 127.0.0.1 serves dist/, the competitors'
// files, the bundles this script builds with Vite and esbuild, and the harness; it sends every
// file gzip -9 compressed (as a well-configured server would) and logs each request. A real
// Chromium (playwright-core: a DevTools client changes no byte that is loaded) opens one page
// per entry in a fresh context (empty cache), with the native EventSource kept or deleted by
// an init script. The bytes of an entry are the gzip -9 bodies the server sent for the
// library's files (the harness's own files, the page and the event stream are left out); the
// page's (and worker's) Resource Timing `encodedBodySize` of the same files is summed beside it
// as a check. An init script (and a prelude in workers) wraps WebAssembly.Module, compile,
// instantiate and DecompressionStream, so the table says whether wasm was inflated, compiled or
// instantiated (the 8-byte empty module that tests for a CSP is counted apart).
//
// Nothing is asserted: it prints tables, states the targets of issue 13 beside the figures,
// and writes target/bench/bytes.json. Every wait is bounded; the browser is always closed.

import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve, extname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WORK = join(ROOT, 'target', 'bench', 'bytes');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const KB = 1024;
/** Issue 13's goals: the global where a native one exists; everything for one working source. */
const NATIVE_GLOBAL_MAX = 3 * KB;
const ENGINE_MAX = 14 * KB;
const log = (msg) => process.stderr.write(`${msg}\n`);

// ---------------------------------------------------------------- what is built and served

const version = (pkg) => JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;

/** The competitors' files, as a page would load them, and the apps bundled by Vite and esbuild. */
async function buildAll() {
  // The apps' link to this checkout goes first, so that removing the old tree cannot follow it.
  rmSync(join(WORK, 'apps', 'node_modules', 'eventsource-wasm'), { force: true });
  rmSync(WORK, { recursive: true, force: true });
  const vendor = join(WORK, 'vendor');
  mkdirSync(vendor, { recursive: true });
  copyFileSync(join(ROOT, 'node_modules', 'event-source-polyfill', 'src', 'eventsource.min.js'), join(vendor, 'event-source-polyfill.min.js'));
  const esbuild = await import('esbuild');
  await esbuild.build({
    stdin: { contents: "export { EventSource } from 'eventsource';", resolveDir: ROOT, loader: 'js' },
    bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022',
    legalComments: 'none', logLevel: 'warning', outfile: join(vendor, 'eventsource.js'),
  });

  // Apps that import the package by name, as an application would; the package resolves to this
  // checkout through a symlink (its package.json `exports`).
  const apps = join(WORK, 'apps');
  mkdirSync(join(apps, 'node_modules'), { recursive: true });
  symlinkSync(ROOT, join(apps, 'node_modules', 'eventsource-wasm'), 'dir');
  const sources = {
    global: "import 'eventsource-wasm/global';\nglobalThis.__start = (url) => new EventSource(url);\n",
    class: "import { EventSource } from 'eventsource-wasm';\nglobalThis.__start = (url) => new EventSource(url);\n",
  };
  const out = join(WORK, 'app');
  const built = {};
  const { build: viteBuild } = await import('vite');
  for (const [use, source] of Object.entries(sources)) {
    const dir = join(apps, use);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'main.js'), source);
    writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="./main.js"></script>\n');

    // Vite: an app whose page loads main.js; what it writes into index.html's head is what the
    // measured page gets.
    const name = `vite-${use}`;
    await viteBuild({
      root: dir, base: `/app/${name}/`, configFile: false, logLevel: 'warn',
      build: { outDir: join(out, name), emptyOutDir: true, minify: true, target: 'es2022' },
    });
    const html = readFileSync(join(out, name, 'index.html'), 'utf8');
    const tags = html.match(/<script\b[^>]*><\/script>|<link\b[^>]*rel="modulepreload"[^>]*>/g) ?? [];
    built[name] = { head: tags.join('\n'), files: listFiles(join(out, name)).filter((f) => f.endsWith('.js')) };

    // esbuild as most set it up (one file: it inlines what is imported dynamically) and with
    // --splitting (dynamic imports become chunks).
    for (const splitting of [false, true]) {
      const ename = `esbuild${splitting ? '-splitting' : ''}-${use}`;
      await esbuild.build({
        entryPoints: { app: join(dir, 'main.js') }, absWorkingDir: dir,
        bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', splitting,
        chunkNames: 'chunk-[hash]', legalComments: 'none', logLevel: 'warning', outdir: join(out, ename),
      });
      built[ename] = { head: `<script type="module" src="/app/${ename}/app.js"></script>`, files: listFiles(join(out, ename)) };
    }
  }
  return built;
}

function listFiles(dir, prefix = '') {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...listFiles(join(dir, entry.name), rel));
    else found.push(rel);
  }
  return found.sort();
}

// ---------------------------------------------------------------- the harness (served under /h/)

// Runs first in every realm (init script in pages, first import in workers): counts what the
// realm does with WebAssembly and DecompressionStream.
const PROBE = `(() => {
  const g = globalThis;
  if (g.__probe) return;
  const p = g.__probe = { native: typeof g.EventSource === 'function', modules: [], compiles: 0, instantiations: 0, inflates: 0 };
  Object.defineProperty(g, '__nativeEventSource', { value: g.EventSource, configurable: true });
  const size = (x) => (x && typeof x.byteLength === 'number' ? x.byteLength : null);
  const W = g.WebAssembly;
  if (W) {
    W.Module = new Proxy(W.Module, { construct(t, a, nt) { p.modules.push(size(a[0])); return Reflect.construct(t, a, nt); } });
    W.Instance = new Proxy(W.Instance, { construct(t, a, nt) { p.instantiations += 1; return Reflect.construct(t, a, nt); } });
    for (const name of ['compile', 'compileStreaming', 'instantiate', 'instantiateStreaming']) {
      const f = W[name];
      if (typeof f !== 'function') continue;
      W[name] = function (...a) {
        if (name.startsWith('instantiate')) p.instantiations += 1;
        if (!(a[0] instanceof W.Module)) { p.compiles += 1; p.modules.push(size(a[0])); }
        return f.apply(this, a);
      };
    }
  }
  if (typeof g.DecompressionStream === 'function') {
    g.DecompressionStream = new Proxy(g.DecompressionStream, { construct(t, a, nt) { p.inflates += 1; return Reflect.construct(t, a, nt); } });
  }
})();
`;

const RESOURCES = `() => performance.getEntriesByType('resource').map((e) => ({
  path: new URL(e.name).pathname, encodedBodySize: e.encodedBodySize, transferSize: e.transferSize, decodedBodySize: e.decodedBodySize }))`;

/** The first event from `__start(url)`'s source (10 s at most), then close() it. */
const RUN = `(source, resolve) => {
  let done = false;
  const timer = setTimeout(() => finish({ ok: false, error: 'no event in 10 s' }), 10000);
  function finish(r) {
    if (done) return;
    done = true;
    clearTimeout(timer);
    try { source.close(); } catch {}
    resolve(r);
  }
  const native = typeof __nativeEventSource === 'function' && source.constructor === __nativeEventSource;
  source.onmessage = (e) => finish({ ok: true, data: e.data, native });
  source.onerror = (e) => { if (source.readyState === 2) finish({ ok: false, error: 'the source failed: ' + (e.message || '') }); };
}`;

const HARNESS = {
  'probe.js': PROBE,
  'no-native.js': 'delete globalThis.EventSource;\n',
  // Pages: __ready, __run(url), __state().
  'page.js': `window.__ready = Promise.resolve();
window.__state = () => ({ probe: window.__probe, resources: (${RESOURCES})() });
window.__run = (url) => new Promise((resolve) => {
  let source;
  try { source = window.__start(url); } catch (e) { resolve({ ok: false, error: String(e) }); return; }
  (${RUN})(source, resolve);
});
`,
  // Workers: the page asks, the worker answers (the worker's own probe and Resource Timing).
  'worker-host.js': `(() => {
  const script = document.currentScript;
  const worker = new Worker(script.dataset.worker, { type: script.dataset.type });
  const waiting = new Map();
  let ready;
  window.__ready = Promise.race([new Promise((r) => { ready = r; }), new Promise((r) => setTimeout(() => r({ error: 'the worker did not start in 10 s' }), 10000))]);
  worker.onmessage = (e) => {
    if (e.data.type === 'ready') ready(e.data);
    else waiting.get(e.data.type)?.(e.data.value);
  };
  worker.onerror = (e) => ready({ error: String(e.message) });
  const ask = (cmd, arg) => new Promise((resolve) => {
    waiting.set(cmd, resolve);
    worker.postMessage({ cmd, arg });
    setTimeout(() => resolve({ ok: false, error: cmd + ': no answer in 12 s' }), 12000);
  });
  window.__state = async () => {
    const inWorker = await ask('state');
    return { probe: inWorker.probe, resources: [...(${RESOURCES})(), ...inWorker.resources], page: window.__probe };
  };
  window.__run = (url) => ask('run', url);
})();
`,
  'worker-main.js': `self.onmessage = (e) => {
  const { cmd, arg } = e.data;
  if (cmd === 'state') postMessage({ type: 'state', value: { probe: self.__probe, resources: (${RESOURCES})() } });
  if (cmd === 'run') {
    let source;
    try { source = new EventSource(arg); } catch (err) { postMessage({ type: 'run', value: { ok: false, error: String(err) } }); return; }
    (${RUN})(source, (value) => postMessage({ type: 'run', value }));
  }
};
postMessage({ type: 'ready' });
`,
  'start-global.js': 'window.__start = (url) => new EventSource(url);\n',
  'start-index.js': "import { EventSource } from '/dist/index.js';\nwindow.__start = (url) => new EventSource(url);\n",
  'start-global-module.js': "import '/dist/global.js';\nwindow.__start = (url) => new EventSource(url);\n",
  'start-eventsource.js': "import { EventSource } from '/vendor/eventsource.js';\nwindow.__start = (url) => new EventSource(url);\n",
};
for (const native of [true, false]) {
  const n = native ? 'native' : 'nonative';
  HARNESS[`w-module-${n}.js`] = `${native ? '' : "import '/h/no-native.js';\n"}import '/h/probe.js';\nimport '/dist/global.js';\nimport '/h/worker-main.js';\n`;
  HARNESS[`w-classic-${n}.js`] = `${native ? '' : "importScripts('/h/no-native.js');\n"}importScripts('/h/probe.js', '/dist/eventsource.js', '/h/worker-main.js');\n`;
}

const script = (src) => `<script src="${src}"></script>`;
const module = (src) => `<script type="module" src="${src}"></script>`;
const worker = (type) => (native) => `<script src="/h/worker-host.js" data-type="${type}" data-worker="/h/w-${type}-${native ? 'native' : 'nonative'}.js"></script>`;

/** The entries: how the page loads the library and makes its source. */
function entries(built) {
  const app = (name) => built[name].head;
  return [
    { id: 'script', label: 'script tag: eventsource.js, new EventSource', head: script('/dist/eventsource.js') + script('/h/start-global.js'), globalOnly: true },
    // For classic service workers (no import() there); not a way to use only the global.
    { id: 'full', label: 'script tag, engine inside: eventsource.full.js', head: script('/dist/eventsource.full.js') + script('/h/start-global.js') },
    { id: 'index', label: 'ES module index.js: import { EventSource }', head: module('/h/start-index.js') },
    { id: 'global', label: "ES module global.js: import '…/global'", head: module('/h/start-global-module.js'), globalOnly: true },
    { id: 'vite-global', label: "Vite app: import 'eventsource-wasm/global'", head: app('vite-global'), globalOnly: true },
    { id: 'vite-class', label: "Vite app: import { EventSource }", head: app('vite-class') },
    { id: 'esbuild-global', label: "esbuild app (one file): …/global", head: app('esbuild-global'), globalOnly: true },
    { id: 'esbuild-class', label: 'esbuild app (one file): { EventSource }', head: app('esbuild-class') },
    { id: 'esbuild-splitting-global', label: 'esbuild --splitting app: …/global', head: app('esbuild-splitting-global'), globalOnly: true },
    { id: 'esbuild-splitting-class', label: 'esbuild --splitting app: { EventSource }', head: app('esbuild-splitting-class') },
    { id: 'csp-script', label: "strict CSP (script-src 'self'): script tag", head: script('/dist/eventsource.js') + script('/h/start-global.js'), csp: true, globalOnly: true },
    { id: 'csp-index', label: "strict CSP (script-src 'self'): index.js", head: module('/h/start-index.js'), csp: true },
    { id: 'worker-module', label: 'module worker: global.js', head: worker('module'), worker: true, globalOnly: true },
    { id: 'worker-classic', label: 'classic worker: importScripts(eventsource.js)', head: worker('classic'), worker: true, globalOnly: true },
    { id: 'event-source-polyfill', label: `event-source-polyfill ${version('event-source-polyfill')} (.min.js, global)`, head: script('/vendor/event-source-polyfill.min.js') + script('/h/start-global.js'), other: true },
    { id: 'eventsource', label: `eventsource ${version('eventsource')} (npm, esbuild bundle, min)`, head: module('/h/start-eventsource.js'), other: true },
  ];
}

function page(entry, native) {
  const head = typeof entry.head === 'function' ? entry.head(native) : entry.head;
  return `<!doctype html>
<meta charset="utf-8">
<title>bytes: ${entry.label.replace(/</g, '&lt;')}</title>
<link rel="icon" href="data:,">
${entry.worker ? '' : script('/h/page.js')}
${head}
`;
}

// ---------------------------------------------------------------- the server

const TYPES = { '.js': 'text/javascript; charset=utf-8', '.html': 'text/html; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json' };
/** The library's files (counted); everything else is the harness, the page or the stream. */
const counted = (path) => path.startsWith('/dist/') || path.startsWith('/vendor/') || path.startsWith('/app/');

function startServer(pages) {
  const requests = [];
  const gz = new Map();
  const streams = new Set();
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const path = url.pathname;
    const send = (status, type, body, headers = {}) => {
      const acceptsGzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
      let out = body;
      if (acceptsGzip && body.length) {
        const key = `${path}\0${body.length}`;
        if (!gz.has(key)) gz.set(key, gzipSync(body, { level: 9 }));
        out = gz.get(key);
      }
      requests.push({ path, status, raw: body.length, sent: out.length, gzip: out !== body, counted: counted(path) });
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': out.length, ...(out !== body ? { 'content-encoding': 'gzip' } : {}), ...headers });
      res.end(out);
    };
    if (path === '/sse') {
      // One event, then the stream stays open until the page closes it (30 s at most).
      requests.push({ path, status: 200, raw: 0, sent: 0, gzip: false, counted: false });
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write('retry: 60000\ndata: hello\n\n');
      const timer = setTimeout(() => res.end(), 30000);
      streams.add(res);
      res.on('close', () => { clearTimeout(timer); streams.delete(res); });
      return;
    }
    if (path.startsWith('/p/')) {
      const p = pages.get(path.slice(3));
      if (!p) return send(404, 'text/plain', Buffer.from('no such page'));
      return send(200, TYPES['.html'], Buffer.from(p.html), p.csp ? { 'content-security-policy': "script-src 'self'" } : {});
    }
    if (path.startsWith('/h/') && HARNESS[path.slice(3)]) return send(200, TYPES['.js'], Buffer.from(HARNESS[path.slice(3)]));
    const mounts = [['/dist/', join(ROOT, 'dist')], ['/vendor/', join(WORK, 'vendor')], ['/app/', join(WORK, 'app')]];
    for (const [prefix, dir] of mounts) {
      if (!path.startsWith(prefix)) continue;
      const file = resolve(dir, decodeURIComponent(path.slice(prefix.length)));
      if (!file.startsWith(dir + sep) || !existsSync(file)) break;
      return send(200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
    }
    send(404, 'text/plain', Buffer.from('not found'));
  });
  return new Promise((resolveListen) => {
    server.listen(0, '127.0.0.1', () => {
      resolveListen({
        origin: `http://127.0.0.1:${server.address().port}`,
        requests,
        close: () => new Promise((r) => {
          for (const s of streams) s.destroy();
          server.close(r);
          server.closeAllConnections();
        }),
      });
    });
  });
}

// ---------------------------------------------------------------- measuring

const withTimeout = (promise, ms, what) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms))]);

/** What the library's files cost in a snapshot: from the server's log and from Resource Timing. */
function files(requests, resources) {
  const list = requests.filter((r) => r.counted && r.status === 200).map((r) => ({ path: r.path, raw: r.raw, gzip: r.sent }));
  const seen = new Set();
  let rt = 0;
  for (const e of resources ?? []) {
    if (!counted(e.path) || seen.has(e.path)) continue;
    seen.add(e.path);
    rt += e.encodedBodySize;
  }
  return { files: list, gzip: list.reduce((a, f) => a + f.gzip, 0), raw: list.reduce((a, f) => a + f.raw, 0), resourceTiming: rt };
}

function wasmUse(probe) {
  if (!probe) return null;
  const modules = probe.modules ?? [];
  return {
    nativeSeen: probe.native,
    emptyModuleProbes: modules.filter((m) => m === 8).length,
    modulesCompiled: modules.filter((m) => m !== 8),
    instantiations: probe.instantiations,
    inflates: probe.inflates,
  };
}

async function measure(browser, server, entry, native) {
  const context = await browser.newContext();
  try {
    if (!native) await context.addInitScript('delete window.EventSource;');
    await context.addInitScript(PROBE);
    const pg = await context.newPage();
    const errors = [];
    pg.on('pageerror', (e) => errors.push(String(e.message)));
    pg.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource|Content Security Policy|Content-Security-Policy|wasm-eval|WebAssembly/i.test(m.text())) errors.push(m.text()); });
    const start = server.requests.length;
    await pg.goto(`${server.origin}/p/${entry.id}-${native ? 'native' : 'nonative'}.html`, { waitUntil: 'load', timeout: 30000 });
    const ready = await withTimeout(pg.evaluate(() => window.__ready), 15000, 'ready');
    if (ready?.error) throw new Error(ready.error);
    const stateBefore = await withTimeout(pg.evaluate(() => window.__state()), 15000, 'state');
    const mid = server.requests.length;
    const run = await withTimeout(pg.evaluate((u) => window.__run(u), `${server.origin}/sse`), 15000, 'run');
    const stateAfter = await withTimeout(pg.evaluate(() => window.__state()), 15000, 'state');
    const end = server.requests.length;
    const before = files(server.requests.slice(start, mid), stateBefore.resources);
    const after = files(server.requests.slice(start, end), stateAfter.resources);
    return {
      ok: run.ok === true,
      error: run.ok ? undefined : run.error,
      usedNative: run.native,
      before: { ...before, wasm: wasmUse(stateBefore.probe) },
      after: { ...after, wasm: wasmUse(stateAfter.probe) },
      pageErrors: errors,
    };
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------- printing

function table(headers, rows, align) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c ?? '-')));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => ((align?.[i] ?? 'r') === 'l' ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const n = (v) => (typeof v === 'number' ? v.toLocaleString('en-US') : '-');
const cell = (c) => (c ? `${n(c.gzip)} (${c.files.length})` : '-');

function wasmWords(w) {
  if (!w) return '-';
  const parts = [];
  if (w.modulesCompiled.length) parts.push(`compiled ${w.modulesCompiled.map((b) => `${n(b)} B`).join('+')}`);
  if (w.instantiations) parts.push(`instantiated ${w.instantiations}`);
  if (w.inflates) parts.push(`inflated ${w.inflates}`);
  if (w.emptyModuleProbes) parts.push(`8-B probe ${w.emptyModuleProbes}`);
  return parts.length ? parts.join(', ') : 'none';
}

function staticSizes(built) {
  const rows = [];
  const add = (label, file) => {
    const bytes = readFileSync(file);
    rows.push({ label, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
  };
  for (const f of readdirSync(join(ROOT, 'dist')).filter((f) => f.endsWith('.js')).sort()) add(`dist/${f}`, join(ROOT, 'dist', f));
  for (const f of readdirSync(join(WORK, 'vendor')).sort()) add(`vendor/${f}`, join(WORK, 'vendor', f));
  for (const [name, b] of Object.entries(built)) for (const f of b.files) add(`app/${name}/${f}`, join(WORK, 'app', name, f));
  return rows;
}

// ---------------------------------------------------------------- main

async function main() {
  const started = performance.now();
  for (const f of ['index.js', 'global.js', 'eventsource.js', 'eventsource.full.js', 'engine.js', 'engine.nowasm.js']) {
    if (!existsSync(join(ROOT, 'dist', f))) throw new Error(`dist/${f} is missing: run bash scripts/build.sh first`);
  }
  log('building the competitors\' files and the Vite and esbuild apps...');
  const built = await buildAll();
  const list = entries(built);
  const pages = new Map();
  for (const e of list) for (const native of [true, false]) pages.set(`${e.id}-${native ? 'native' : 'nonative'}.html`, { html: page(e, native), csp: e.csp });
  const server = await startServer(pages);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true, timeout: 30000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const version = browser.version();
  const results = [];
  try {
    for (const e of list) {
      const row = { id: e.id, label: e.label, globalOnly: !!e.globalOnly, csp: !!e.csp, other: !!e.other };
      for (const native of [true, false]) {
        let r;
        try {
          r = await measure(browser, server, e, native);
        } catch (err) {
          r = { ok: false, error: String(err.message || err) };
        }
        row[native ? 'native' : 'nonative'] = r;
        log(`${e.id.padEnd(26)} ${native ? 'native   ' : 'no native'} ${r.ok ? `before ${n(r.before.gzip)} B, after ${n(r.after.gzip)} B gzipped (${r.usedNative ? 'native' : 'the library'}); wasm: ${wasmWords(r.after.wasm)}` : `FAILED: ${r.error}`}`);
      }
      results.push(row);
    }
  } finally {
    await browser.close();
    await server.close();
  }

  const out = [];
  out.push(`Bytes a page loads (Chromium ${version}; gzip -9 bodies the bench server sent for the library's files, counted at`);
  out.push('the server; "B (files)"; harness, page and event stream left out; a fresh context each, so nothing cached)');
  const used = (c) => (c?.ok ? (c.usedNative ? 'native' : 'library') : `FAILED (${c?.error})`);
  out.push(table(['entry', 'native: before', 'native: after 1 source', 'no native: before', 'no native: after 1 source', 'source made by (native / none)'],
    results.map((r) => [r.label, cell(r.native?.before), cell(r.native?.after), cell(r.nonative?.before), cell(r.nonative?.after),
      `${used(r.native)} / ${used(r.nonative)}`]), ['l']));
  out.push('');
  out.push('WebAssembly in the page (or worker) by the end (after one source): inflated = DecompressionStream made, compiled =');
  out.push('modules compiled (bytes), instantiated = instances; the 8-byte empty module (the CSP test) is counted apart');
  out.push(table(['entry', 'native present', 'no native'], results.map((r) => [r.label, wasmWords(r.native?.after?.wasm), wasmWords(r.nonative?.after?.wasm)]), ['l', 'l', 'l']));
  out.push('');
  out.push('Files (after one source; gzip -9 B as sent):');
  for (const r of results) {
    for (const native of [true, false]) {
      const c = r[native ? 'native' : 'nonative'];
      if (!c?.after) continue;
      const before = new Set(c.before.files.map((f) => f.path));
      out.push(`  ${r.id} (${native ? 'native' : 'no native'}): ${c.after.files.map((f) => `${f.path}${before.has(f.path) ? '' : ' [after]'} ${n(f.gzip)}`).join(', ') || 'nothing'}`);
    }
  }
  const mismatches = [];
  let cells = 0;
  for (const r of results) {
    for (const native of [true, false]) {
      for (const phase of ['before', 'after']) {
        const c = r[native ? 'native' : 'nonative']?.[phase];
        if (!c) continue;
        cells += 1;
        if (c.resourceTiming !== c.gzip) mismatches.push(`${r.id} ${native ? 'native' : 'no native'} ${phase}: server ${c.gzip} B, Resource Timing ${c.resourceTiming} B`);
      }
    }
  }
  out.push(`Resource Timing encodedBodySize (page and worker timelines) agreed with the server's count in ${cells - mismatches.length} of ${cells} cells${mismatches.length ? ':' : '.'}`);
  for (const m of mismatches) out.push(`  ${m}`);
  const errs = results.flatMap((r) => [true, false].flatMap((native) => (r[native ? 'native' : 'nonative']?.pageErrors ?? []).map((e) => `${r.id} ${native ? 'native' : 'no native'}: ${e}`)));
  if (errs.length) {
    out.push('Page errors:');
    for (const e of errs) out.push(`  ${e}`);
  }
  out.push('');
  const sizes = staticSizes(built);
  out.push('Each file (raw and gzip -9 bytes on disk)');
  out.push(table(['file', 'raw B', 'gzip -9 B'], sizes.map((s) => [s.label, n(s.raw), n(s.gzip)]), ['l']));
  out.push('');

  // Issue 13's targets, stated, not asserted.
  out.push('Targets (issue 13):');
  const T = (label, value, target, met) => out.push(`  ${met ? 'met    ' : 'NOT met'}  ${label}: ${value} (target ${target})`);
  for (const r of results.filter((x) => x.globalOnly && !x.other)) {
    const c = r.native;
    if (!c?.ok) continue;
    const w = c.after.wasm;
    const wasmFree = w && !w.modulesCompiled.length && !w.instantiations && !w.inflates;
    T(`1. native present, ${r.label}: after one source`, `${n(c.after.gzip)} B, wasm ${wasmFree ? 'not fetched, inflated or compiled' : wasmWords(w)}${c.usedNative ? '' : ', NOT the native EventSource'}`,
      `<= ${n(NATIVE_GLOBAL_MAX)} B, no wasm`, c.after.gzip <= NATIVE_GLOBAL_MAX && wasmFree && c.usedNative);
  }
  for (const r of results.filter((x) => !x.other)) {
    const c = r.nonative;
    if (!c?.ok) continue;
    if (r.csp) {
      const w = c.after.wasm;
      const jsOnly = c.after.files.some((f) => /engine\.nowasm/.test(f.path)) && !c.after.files.some((f) => /\/engine\.js$/.test(f.path)) && w && !w.modulesCompiled.length;
      T(`2. ${r.label}, no native: after one source`, `${n(c.after.gzip)} B; ${jsOnly ? 'the JavaScript engine only' : `files ${c.after.files.map((f) => f.path).join(', ')}; wasm ${wasmWords(w)}`}`, 'the JavaScript engine only', jsOnly);
    } else {
      T(`2. ${r.label}, no native: after one source`, `${n(c.after.gzip)} B`, `<= ${n(ENGINE_MAX)} B`, c.after.gzip <= ENGINE_MAX);
    }
  }
  out.push(`  (KB = 1024 B. Competitors, no native, after one source: ${results.filter((r) => r.other).map((r) => `${r.label} ${n(r.nonative?.after?.gzip)} B`).join('; ')})`);
  const seconds = (performance.now() - started) / 1000;
  out.push(`Total ${seconds.toFixed(1)} s`);
  console.log(out.join('\n'));
  mkdirSync(join(ROOT, 'target', 'bench'), { recursive: true });
  writeFileSync(join(ROOT, 'target', 'bench', 'bytes.json'), `${JSON.stringify({ date: new Date().toISOString(), chromium: version, seconds, results, sizes }, null, 1)}\n`);
  log('wrote target/bench/bytes.json');
}

main().catch((e) => {
  log(e.stack || String(e));
  process.exit(1);
});
