// Type-checked by tests/node/types.test.mjs (`tsc --noEmit`): every public member, as a user
// writes it; a wrong type anywhere here is a test failure.
import { EventSource, ready, liveResources, type EventSourceErrorEvent, type FetchLike } from 'eventsource-wasm';
import { EventSource as GlobalEventSource } from 'eventsource-wasm/global';

const plain = new EventSource('https://example.test/stream', { withCredentials: true });
const id: string = plain.lastEventId;
const retry: number = plain.reconnectionTime;
plain.reset();
const state: 0 | 1 | 2 = plain.readyState;
plain.onerror = (e: EventSourceErrorEvent) => {
  const why: string | undefined = e.message;
  const status: number | undefined = e.code;
  void why;
  void status;
};
plain.addEventListener('message', (e) => {
  const data: string = e.data;
  void data;
});
plain.addEventListener('tick', (e) => void e.lastEventId);

// An LLM answer: a POST with a JSON body and an Authorization header, parsed by an EventSource.
async function answer(): Promise<EventSource> {
  const response = await fetch('https://example.test/api/answer', {
    method: 'POST',
    headers: { Authorization: 'Bearer token', 'Content-Type': 'application/json' },
    body: JSON.stringify({ prompt: 'hi' }),
  });
  return EventSource.fromReadableStream(response.body!);
}

// The same with the fetch option (reconnects, with Last-Event-ID).
const withFetch: FetchLike = (url, init) => fetch(url, { ...init, method: 'POST', headers: { ...init.headers, Authorization: 'Bearer token' }, body: '{}' });
const reconnecting = new EventSource('https://example.test/api/answer', {
  fetch: withFetch,
  transport: 'fetch',
  headers: { 'X-Trace': '1' },
  lastEventIdQueryParameter: 'lastEventId',
  heartbeatTimeout: 30_000,
  maxEventSize: 1 << 20,
  backoff: { max: 60_000, factor: 2 },
});

const constants: [0, 1, 2] = [EventSource.CONNECTING, EventSource.OPEN, EventSource.CLOSED];
const live: [number, number, number] = liveResources();
const loaded: Promise<void> = ready();
const alsoLoaded: Promise<void> = EventSource.ready;
const always: typeof EventSource = globalThis.EventSourceWasm;
const fromGlobal: EventSource = GlobalEventSource.fromReadableStream(new ReadableStream<Uint8Array>());

void [id, retry, state, answer, reconnecting, constants, live, loaded, alsoLoaded, always, fromGlobal];
