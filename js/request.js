// Every request a source makes, the first included, is described and sent here, and nowhere
// else: GET, `Accept: text/event-stream`, cache mode no-store, CORS, credentials as
// withCredentials says, the page's headers, `Last-Event-ID` (or the query parameter), and
// `X-Requested-With` when polling. With the `fetch` option the page's own function sends it.
//
// What happens to a request is reported to the engine's side (js/host.js) through `s.report`:
// handleResponse(status, contentType, body), failed(error, url, stopped, futile) (host.js finds
// out why), and for XHR handleProgress() and handleEnd(). A request that was replaced or aborted
// reports nothing.

const SCHEMES = ['http:', 'https:', 'data:', 'blob:'];

/** Requests sent and not yet answered (a response or a failure), for leak tests. */
let waiting = 0;
export const requestsWaiting = () => waiting;

/** Requests not yet over (their body may be being read). */
const live = new Set();

/**
 * fetch() reports a request that the page stopped (window.stop()), "an aborted network error"
 * that fails the connection, exactly like a network that is down (a TypeError, in Chromium and
 * Firefox alike). So window.stop is wrapped, once a source exists in a window, to mark the
 * requests it stops.
 */
let watching = false;
function watchStop() {
  const g = globalThis;
  if (watching || !g.document || typeof g.stop !== 'function') return;
  watching = true;
  const original = g.stop;
  Object.defineProperty(g, 'stop', {
    value: function stop() {
      for (const request of live) request.stopped = true;
      return original.call(this);
    },
    writable: true,
    configurable: true,
    enumerable: true,
  });
}

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
  if (s.o.polling) {
    // The convention rests on exactly this value: the page's cannot replace or join it.
    delete h['x-requested-with'];
    h['X-Requested-With'] = 'XMLHttpRequest';
  }
  return h;
}

/**
 * Sends the source's next request (the previous one, if any, is aborted first).
 * @param {object} s the source's state (see eventsource.js)
 * @param {string} lastEventId empty for none
 */
export function send(s, lastEventId) {
  abort(s);
  watchStop();
  const request = { abort: null, answered: false, stopped: false };
  s.request = request;
  s.sent = (s.sent ?? 0) + 1;
  live.add(request);
  waiting += 1;
  const url = target(s, lastEventId);
  const report = (method, ...args) => {
    if (s.request !== request) return;
    answered(request);
    if (method === 'failed' || method === 'handleEnd') {
      s.request = null;
      live.delete(request);
    }
    s.report(method, args);
  };
  // `null`: a request that cannot be made (refused by the runtime, or a scheme that is not
  // HTTP(S)), which the engine knows to be futile.
  const refuse = () => Promise.resolve().then(() => report('failed', null, url));
  let scheme;
  try {
    scheme = new URL(url).protocol;
  } catch {
    scheme = '';
  }
  // "A URL whose scheme is not HTTP(S)": fetch returns a network error the user agent knows to
  // be futile. (data: and blob: URLs are fetched.)
  if (!SCHEMES.includes(scheme)) return refuse();
  // The XHR transport's sending lives beside the engine (request-xhr.js): a source that uses it
  // sends its first request once the engine has loaded.
  if (s.o.xhr) return s.sendXhr(request, url, headers(s, lastEventId), report, refuse);
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
      // whose stream is already being read) gets `null`, which fails the connection, and so
      // does one without a status and headers.
      let contentType;
      try {
        contentType = res.headers.get('content-type');
      } catch (error) {
        return report('failed', error, url, false, true);
      }
      let reader = null;
      try {
        reader = res.body.getReader();
      } catch {}
      s.finalUrl = res.url || url;
      s.status = res.status;
      report('handleResponse', res.status, contentType, reader);
    },
    (error) => report('failed', error, url, request.stopped),
  );
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
  live.delete(request);
  answered(request);
  request.abort?.();
}
