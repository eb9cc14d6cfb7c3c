// The packed npm tarball, installed into an empty folder, works in a real browser with the
// native EventSource removed: (a) `import` from a browser ES module (import map), (b) through a
// bundler (Vite, esbuild), (c) one classic <script> tag followed at once by `new EventSource(url)`;
// and, where the native one is kept, the script tag loads no engine until fromReadableStream().
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT, startServer, launchChromium, removeNativeEventSource, collectPageErrors } from './harness.mjs';

const WORK = path.join(ROOT, 'target', 'pack');
const APP = path.join(WORK, 'app');
let server;
let browser;

// What every page does once it has an EventSource class: read 3 events from the counter.
const USE = `
  window.result = new Promise((resolve, reject) => {
    const es = new EventSource('/t/counter?count=3&end=1&key=' + (new URLSearchParams(location.search).get('key') || ''));
    const seen = [];
    es.onmessage = (e) => {
      seen.push(e.data + '#' + e.lastEventId);
      if (seen.length === 3) { es.close(); resolve({ seen, isNative: es instanceof EventSourceOrig }); }
    };
    es.onerror = (e) => { if (es.readyState === 2) reject(new Error('failed: ' + (e.message || ''))); };
  });`;

before(async () => {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(APP, { recursive: true });
  // `npm pack` runs the build (prepack) and writes the tarball.
  const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', WORK], { cwd: ROOT, encoding: 'utf8' });
  const tarball = path.join(WORK, out.trim().split('\n').pop());
  writeFileSync(path.join(APP, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', tarball], { cwd: APP });
  const files = readdirSync(path.join(APP, 'node_modules', 'eventsource-wasm', 'dist')).sort();
  assert.deepEqual(files, ['engine.js', 'engine.nowasm.js', 'eventsource.full.js', 'eventsource.js', 'global.d.ts', 'global.js', 'index.d.ts', 'index.js']);

  const guard = `<script>window.EventSourceOrig = class {}; delete window.EventSource;</script>`;
  // (a) A browser ES module, the bare specifier mapped to the installed package.
  writeFileSync(path.join(APP, 'esm.html'), `<!doctype html>${guard}
    <script type="importmap">{"imports":{"eventsource-wasm":"./node_modules/eventsource-wasm/dist/index.js"}}</script>
    <script type="module">import { EventSource } from 'eventsource-wasm'; ${USE}</script>`);
  // (c) The classic script, used synchronously right after the tag.
  writeFileSync(path.join(APP, 'script.html'), `<!doctype html>${guard}
    <script src="node_modules/eventsource-wasm/dist/eventsource.js"></script>
    <script>if (EventSource !== EventSourceWasm) throw new Error('global not installed'); ${USE}</script>`);
  // The same, noting when the engine is ready (the source's request must be out before).
  writeFileSync(path.join(APP, 'early.html'), `<!doctype html>${guard}
    <script src="node_modules/eventsource-wasm/dist/eventsource.js"></script>
    <script>${USE} EventSource.ready.then(() => { window.readyAt = performance.now(); });</script>`);
  // (d) The script tag where the native EventSource stays: only fromReadableStream is added.
  writeFileSync(path.join(APP, 'native.html'), `<!doctype html>
    <script src="node_modules/eventsource-wasm/dist/eventsource.js"></script>
    <script>
      window.loaded = () => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)
        .filter((p) => p.includes('eventsource-wasm'));
      window.before = { native: EventSource !== EventSourceWasm, files: loaded() };
      window.useStream = () => new Promise((resolve, reject) => {
        const body = new Blob(['id: 7\\ndata: from a stream\\n\\n']).stream();
        const es = EventSource.fromReadableStream(body);
        es.onmessage = (e) => resolve({ data: e.data, id: es.lastEventId, origin: e.origin, url: es.url,
          isNative: es instanceof EventSource, files: loaded() });
        es.onerror = () => reject(new Error('failed'));
      });
    </script>`);
  // (b) Vite bundles an app that imports the package (the engine becomes a chunk of its own).
  mkdirSync(path.join(APP, 'vite'), { recursive: true });
  writeFileSync(path.join(APP, 'vite', 'index.html'), `<!doctype html>${guard}<script type="module" src="./main.js"></script>`);
  writeFileSync(path.join(APP, 'vite', 'main.js'), `import { EventSource } from 'eventsource-wasm'; ${USE}`);
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'vite'),
    ['build', 'vite', '--outDir', '../bundle', '--emptyOutDir', '--base', './', '--logLevel', 'warn'], { cwd: APP });

  // (b') esbuild, which has no asset handling: nothing to copy next to the bundle.
  mkdirSync(path.join(APP, 'esbuild'), { recursive: true });
  writeFileSync(path.join(APP, 'esbuild', 'index.html'), `<!doctype html>${guard}<script type="module" src="./main.js"></script>`);
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'esbuild'),
    [path.join('vite', 'main.js'), '--bundle', '--minify', '--format=esm', '--outfile=esbuild/main.js', '--log-level=warning'], { cwd: APP });
  // (c') The classic script on a page in another encoding, both served without a charset (as
  // nginx's defaults do): the script is decoded as windows-1252, which must change nothing.
  writeFileSync(path.join(APP, 'latin1.html'), `<!doctype html><meta charset="windows-1252">${guard}
    <script src="node_modules/eventsource-wasm/dist/eventsource.js?charset=none"></script>
    <script>${USE}</script>`);

  server = await startServer({ args: ['--static', `/=${APP}`] });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function check(url) {
  const page = await browser.newPage();
  const errors = collectPageErrors(page);
  await removeNativeEventSource(page);
  await page.goto(url);
  const result = await page.evaluate(() => window.result);
  await page.close();
  assert.deepEqual(errors, []);
  assert.deepEqual(result, { seen: ['1#1', '2#2', '3#3'], isNative: false });
}

