// Every request a source makes, the first included, is described and sent here, and nowhere
// else: GET, `Accept: text/event-stream`, cache mode no-store, CORS, credentials as
// withCredentials says, the page's headers, `Last-Event-ID` (or the query parameter), and
// `X-Requested-With` when polling. With the `fetch` option the page's own function sends it.
//
// What happens to a request is reported to the engine (src/wasm/source.rs) through `report`:
// handleResponse(status, contentType, body), handleNetworkError(kind), and for XHR
// handleProgress() and handleEnd(). A request that was replaced or aborted reports nothing.

/** handleNetworkError kinds: the network failed; the fetch is futile; the page aborted it. */
export const TRANSIENT = 0;
export const FUTILE = 1;
export const ABORTED = 2;

const SCHEMES = ['http:', 'https:', 'data:', 'blob:'];

/** Requests sent and not yet answered (a response or a failure), for leak tests. */
let waiting = 0;
export const requestsWaiting = () => waiting;

/** A string of code points U+0000-U+00FF, one per UTF-8 byte of `s`: a header value is bytes. */
function headerBytes(s) {
  if (!/[^\0-\x7f]/.test(s)) return s;
  let out = '';
  for (const b of new TextEncoder().encode(s)) out += String.fromCharCode(b);
  return out;
}

