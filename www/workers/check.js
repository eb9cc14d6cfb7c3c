// What every worker runs, whatever its kind (dedicated, shared, service) and type (classic or
// module): a classic script with no import or export, so both importScripts() and `import` load
// it. It defines `self.serve(info)`: answer the page's request with the results of `runChecks`.
// Every wait ends on an event; the page's caller bounds the whole run.

/** The kind of worker this is. */
self.workerKind = (function () {
  if (typeof ServiceWorkerGlobalScope === 'function' && self instanceof ServiceWorkerGlobalScope) return 'service';
  if (typeof SharedWorkerGlobalScope === 'function' && self instanceof SharedWorkerGlobalScope) return 'shared';
  return 'dedicated';
})();

// Opens `url` and records what happens until `until(record)` says stop (then closes it), or
// until the source fails (readyState CLOSED).
function observe(ES, url, options, until) {
  return new Promise(function (resolve) {
    const record = { events: [], errors: [], opens: 0, failed: null };
    const es = new ES(url, options);
    const finish = function () {
      es.close();
      record.readyStateAfterClose = es.readyState;
      resolve(record);
    };
    es.onopen = function () { record.opens++; };
    es.onmessage = function (e) {
      record.events.push({ data: e.data, lastEventId: e.lastEventId });
      if (until(record)) finish();
    };
    es.onerror = function (e) {
      record.errors.push(es.readyState);
      if (es.readyState === 2) {
        record.failed = e.message || 'error';
        resolve(record);
      }
    };
  });
}

// Reads a source made from `stream` until the end of the stream fails it (readyState CLOSED).
function readStream(ES, stream) {
  return new Promise(function (resolve) {
    const r = { events: [] };
    const es = ES.fromReadableStream(stream);
    r.url = es.url;
    es.onopen = function () { r.events.push('open:' + es.readyState); };
    es.onmessage = function (e) { r.events.push(['message', e.data, e.lastEventId, e.origin].join(':')); };
    es.onerror = function () {
      r.events.push('error:' + es.readyState);
      if (es.readyState === 2) {
        r.lastEventId = es.lastEventId;
        r.reconnectionTime = es.reconnectionTime;
        resolve(r);
      }
    };
  });
}

async function fromStreamChecks(ES) {
  if (typeof ES.fromReadableStream !== 'function') return 'no EventSource.fromReadableStream';
  const blob = await readStream(ES, new Blob(['id: 3\nretry: 1500\ndata: a\n\n', 'data: b\n\n']).stream());
  // Every byte its own chunk, made only when read: the characters and the CRLF are cut apart.
  const bytes = new TextEncoder().encode('data: é€\r\n\r\n');
  let next = 0;
  const split = await readStream(ES, new ReadableStream({
    pull: function (c) {
      if (next < bytes.length) c.enqueue(bytes.slice(next, ++next));
      else c.close();
    },
  }, { highWaterMark: 0 }));
  // close() in the first message handler cancels the stream, which then sees readyState CLOSED.
  const cancel = await new Promise(function (resolve) {
    let es = null;
    const stream = new ReadableStream({
      start: function (c) { c.enqueue(new TextEncoder().encode('data: x\n\n')); },
      cancel: function () { resolve({ readyState: es.readyState }); },
    });
    es = ES.fromReadableStream(stream);
    es.onmessage = function () { es.close(); };
    es.onerror = function () { resolve({ error: es.readyState }); };
  });
  return { blob: blob, split: split, cancel: cancel };
}

async function runChecks(ES, info) {
  const result = Object.assign({ kind: self.workerKind }, info, { cases: {} });
  result.isPolyfill = typeof ES === 'function' && typeof ES.ready === 'object';
  result.hasXhr = typeof XMLHttpRequest === 'function';
  const c = result.cases;

  // Events, a dropped connection, and the reconnection carrying Last-Event-ID: the server
  // resumes after that id, so the ids run 1..5 once each only if the header was sent.
  c.reconnect = await observe(ES, '/t/counter?count=5&drop_after=2&retry=50&end=1', undefined,
    function (r) { return r.events.length === 5; });

  // close() inside the first handler: the rest of that batch is not dispatched, readyState is
  // CLOSED. A second source then reads its own events; the first has seen nothing more by then.
  let closed;
  const first = await new Promise(function (resolve) {
    const es = new ES('/t/counter?count=3&end=1');
    closed = { es: es, events: 0 };
    es.onmessage = function () {
      closed.events++;
      es.close();
      resolve({ events: closed.events, readyState: es.readyState });
    };
    es.onerror = function () {
      if (es.readyState === 2) resolve({ failed: true });
    };
  });
  const second = await observe(ES, '/t/counter?count=2&end=1', undefined, function (r) { return r.events.length === 2; });
  c.close = { first: first, eventsAfterSecond: closed.events, readyStateAfterSecond: closed.es.readyState, second: second.events.length };

  // A custom header (an extension) reaches the server.
  const echo = await new Promise(function (resolve) {
    const es = new ES('/t/echo', { headers: { Authorization: 'Bearer worker' } });
    es.addEventListener('headers', function (e) {
      es.close();
      resolve(JSON.parse(e.data).authorization);
    });
    es.onerror = function (e) {
      if (es.readyState === 2) resolve('failed: ' + (e.message || ''));
    };
  });
  c.header = echo;

  // The `fetch` option (an extension, as `eventsource` npm v4): every request goes through the
  // given function, the reconnection's with Last-Event-ID.
  if (result.isPolyfill) {
    const seen = [];
    const own = function (input, init) {
      seen.push(init.headers['Last-Event-ID'] || '-');
      return fetch(input, init);
    };
    const r = await observe(ES, '/t/counter?count=3&drop_after=2&retry=50&end=1', { fetch: own },
      function (rec) { return rec.events.length === 3; });
    c.fetchOption = { events: r.events.map(function (e) { return e.data; }).join(','), lastEventIds: seen.slice(0, 2).join(','), failed: r.failed };
  }

  // EventSource.fromReadableStream (whatwg/html#12272): a Blob's stream, a stream made here that
  // hands out one byte per read, and close() cancelling a stream.
  c.fromStream = await fromStreamChecks(ES);

  // The transports: XHR only where XMLHttpRequest exists (not in service workers).
  try {
    const xhr = await observe(ES, '/t/counter?count=2&end=1', { transport: 'xhr' }, function (r) { return r.events.length === 2; });
    c.xhr = xhr.events.map(function (e) { return e.data; }).join(',');
  } catch (err) {
    c.xhr = err.name;
  }
  return result;
}

/** Answers the page: `info` is merged into the result. */
self.serve = function (info) {
  const run = function () {
    return runChecks(self.EventSource, info).catch(function (err) {
      return { error: String(err && err.stack || err) };
    });
  };
  if (self.workerKind === 'service') {
    self.addEventListener('install', function () { self.skipWaiting(); });
    self.addEventListener('message', function (e) {
      const port = e.ports[0];
      e.waitUntil(run().then(function (r) { port.postMessage(r); }));
    });
  } else if (self.workerKind === 'shared') {
    self.addEventListener('connect', function (e) {
      const port = e.ports[0];
      port.onmessage = function () {
        run().then(function (r) { port.postMessage(r); });
      };
    });
  } else {
    self.onmessage = function () {
      run().then(function (r) { self.postMessage(r); });
    };
  }
};
