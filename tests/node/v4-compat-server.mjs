// The fixture server of the `eventsource` v4 compatibility check (eventsource-v4-compat.test.mjs):
// the routes whose behaviour that package's own suite relies on, written for this project.
// Two listeners on 127.0.0.1 (port 0 each) share the routes: `origin` and `otherOrigin`, so
// that cross-origin requests and redirects need no second host name.
//
// Nothing here waits on a clock: a route that must hold its answer back (/slow-connect) waits
// for the test to release it, and every loop is bounded.

import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

/** The two lines of the unicode route (the second is sent with its ♥ split between writes). */
export const UNICODE_LINES = Object.freeze([
  '🦄 are cool. 🐾 in the snow. Allyson Felix, 🏃🏽‍♀️ 🥇 2012 London!',
  'Espen ♥ Kokos',
]);

const STREAM_HEADERS = Object.freeze({
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache',
});

/** One event in the stream format; `fields` is an ordered list of [name, value]. */
function frame(fields) {
  let text = '';
  for (const [name, value] of fields) {
    if (value === undefined) continue;
    for (const line of String(value).split('\n')) text += `${name}: ${line}\n`;
  }
  return `${text}\n`;
}

function lastEventIdOf(req) {
  const value = req.headers['last-event-id'];
  return typeof value === 'string' ? value : undefined;
}