/** The URL of a request: the source's, the fragment dropped, the last event ID in the query. */
function target(s, lastEventId) {
  const url = s.url.split('#', 1)[0];
  const name = s.o.lastEventIdQueryParameter;
  if (name === undefined || !lastEventId) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${encodeURIComponent(name)}=${encodeURIComponent(lastEventId)}`;
}

/** The request headers, as a plain object: ours, then the page's (reserved names excepted). */
function headers(s, lastEventId) {
  const h = { Accept: 'text/event-stream' };
  for (const [name, value] of s.o.headers) h[name] = value;
  if (lastEventId && s.o.lastEventIdQueryParameter === undefined) h['Last-Event-ID'] = headerBytes(lastEventId);
  if (s.o.polling) h['X-Requested-With'] = 'XMLHttpRequest';
  return h;
}

/**
 * Sends the source's next request (the previous one, if any, is aborted first).
 * @param {object} s the source's state (see eventsource.js)
 * @param {string} lastEventId empty for none
 */
export function send(s, lastEventId) {
  abort(s);
  const request = { abort: null, answered: false };
  s.request = request;
  waiting += 1;
  const url = target(s, lastEventId);
  const report = (method, ...args) => {
    if (s.request !== request) return;
    answered(request);
    if (method === 'handleNetworkError' || method === 'handleEnd') s.request = null;
    s.report(method, args);
  };
  const refuse = () => Promise.resolve().then(() => report('handleNetworkError', FUTILE));
  let scheme;
  try {
    scheme = new URL(url).protocol;
  } catch {
    scheme = '';
  }
  // "A URL whose scheme is not HTTP(S)": fetch returns a network error the user agent knows to
  // be futile. (data: and blob: URLs are fetched.)
  if (!SCHEMES.includes(scheme)) return refuse();
  if (s.o.xhr) return sendXhr(s, request, url, headers(s, lastEventId), report);
  const controller = new AbortController();
  request.abort = () => controller.abort();
  const init = {
    method: 'GET',
    mode: 'cors',
    credentials: s.withCredentials ? 'include' : 'same-origin',
    cache: 'no-store',
    redirect: 'follow',
    headers: headers(s, lastEventId),
    signal: controller.signal,
  };
  let response;
  try {
    response = (s.o.fetch ?? fetch)(url, init);
  } catch (error) {
    response = Promise.reject(error);
  }
  Promise.resolve(response).then(
    (res) => {
      // A page's fetch may return a Response-like object; one without a stream to read (or one
      // whose stream is already being read) gets `null`, which fails the connection.
      let reader = null;
      try {
        reader = res.body.getReader();
      } catch {}
      s.finalUrl = res.url || url;
      s.status = res.status;
      report('handleResponse', res.status, res.headers.get('content-type'), reader);
    },
    (error) => failed(s, url, error, controller.signal.aborted, report),
  );
}

function sendXhr(s, request, url, h, report) {
  const xhr = new XMLHttpRequest();
  let ours = false;
  request.abort = () => {
    ours = true;
    xhr.abort();
  };
  let headersSeen = false;
  const onChange = () => {
    if (xhr.readyState < 2) return;
    if (xhr.readyState === 4 && xhr.status === 0) return; // onerror / onabort report it
    if (!headersSeen) {
      headersSeen = true;
      s.finalUrl = xhr.responseURL || url;
      s.status = xhr.status;
      report('handleResponse', xhr.status, xhr.getResponseHeader('Content-Type'), xhr);
    }
    report('handleProgress');
    if (xhr.readyState === 4) report('handleEnd');
  };
  const onError = () => failed(s, url, null, false, report);
  try {
    xhr.open('GET', url, true);
    xhr.withCredentials = s.withCredentials;
    for (const name of Object.keys(h)) xhr.setRequestHeader(name, h[name]);
    // The event-stream format is always UTF-8, whatever charset the server names.
    xhr.overrideMimeType('text/plain; charset=utf-8');
    xhr.onreadystatechange = onChange;
    xhr.onprogress = onChange;
    xhr.onerror = onError;
    xhr.ontimeout = onError;
    // Not ours: the page stopped it (window.stop()), an aborted network error.
    xhr.onabort = () => {
      if (!ours) report('handleNetworkError', ABORTED);
    };
    xhr.send();
  } catch {
    Promise.resolve().then(() => report('handleNetworkError', FUTILE));
  }
}

function answered(request) {
  if (!request.answered) {
    request.answered = true;
    waiting -= 1;
  }
}

/** Aborts the source's request in flight, if any; it reports nothing more. */
export function abort(s) {
  const request = s.request;
  if (!request) return;
  s.request = null;
  answered(request);
  request.abort?.();
}

/** What an error says, with its causes (the text `eventsource` v4 gives its error events). */
function describe(error) {
  if (!(error instanceof Error)) return error == null ? undefined : String(error);
  if (Array.isArray(error.errors)) return error.errors.map(describe).join(', ');
  return error.cause instanceof Error ? `${error}: ${describe(error.cause)}` : error.message;
}

function failed(s, url, error, ours, report) {
  classify(s, url, error, ours).then((kind) => {
    s.lastError = describe(error) ?? 'The request failed';
    report('handleNetworkError', kind);
  });
}

/**
 * Why a request failed before its response. fetch and XHR report a CORS refusal exactly like a
 * network that is down; a refusal is futile (fail the connection), a network down is not
 * (reestablish). A cross-origin server that answers a `no-cors` request is up: the CORS check
 * refused it. (The probe's response is opaque, and aborted at once.)
 */
async function classify(s, url, error, ours) {
  if (error?.name === 'AbortError') return ours ? TRANSIENT : ABORTED;
  const here = globalThis.location?.origin;
  let there;
  try {
    there = new URL(url);
  } catch {
    return FUTILE;
  }
  // A URL with credentials is refused by fetch (and is sent by XHR): futile.
  if (there.username || there.password) return s.o.xhr ? TRANSIENT : FUTILE;
  if (!here || here === 'null' || there.origin === here || !/^https?:$/.test(there.protocol) || typeof fetch !== 'function') {
    return TRANSIENT;
  }
  const controller = new AbortController();
  try {
    await fetch(url, {
      mode: 'no-cors',
      credentials: s.withCredentials ? 'include' : 'same-origin',
      cache: 'no-store',
      signal: controller.signal,
    });
    return FUTILE;
  } catch {
    return TRANSIENT;
  } finally {
    controller.abort();
  }
}
