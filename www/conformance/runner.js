// Runs the conformance cases one after the other against the page's EventSource and
// publishes the results as `window.__conformance` (for the WebDriver runners) and as a table.

import cases, { SECTIONS } from './cases/index.js';
import { makeContext, Skip } from './lib.js';

const params = new URLSearchParams(location.search);
const impl = params.get('impl') || 'polyfill';
const entry = params.get('entry') || 'script';
const transport = params.get('transport') || 'auto';
const filter = params.get('filter');
const sections = params.get('sections') ? params.get('sections').split(',').map((s) => s.trim()).filter(Boolean) : null;
const caseTimeout = Number(params.get('timeout') || 10000);
const origin2 = params.get('origin2') || null;
// diag=1: after each case, record how many streamed responses the server still has open
// (racy: the server notices a client leaving a little later; for finding leaks).
const diag = params.get('diag') === '1';

const state = {
  done: false,
  error: null,
  info: { impl, entry, transport, origin: location.origin, origin2, filter, sections, caseTimeout, userAgent: navigator.userAgent },
  total: 0,
  results: [],
  pageErrors: [],
};
window.__conformance = state;
let finish;
window.__conformanceFinished = new Promise((resolve) => { finish = resolve; });

addEventListener('error', (e) => state.pageErrors.push(`error: ${e.message}`));
addEventListener('unhandledrejection', (e) => state.pageErrors.push(`unhandledrejection: ${e.reason && e.reason.message ? e.reason.message : String(e.reason)}`));

const tbody = document.getElementById('results');

function el(tag, attrs = {}, text = '') {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.textContent = text;
  return e;
}

function addSectionRow(name) {
  const tr = el('tr', { class: 'section' });
  const td = el('td', { colspan: '6' }, name);
  tr.append(td);
  tbody.append(tr);
}

function addRow(n, result) {
  const tr = el('tr', { class: result.status, id: `case-${result.id}` });
  tr.append(
    el('td', {}, String(n)),
    el('td', { class: 'id' }, result.id),
    el('td', {}, result.title),
    el('td', { class: 'status' }, result.status),
    el('td', {}, String(result.ms)),
    el('td', { class: 'msg' }, result.message || ''),
  );
  tbody.append(tr);
}

function summarize() {
  const count = (s) => state.results.filter((r) => r.status === s).length;
  document.getElementById('summary').textContent = `${state.results.length}/${state.total} run: ${count('pass')} pass, ${count('fail')} fail, ${count('skip')} skip${state.done ? ' (done)' : ''}`;
}

async function loadImplementation() {
  const boot = window.__conformanceBoot || {};
  if (impl === 'native') {
    if (typeof window.EventSource !== 'function') throw new Error('this browser has no native EventSource');
    return window.EventSource;
  }
  if (impl !== 'polyfill') throw new Error(`unknown impl=${impl}`);
  if (!boot.nativeRemoved) throw new Error('the native EventSource could not be removed');
  if (entry === 'script') {
    await boot.script;
    if (typeof window.EventSourceWasm !== 'function') throw new Error('the classic script did not define EventSourceWasm');
    if (window.EventSource !== window.EventSourceWasm) throw new Error('the classic script did not install EventSource');
    return window.EventSource;
  }
  if (entry === 'esm') {
    const m = await import('/dist/index.js');
    if (typeof m.EventSource !== 'function') throw new Error('/dist/index.js exports no EventSource');
    return m.EventSource;
  }
  throw new Error(`unknown entry=${entry}`);
}

function selected(c) {
  if (sections && !sections.includes(c.section)) return false;
  if (filter && !new RegExp(filter).test(`${c.section}/${c.id} ${c.title}`)) return false;
  return true;
}

async function runCase(env, c) {
  const started = performance.now();
  const result = { id: c.id, section: c.section, title: c.title, status: 'pass', message: '', ms: 0 };
  const ctx = makeContext(env, c);
  let timer;
  try {
    if (c.polyfillOnly && impl !== 'polyfill') throw new Skip('an extension of the polyfill');
    const reason = c.skip ? c.skip(ctx) : null;
    if (reason) throw new Skip(reason);
    const bound = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${caseTimeout} ms waiting for ${ctx.waitingFor}; events: ${ctx.progress()}`)), caseTimeout);
    });
    const running = Promise.resolve().then(() => c.run(ctx));
    running.catch(() => {}); // reported through the race below, or moot after a timeout
    await Promise.race([running, bound]);
  } catch (err) {
    if (err instanceof Skip) {
      result.status = 'skip';
      result.message = err.message;
    } else {
      result.status = 'fail';
      result.message = err && err.message ? err.message : String(err);
    }
  } finally {
    clearTimeout(timer);
    ctx.cleanup();
  }
  result.ms = Math.round(performance.now() - started);
  return result;
}

async function main() {
  const chosen = cases.filter(selected);
  state.total = chosen.length;
  let EventSourceImpl;
  try {
    EventSourceImpl = await loadImplementation();
  } catch (err) {
    state.error = `cannot load the implementation: ${err.message}`;
    document.getElementById('config').textContent = state.error;
    state.done = true;
    finish();
    return;
  }
  state.info.nativePresent = Boolean(window.__conformanceBoot && window.__conformanceBoot.nativePresent);
  document.getElementById('config').textContent = `impl=${impl} entry=${entry} transport=${transport} origin2=${origin2 || '(none)'} — ${chosen.length} cases`;
  const runId = `${impl}-${transport}-${Math.random().toString(36).slice(2, 10)}`;
  const env = { EventSource: EventSourceImpl, origin: location.origin, origin2, impl, entry, transport, runId };
  let section = null;
  for (const [i, c] of chosen.entries()) {
    if (c.section !== section) {
      section = c.section;
      addSectionRow(section);
    }
    const result = await runCase(env, c);
    if (diag) {
      try {
        result.streamsAfter = (await (await fetch('/t/clients', { cache: 'no-store' })).json()).streams;
        result.message = `${result.message}${result.message ? ' ' : ''}[streams open after: ${result.streamsAfter}]`;
      } catch (err) {
        result.streamsAfter = `? ${err.message}`;
      }
    }
    state.results.push(result);
    addRow(i + 1, result);
    summarize();
  }
  state.done = true;
  summarize();
  finish();
}

main().catch((err) => {
  state.error = `runner crashed: ${err && err.stack ? err.stack : err}`;
  state.done = true;
  finish();
});

export { SECTIONS };