/** Resolves on the next turn of the event loop after the `check` phase (not a timer). */
function nextLoopTurn() {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Starts the server. Returns:
 * - `origin`, `otherOrigin`: `http://127.0.0.1:<port>` of the two listeners;
 * - `closedPort`: a port that was just bound and released (connecting to it is refused);
 * - `identified(clientId)`: what /identified knows of a client id (`connects`, and `ended`: one
 *   promise per stream, resolved when that response has finished or its client went away);
 * - `slowConnect()`: a promise of the next /slow-connect request, resolving to `release()`;
 * - `stop()`.
 */
export async function startCompatServer() {
  /** client id -> { connects, ended: Promise[] } (the /identified route) */
  const identified = new Map();
  /** id -> how many times /redirect has seen it */
  const redirects = new Map();
  /** Waiters for the next /slow-connect request. */
  const slowWaiters = [];

  const listeners = [];
  let origin = '';
  let otherOrigin = '';

  const identifiedState = (clientId) => {
    let state = identified.get(clientId);
    if (!state) {
      state = { connects: 0, ended: [] };
      identified.set(clientId, state);
    }
    return state;
  };

  const routes = {
    // A named event on connect, then the stream stays open.
    '/': (req, res) => {
      res.writeHead(200, STREAM_HEADERS);
      res.write(frame([['event', 'welcome'], ['data', 'Hello, world!']]));
      res.write(':\n');
    },

    // retry: 50, then three events numbered on from Last-Event-ID, then the response ends.
    // `?event=` absent: type `counter`; empty: no `event` field (a `message`); else that type.
    '/counter': (req, res, url) => {
      const type = url.searchParams.get('event');
      res.writeHead(200, STREAM_HEADERS);
      res.write(frame([['retry', 50]]));
      let counter = Number.parseInt(lastEventIdOf(req) ?? '0', 10) || 0;
      for (let i = 0; i < 3; i++) {
        counter++;
        res.write(frame([
          ['event', type === '' ? undefined : type ?? 'counter'],
          ['data', `Counter is at ${counter}`],
          ['id', counter],
        ]));
      }
      res.end();
    },

    // With Accept: text/event-stream: counts a connect for `client-id`, sends retry: 250 and
    // the count; ends at once with `auto-close`, else stays open. Otherwise: the count, in JSON.
    '/identified': (req, res, url) => {
      const clientId = url.searchParams.get('client-id');
      if (!clientId) {
        res.writeHead(400, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: 'client-id is required' }));
        return;
      }
      const state = identifiedState(clientId);
      if (!String(req.headers.accept ?? '').includes('text/event-stream')) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
        res.end(JSON.stringify({ clientIdConnects: state.connects }));
        return;
      }
      state.connects++;
      state.ended.push(new Promise((resolve) => res.once('close', resolve)));
      res.writeHead(200, STREAM_HEADERS);
      res.write(frame([['retry', 250]]));
      res.write(frame([['data', state.connects]]));
      if (url.searchParams.get('auto-close')) res.end();
    },

    // First request: one `progress` event with an id, then the end. A request that carries a
    // Last-Event-ID (the reconnection): 204 No Content.
    '/end-after-one': (req, res) => {
      if (lastEventIdOf(req)) {
        res.writeHead(204, STREAM_HEADERS);
        res.end();
        return;
      }
      res.writeHead(200, STREAM_HEADERS);
      res.write(frame([['retry', 50]]));
      res.write(frame([['event', 'progress'], ['data', '100%'], ['id', 'prct-100']]));
      res.end();
    },

    // Answers only once the test has released it (see slowConnect()), then one event and the end.
    '/slow-connect': async (req, res) => {
      await new Promise((release) => {
        const waiter = slowWaiters.shift();
        if (waiter) waiter(release);
        else release();
      });
      res.writeHead(200, STREAM_HEADERS);
      res.end(frame([['event', 'welcome'], ['data', 'That was a slow connect, was it not?']]));
    },

    // Echoes the request (method, headers, a hash of its body) as one `debug` event.
    '/debug': async (req, res) => {
      const hash = createHash('sha256');
      for await (const chunk of req) hash.update(chunk);
      res.writeHead(200, STREAM_HEADERS);
      res.end(frame([['event', 'debug'], ['data', JSON.stringify({
        method: req.method,
        headers: req.headers,
        bodyHash: hash.digest('hex'),
      })]]));
    },

    // One `origin` event: the request's Origin header, or `<none>`.
    '/cors': (req, res) => {
      const headers = { ...STREAM_HEADERS };
      if (req.headers.origin) headers['Access-Control-Allow-Origin'] = req.headers.origin;
      res.writeHead(200, headers);
      res.end(frame([['event', 'origin'], ['data', req.headers.origin ?? '<none>']]));
    },

    // Two `unicode` events; the second has its 3-byte ♥ split between two writes, the second
    // write made only after the first has left and the event loop has turned twice (so the
    // client, in this same process, has had the chance to read the first half on its own).
    '/unicode': async (req, res) => {
      res.writeHead(200, STREAM_HEADERS);
      res.write(frame([['event', 'welcome'], ['data', 'Connected: unicode follows']]));
      res.write(frame([['event', 'unicode'], ['data', UNICODE_LINES[0]]]));
      const [before, after] = splitInsideHeart(UNICODE_LINES[1]);
      await new Promise((resolve) => res.write(Buffer.concat([Buffer.from('event: unicode\ndata: '), before]), resolve));
      await nextLoopTurn();
      await nextLoopTurn();
      res.write(after);
      res.write('\n\n');
      res.end(frame([['event', 'disconnect'], ['data', 'Thanks for listening']]));
    },

    // Redirects with `?status=` (default 301) to /redirect-target, on this origin (a relative
    // Location) or, with `cors=true`, on the other origin (an absolute one). Counts per `id`.
    '/redirect': (req, res, url) => {
      const id = url.searchParams.get('id');
      if (!id) {
        res.writeHead(400, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: 'id is required' }));
        return;
      }
      redirects.set(id, (redirects.get(id) ?? 0) + 1);
      const status = Number.parseInt(url.searchParams.get('status') ?? '301', 10);
      const target = `/redirect-target?from=${encodeURIComponent(url.href)}&id=${encodeURIComponent(id)}`;
      const here = url.origin;
      const location = url.searchParams.get('cors') === 'true'
        ? `${here === origin ? otherOrigin : origin}${target}`
        : target;
      res.writeHead(status, { Location: location, 'Cache-Control': 'no-cache' });
      res.end();
    },

    // One event describing the request that arrived (the origin it arrived on, where it was
    // redirected from, the redirect count of its id, its Authorization, Accept and
    // Last-Event-ID), with an id of its own and retry: 25; then the response ends.
    '/redirect-target': (req, res, url) => {
      const id = url.searchParams.get('id') ?? '';
      const count = redirects.get(id) ?? 0;
      const headers = { ...STREAM_HEADERS };
      if (req.headers.origin) {
        headers['Access-Control-Allow-Origin'] = req.headers.origin;
        headers['Access-Control-Allow-Credentials'] = 'true';
      }
      res.writeHead(200, headers);
      res.end(frame([
        ['retry', 25],
        ['id', `target-${count}`],
        ['data', JSON.stringify({
          origin: url.origin,
          from: url.searchParams.get('from'),
          redirects: count,
          auth: req.headers.authorization ?? null,
          accept: req.headers.accept ?? null,
          lastEventId: lastEventIdOf(req) ?? null,
        })],
      ]));
    },

    // One `authInfo` event with the cookies the request carried (CORS with credentials allowed).
    '/authed': (req, res) => {
      const headers = {
        'Access-Control-Allow-Origin': req.headers.origin ?? '*',
        'Access-Control-Allow-Credentials': 'true',
        'Cache-Control': 'no-cache',
      };
      if (req.method === 'OPTIONS') {
        res.writeHead(204, headers);
        res.end();
        return;
      }
      res.writeHead(200, { ...headers, 'Content-Type': 'text/event-stream' });
      res.end(frame([['event', 'authInfo'], ['data', JSON.stringify({ cookies: req.headers.cookie ?? '' })]]));
    },
  };

  const onRequest = (req, res) => {
    res.socket?.setNoDelay(true);
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const route = routes[url.pathname];
    if (!route) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Not found');
      return;
    }
    Promise.resolve(route(req, res, url)).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(err));
    });
  };

  const listen = () => new Promise((resolve, reject) => {
    const server = createServer(onRequest);
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      listeners.push(server);
      resolve(`http://127.0.0.1:${server.address().port}`);
    });
  });
  origin = await listen();
  otherOrigin = await listen();

  // A port nothing listens on: bound, then released.
  const closedPort = await new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });

  return {
    origin,
    otherOrigin,
    closedPort,
    identified: (clientId) => identifiedState(clientId),
    slowConnect: () => new Promise((resolve) => slowWaiters.push(resolve)),
    async stop() {
      // Release a /slow-connect still held, then drop every connection (streams left open).
      for (const waiter of slowWaiters.splice(0)) waiter(() => {});
      await Promise.all(listeners.map((server) => new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })));
    },
  };
}

/** The UTF-8 bytes of `text`, cut inside its ♥ (after its first two bytes). */
function splitInsideHeart(text) {
  const bytes = Buffer.from(text);
  const heart = bytes.indexOf(Buffer.from('♥'));
  if (heart < 0) throw new Error('the unicode line has no ♥');
  return [bytes.subarray(0, heart + 2), bytes.subarray(heart + 2)];
}
