// Conformance-style checks of the polyfill, run by the pages of this folder: parsing across
// chunk splits, reconnection with Last-Event-ID, invalid UTF-8, a failing status, close().
// `run()` exposes its answer as `window.cspResult` (a promise) and in #out. Every wait ends on an
// event of the source; the caller bounds the whole run.

const enc = new TextEncoder();

/** `/t/script` serving exactly `bytes`, one chunk per segment between `splits`. */
function scripted(bytes, splits = []) {
  const body = Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  const split = splits.length ? `&split=${splits.join(',')}` : '';
  return `/t/script?body=${body}${split}`;
}

function concat(...parts) {
  const arrays = parts.map((p) => (typeof p === 'string' ? enc.encode(p) : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

// Opens `url`, records events of `types` and errors, until `count` events (then closes it) or
// until the source fails.
function collect(ES, url, { count, types = ['message'], options } = {}) {
  return new Promise((resolve) => {
    const record = { events: [], errors: [], failed: null };
    const es = new ES(url, options);
    const onEvent = (e) => {
      record.events.push({ type: e.type, data: e.data, lastEventId: e.lastEventId });
      if (record.events.length === count) {
        es.close();
        record.readyState = es.readyState;
        resolve(record);
      }
    };
    for (const type of types) es.addEventListener(type, onEvent);
    es.onerror = (e) => {
      record.errors.push(es.readyState);
      if (es.readyState === 2) {
        record.failed = e.message || 'error';
        record.readyState = es.readyState;
        resolve(record);
      }
    };
  });
}

async function checks(ES) {
  const c = {};

  // Ids, types, multi-line data, comments, CRLF and CR line ends, a BOM and a two-byte
  // character: once as one chunk, once one byte per chunk.
  const stream = concat(
    [0xef, 0xbb, 0xbf],
    'id: 1\nevent: a\ndata: x\u00e9\ndata: y\n\n',
    ': comment\r\nid: 2\r\ndata: z\r\n\r\n',
    'data:  two spaces\rdata\r\r',
  );
  const expected = [
    { type: 'a', data: 'x\u00e9\ny', lastEventId: '1' },
    { type: 'message', data: 'z', lastEventId: '2' },
    { type: 'message', data: ' two spaces\n', lastEventId: '2' },
  ];
  const everyByte = Array.from({ length: stream.length - 1 }, (_, i) => i + 1);
  for (const [name, splits] of [['oneChunk', []], ['everyByte', everyByte]]) {
    const r = await collect(ES, scripted(stream, splits), { count: 3, types: ['message', 'a'] });
    c[`parse.${name}`] = { ok: JSON.stringify(r.events) === JSON.stringify(expected), got: r };
  }

  // A dropped connection and the reconnection carrying Last-Event-ID: the server resumes after
  // that id, so the ids run 1..5 once each only if the header was sent.
  {
    const r = await collect(ES, '/t/counter?count=5&drop_after=2&retry=50&end=1', { count: 5 });
    const ids = r.events.map((e) => `${e.data}#${e.lastEventId}`).join(',');
    c.reconnect = { ok: ids === '1#1,2#2,3#3,4#4,5#5' && r.errors.join() === '0,0' && r.readyState === 2, got: r };
  }

  // Invalid UTF-8 becomes U+FFFD, also when the bad sequence is split across chunks.
  {
    const bytes = concat('data: a', [0xff], 'b', [0xe2, 0x82], 'c', [0xe2, 0x82, 0xac], '\n\n');
    const r = await collect(ES, scripted(bytes, [8, 10, 11, 13]), { count: 1 });
    const data = r.events[0]?.data;
    c.utf8 = { ok: data === 'a\ufffdb\ufffdc\u20ac', got: data === undefined ? r : Array.from(data, (ch) => ch.codePointAt(0).toString(16)) };
  }

  // A failing status: one error event, readyState CLOSED, no reconnection.
  {
    const r = await collect(ES, '/t/status/500', { count: 1 });
    c.status = { ok: r.events.length === 0 && r.errors.join() === '2' && r.readyState === 2, got: r };
  }

  // close() inside a handler: the rest of that batch is not dispatched; a second source's events
  // then arrive while the first sees nothing more.
  {
    let seen = 0;
    let first;
    await new Promise((resolve) => {
      first = new ES('/t/counter?count=3&end=1');
      first.onmessage = () => {
        seen++;
        first.close();
        resolve();
      };
      first.onerror = () => {
        if (first.readyState === 2) resolve();
      };
    });
    const second = await collect(ES, '/t/counter?count=2&end=1', { count: 2 });
    c.close = { ok: seen === 1 && first.readyState === 2 && second.events.length === 2, got: { seen, readyState: first.readyState } };
  }
  return c;
}

/** Where the engine came from: the /dist files this page fetched. */
function distFiles() {
  return performance.getEntriesByType('resource')
    .map((e) => new URL(e.name).pathname)
    .filter((p) => p.startsWith('/dist/'))
    .sort();
}

export function run(entry, ES, globalInstalled) {
  window.cspResult = (async () => {
    const result = {
      entry,
      nativePresent: window.cspBoot?.nativePresent,
      globalInstalled,
      isPolyfill: typeof ES === 'function' && typeof ES.ready === 'object',
    };
    try {
      await ES.ready;
      result.cases = await checks(ES);
    } catch (err) {
      result.error = String(err && err.stack || err);
    }
    result.distFiles = distFiles();
    result.violations = window.cspBoot?.violations ?? [];
    return result;
  })();
  window.cspResult.then((r) => {
    document.getElementById('out').textContent = JSON.stringify(r, null, 2);
  });
}
