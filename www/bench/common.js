// Shared by the browser benchmark pages (bench/browser/run.mjs drives them; see there).
// A page reads its parameters from the query string, runs once, POSTs its figures as JSON to
// the runner (`r`, another origin: a simple text/plain request, no preflight), then navigates
// to the runner's `/next` for the next job of its session (`s`).

export const q = new URLSearchParams(location.search);

/** Event types the corpora use: an EventSource only dispatches typed events to listeners of
 * that type, so every contender listens to all of them. */
export const TYPES = ['message', 'tick', 'update', 'delta', 'status', 'ping', 'notice'];

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `performance.memory.usedJSHeapSize` (Chromium with --enable-precise-memory-info), or null. */
export function heap() {
  const m = performance.memory;
  return m ? m.usedJSHeapSize : null;
}

/** A full GC where the browser exposes one (Chromium with --js-flags=--expose-gc). */
export function gc() {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    return true;
  }
  return false;
}

let finished = false;

/** Posts `result` once, then moves on to the next job. */
export async function finish(result) {
  if (finished) return;
  finished = true;
  const runner = q.get('r');
  const body = JSON.stringify({ ...result, job: q.get('job'), ua: navigator.userAgent });
  try {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), 10000);
    await fetch(`${runner}/result?job=${encodeURIComponent(q.get('job'))}`, {
      method: 'POST', body, headers: { 'content-type': 'text/plain' }, signal: ctl.signal,
    });
    clearTimeout(timer);
  } catch {}
  location.replace(`${runner}/next?s=${encodeURIComponent(q.get('s'))}`);
}

/** Loads a classic script. */
export function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(s);
  });
}

addEventListener('error', (e) => finish({ ok: false, error: String(e.message || e.error) }));
addEventListener('unhandledrejection', (e) => finish({ ok: false, error: String(e.reason?.stack || e.reason) }));
