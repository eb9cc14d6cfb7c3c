// "Streaming an LLM answer": a prompt POSTed to /api/answer, the answer read token by token
// with this package's EventSource, in one of two ways (see /work/shared/API.md):
//
//   stream       fetch(url, { method: 'POST', headers, body }), then
//                EventSource.fromReadableStream(response.body): one request, no reconnection.
//   eventsource  new EventSource(url, { fetch: (input, init) => fetch(input, { ...init,
//                method: 'POST', body, headers }) }): on a broken connection the source
//                reconnects, the POST goes out again with Last-Event-ID, and the server
//                resumes after that token.
//
// For tests, `window.llm` mirrors the state:
//   state       'idle' | 'loading' | 'streaming' | 'reconnecting' | 'done' | 'error' | 'stopped'
//   mode        'stream' | 'eventsource'
//   text        the answer so far;  tokens: tokens received;  ids: their ids, in order
//   lastEventId the newest event's lastEventId;  requests: POSTs made (1 + reconnections)
//   expected    the token count `done` announced (null before);  error: why it failed (or null)
//   ready       the package is loaded;  fromReadableStream: whether it has that static
// Query: mode, prompt, token, pace (ms between tokens), drop_after (test routes only),
// retry (ms), autostart=1.

const API = '/api/answer';
const PACKAGE_URL = '/dist/index.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

const llm = {
  state: 'idle',
  mode: 'stream',
  text: '',
  tokens: 0,
  ids: [],
  lastEventId: '',
  requests: 0,
  expected: null,
  error: null,
  ready: false,
  fromReadableStream: false,
};
window.llm = llm;

/** What is running now: { es, abort } (either may be null). */
let current = null;
let EventSourceClass = null;

function setState(state, note) {
  llm.state = state;
  const pill = $('state-pill');
  pill.dataset.state = { streaming: 'OPEN', reconnecting: 'CONNECTING', loading: 'CONNECTING' }[state] ?? 'CLOSED';
  $('state-text').textContent = state.toUpperCase();
  const busy = state === 'loading' || state === 'streaming' || state === 'reconnecting';
  $('send').disabled = busy;
  $('stop').disabled = !busy;
  const notice = $('notice');
  if (note) {
    notice.textContent = note;
    notice.dataset.kind = state === 'error' ? 'error' : 'info';
    notice.hidden = false;
  } else {
    notice.hidden = true;
  }
  showMeta();
}

function showMeta() {
  const parts = [`${llm.tokens} tokens`];
  if (llm.expected !== null) parts[0] = `${llm.tokens} of ${llm.expected} tokens`;
  if (llm.lastEventId) parts.push(`last id ${llm.lastEventId}`);
  parts.push(`${llm.requests} ${llm.requests === 1 ? 'request' : 'requests'}`);
  $('meta').textContent = parts.join(' · ');
}

function reset(mode) {
  Object.assign(llm, { mode, text: '', tokens: 0, ids: [], lastEventId: '', requests: 0, expected: null, error: null });
  $('answer').textContent = '';
}

/** The API URL with the query knobs this page passes through. */
function apiUrl() {
  const u = new URL(API, location.href);
  for (const k of ['pace', 'drop_after', 'retry']) {
    if (params.has(k)) u.searchParams.set(k, params.get(k));
  }
  return u.href;
}

/** The request headers: whatever the engine sends (Accept, Last-Event-ID), plus ours. */
function postHeaders(token, base) {
  const h = new Headers(base);
  h.set('Authorization', `Bearer ${token}`);
  h.set('Content-Type', 'application/json');
  return h;
}

/** A token event: append it (ids are checked: a resumed answer must go on, not repeat). */
function onToken(e) {
  let token;
  try {
    token = JSON.parse(e.data).token;
  } catch {
    return;
  }
  if (typeof token !== 'string') return;
  llm.tokens += 1;
  llm.text += token;
  llm.lastEventId = e.lastEventId;
  if (e.lastEventId !== '') llm.ids.push(Number(e.lastEventId));
  $('answer').textContent = llm.text;
  if (llm.state !== 'streaming') setState('streaming');
  else showMeta();
}

function onDone(e, es) {
  try {
    llm.expected = JSON.parse(e.data).tokens;
  } catch {
    llm.expected = null;
  }
  es.close();
  current = null;
  setState('done');
}

