/** What the `fetch` option is called with: `eventsource` (npm) v4's `EventSourceFetchInit`. */
export interface EventSourceFetchInit {
  method: 'GET';
  mode: 'cors';
  credentials: 'include' | 'same-origin';
  cache: 'no-store';
  redirect: 'follow';
  /** Accept, the page's headers, Last-Event-ID (when there is one), X-Requested-With (polling). */
  headers: Record<string, string>;
  signal: AbortSignal;
}

/** A `fetch`-like function: the global `fetch` fits, and so does one that adds auth or a body. */
export type FetchLike = (
  url: string | URL,
  init: EventSourceFetchInit,
) => Promise<{
  readonly status: number;
  readonly url?: string;
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
}>;

/** The options dictionary: the standard's `withCredentials`, plus extensions the native
 *  EventSource ignores (so the same code runs on both). */
export interface EventSourceWasmInit extends EventSourceInit {
  /** `auto` (default) picks streaming fetch, else streaming XHR, else polling. */
  transport?: 'auto' | 'fetch' | 'xhr' | 'polling';
  /** Extra request headers (Authorization, ...), the same on every transport. `Accept` stays
   *  `text/event-stream`; `Last-Event-ID` starts the last event ID (first request only). */
  headers?: Record<string, string> | [string, string][] | Headers;
  /** As in `eventsource` (npm) v4: called for every request of the fetch-based transports. */
  fetch?: FetchLike;
  /** Send the last event ID in this query parameter instead of the Last-Event-ID header. */
  lastEventIdQueryParameter?: string;
  /** Reestablish the connection when nothing (not even a comment) arrives for this long (ms). */
  heartbeatTimeout?: number;
  /** A line or event larger than this (bytes, default 16 MiB) fails the connection. */
  maxEventSize?: number;
  /** After consecutive failed attempts wait `retry * factor^n` ms, at most `max`. */
  backoff?: { max: number; factor?: number };
}

/** An `error` event: why, in `message`; `code`, the HTTP status when a response was the reason
 *  (as `eventsource` v4's). Both are own properties, possibly undefined. */
export interface EventSourceErrorEvent extends Event {
  readonly message: string | undefined;
  readonly code: number | undefined;
}

export interface EventSourceEventMap {
  error: EventSourceErrorEvent;
  message: MessageEvent<string>;
  open: Event;
}

/** The standard EventSource (and whatwg/html#12272's members), implemented by a Rust engine
 *  compiled to WebAssembly. */
export declare class EventSource extends EventTarget {
  constructor(url: string | URL, eventSourceInitDict?: EventSourceWasmInit);
  /** An EventSource fed by `stream` (a `fetch()` body, say): `url` is `about:event-stream`, no
   *  request, no reconnection; the end or an error of the stream fails it (whatwg/html#12272). */
  static fromReadableStream(stream: ReadableStream<Uint8Array>): EventSource;
  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSED: 2;
  /** Resolves once the engine is loaded; nobody has to wait for it. */
  static readonly ready: Promise<void>;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSED: 2;
  readonly url: string;
  readonly withCredentials: boolean;
  readonly readyState: 0 | 1 | 2;
  /** The last event ID string (whatwg/html#12272). */
  readonly lastEventId: string;
  /** The reconnection time, in milliseconds (whatwg/html#12272). */
  readonly reconnectionTime: number;
  onopen: ((this: EventSource, ev: Event) => any) | null;
  onmessage: ((this: EventSource, ev: MessageEvent<string>) => any) | null;
  onerror: ((this: EventSource, ev: EventSourceErrorEvent) => any) | null;
  /** Drops the unfinished line and event: the next bytes start a fresh stream (#12272). */
  reset(): void;
  close(): void;
  addEventListener<K extends keyof EventSourceEventMap>(type: K, listener: (this: EventSource, ev: EventSourceEventMap[K]) => any, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: (this: EventSource, event: MessageEvent<string>) => any, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof EventSourceEventMap>(type: K, listener: (this: EventSource, ev: EventSourceEventMap[K]) => any, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: (this: EventSource, event: MessageEvent<string>) => any, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

/** Loads the engine once; resolves when instances can connect. */
export declare function ready(): Promise<void>;

/** For leak tests: `[sources, requests in flight, armed timers]` alive; all zero once every
 *  source is closed. */
export declare function liveResources(): [number, number, number];