test('import from a browser ES module', () => check(`${server.origin}/esm.html`));
test('classic script tag, used synchronously', () => check(`${server.origin}/script.html`));

// The engine comes from engine.js beside the script the first time a source is made, and a
// source made right after the tag connects at once (one request to the stream).
test('classic script tag: the script, then its engine, and one request to the stream', async () => {
  const key = `one-file-${Date.now()}`;
  const page = await browser.newPage();
  const errors = collectPageErrors(page);
  await removeNativeEventSource(page);
  await page.goto(`${server.origin}/script.html?key=${key}`);
  const result = await page.evaluate(() => window.result);
  const files = await page.evaluate(() => performance.getEntriesByType('resource')
    .map((e) => new URL(e.name).pathname).filter((p) => p.includes('eventsource-wasm')));
  await page.close();
  assert.deepEqual(errors, []);
  assert.deepEqual(result, { seen: ['1#1', '2#2', '3#3'], isNative: false });
  assert.deepEqual(files, ['/node_modules/eventsource-wasm/dist/eventsource.js', '/node_modules/eventsource-wasm/dist/engine.js']);
  const log = await (await fetch(`${server.origin}/t/log?key=${key}`)).json();
  assert.equal(log.requests.length, 1, 'one request to the stream');
});

test('script tag where a native EventSource exists: no engine until fromReadableStream(), whose sources are instanceof EventSource', async () => {
  const page = await browser.newPage();
  const errors = collectPageErrors(page);
  await page.goto(`${server.origin}/native.html`);
  const before = await page.evaluate(() => window.before);
  const used = await page.evaluate(() => window.useStream());
  await page.close();
  assert.deepEqual(errors, []);
  assert.deepEqual(before, { native: true, files: ['/node_modules/eventsource-wasm/dist/eventsource.js'] });
  assert.deepEqual(used, {
    data: 'from a stream', id: '7', origin: 'null', url: 'about:event-stream', isNative: true,
    files: ['/node_modules/eventsource-wasm/dist/eventsource.js', '/node_modules/eventsource-wasm/dist/engine.js'],
  });
});

// The first source sends its request before the engine is loaded (the engine adopts the
// response): the request travels while the engine is inflated, compiled and instantiated.
test('classic script tag: the first request goes out before the engine is ready', async () => {
  const page = await browser.newPage();
  const errors = collectPageErrors(page);
  await removeNativeEventSource(page);
  await page.goto(`${server.origin}/early.html`);
  const result = await page.evaluate(() => window.result);
  const timing = await page.evaluate(() => ({
    streamStart: performance.getEntriesByType('resource').find((e) => e.name.includes('/t/counter'))?.fetchStart,
    readyAt: window.readyAt,
  }));
  await page.close();
  assert.deepEqual(errors, []);
  assert.deepEqual(result, { seen: ['1#1', '2#2', '3#3'], isNative: false });
  assert.ok(timing.streamStart < timing.readyAt, `request at ${timing.streamStart} ms, engine ready at ${timing.readyAt} ms`);
});

test('bundled by Vite', () => check(`${server.origin}/bundle/index.html`));
test('bundled by esbuild (no asset handling)', () => check(`${server.origin}/esbuild/index.html`));
test('classic script tag on a windows-1252 page, no charset anywhere', async () => {
  await check(`${server.origin}/latin1.html?charset=none`);
});
