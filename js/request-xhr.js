// The XHR transport's half of js/request.js: the same request (its URL and headers come from
// there), sent with an XMLHttpRequest, its events reported the same way. It is loaded with the
// engine: only runtimes without a streaming fetch, and the polling mode, need it.

/**
 * Sends `request` for source `s` (see request.js `send`).
 * @param {object} s
 * @param {object} request
 * @param {string} url
 * @param {Record<string, string>} h the headers
 * @param {Function} report
 * @param {Function} refuse
 */
export function sendXhr(s, request, url, h, report, refuse) {
  const xhr = new XMLHttpRequest();
  let ours = false;
  request.abort = () => {
    ours = true;
    xhr.abort();
  };
  let headersSeen = false;
  const onChange = () => {
    if (xhr.readyState < 2) return;
    if (xhr.readyState === 4 && (xhr.status === 0 || request.stopped)) {
      // A network error is reported by onerror / onabort. A request the page stopped
      // (window.stop()) may end here as if its body had ended (Firefox): an aborted network
      // error all the same.
      if (request.stopped) report('failed', undefined, url, true);
      return;
    }
    if (!headersSeen) {
      headersSeen = true;
      s.finalUrl = xhr.responseURL || url;
      s.status = xhr.status;
      report('handleResponse', xhr.status, xhr.getResponseHeader('Content-Type'), xhr);
    }
    report('handleProgress');
    if (xhr.readyState === 4) report('handleEnd');
  };
  const onError = () => report('failed', undefined, url, request.stopped);
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
      if (!ours) report('failed', undefined, url, true);
    };
    xhr.send();
  } catch {
    refuse();
  }
}