/** The message of an error response: its JSON `error`, else the status line. */
async function errorText(response) {
  try {
    const body = await response.json();
    if (body && typeof body.error === 'string') return `${response.status}: ${body.error}`;
  } catch {
    // not JSON
  }
  return `${response.status} ${response.statusText}`;
}

function fail(why) {
  llm.error = why;
  current?.es?.close();
  current?.abort?.abort();
  current = null;
  setState('error', why);
}

/** One POST, its body read by EventSource.fromReadableStream: no reconnection. */
async function askStream(prompt, token) {
  const abort = new AbortController();
  current = { es: null, abort };
  llm.requests = 1;
  setState('loading');
  let response;
  try {
    response = await fetch(apiUrl(), {
      method: 'POST',
      headers: postHeaders(token),
      body: JSON.stringify({ prompt }),
      signal: abort.signal,
    });
  } catch (err) {
    if (current?.abort === abort) fail(`the request failed: ${err.message}`);
    return;
  }
  if (current?.abort !== abort) return; // stopped meanwhile
  if (!response.ok) {
    fail(await errorText(response));
    return;
  }
  const es = EventSourceClass.fromReadableStream(response.body);
  current.es = es;
  es.onmessage = onToken;
  es.addEventListener('done', (e) => onDone(e, es));
  es.onerror = () => {
    if (current?.es !== es || llm.state === 'done') return;
    // The stream ended (or broke) before `done`: this mode has nothing to reconnect to.
    fail(`the answer stopped after ${llm.tokens} tokens (this mode does not reconnect)`);
  };
}

/** An EventSource whose every request is the POST: reconnects with Last-Event-ID. */
function askEventSource(prompt, token) {
  const body = JSON.stringify({ prompt });
  setState('loading');
  const es = new EventSourceClass(apiUrl(), {
    fetch: (input, init) => {
      llm.requests += 1;
      showMeta();
      return fetch(input, { ...init, method: 'POST', body, headers: postHeaders(token, init?.headers) });
    },
  });
  current = { es, abort: null };
  es.onmessage = onToken;
  es.addEventListener('done', (e) => onDone(e, es));
  es.onerror = (e) => {
    if (current?.es !== es || llm.state === 'done') return;
    if (es.readyState === EventSourceClass.CONNECTING) {
      setState('reconnecting', `connection lost after ${llm.tokens} tokens: reconnecting with Last-Event-ID ${llm.lastEventId || '(none)'}`);
      return;
    }
    const why = e.message || (e.code ? `status ${e.code}` : 'the connection failed');
    fail(e.code === 401 ? `401: the token was refused (the demo token is "demo")` : why);
  };
}

function stop() {
  if (!current) return;
  current.es?.close();
  current.abort?.abort();
  current = null;
  setState('stopped', `stopped after ${llm.tokens} tokens`);
}

function ask() {
  if (!EventSourceClass) return;
  stop();
  const mode = document.querySelector('input[name="mode"]:checked')?.value === 'eventsource' ? 'eventsource' : 'stream';
  const prompt = $('prompt').value.trim();
  const token = $('token').value.trim();
  reset(mode);
  if (!prompt) {
    fail('type a prompt first');
    return;
  }
  if (mode === 'stream') askStream(prompt, token);
  else askEventSource(prompt, token);
}

async function boot() {
  if (params.get('mode') === 'eventsource' || params.get('mode') === 'stream') {
    document.querySelector(`input[name="mode"][value="${params.get('mode')}"]`).checked = true;
  }
  if (params.has('prompt')) $('prompt').value = params.get('prompt');
  if (params.has('token')) $('token').value = params.get('token');
  $('ask').addEventListener('submit', (e) => {
    e.preventDefault();
    ask();
  });
  $('stop').addEventListener('click', stop);
  try {
    ({ EventSource: EventSourceClass } = await import(PACKAGE_URL));
  } catch (err) {
    $('send').disabled = true;
    setState('error', `the package is not built (${PACKAGE_URL}: ${err.message}): run \`npm run build\``);
    llm.error = 'package missing';
    return;
  }
  llm.fromReadableStream = typeof EventSourceClass.fromReadableStream === 'function';
  if (!llm.fromReadableStream) {
    // The package predates EventSource.fromReadableStream: only the fetch-option mode works.
    const input = document.querySelector('input[name="mode"][value="stream"]');
    input.disabled = true;
    document.querySelector('input[name="mode"][value="eventsource"]').checked = true;
  }
  setState('idle');
  llm.ready = true;
  if (params.get('autostart') === '1') ask();
}

boot();
