/** The options dictionary: the standard's `withCredentials`, plus extensions the native
 *  EventSource ignores (so the same code runs on both). */
export interface EventSourceWasmInit extends EventSourceInit {
  /** `auto` (default) picks streaming fetch, else streaming XHR, else polling. */
  transport?: 'auto' | 'fetch' | 'xhr' | 'polling';
  /** Extra request headers (Authorization, ...). */
  headers?: Record<string, string> | [string, string][] | Headers;
  /** Send the last event ID in this query parameter instead of the Last-Event-ID header. */
  lastEventIdQueryParameter?: string;
  /** Reestablish the connection when nothing (not even a comment) arrives for this long (ms). */
  heartbeatTimeout?: number;
  /** A line or event larger than this (bytes, default 16 MiB) fails the connection. */
  maxEventSize?: number;
  /** After consecutive failed attempts wait `retry * factor^n` ms, at most `max`. */
  backoff?: { max: number; factor?: number };
}

/** An `error` event; when the connection was failed (not reestablished) it says why. */
export interface EventSourceErrorEvent extends Event {
  readonly message?: string;
}

export interface EventSourceEventMap {
  error: EventSourceErrorEvent;
  message: MessageEvent<string>;
  open: Event;
}

/** The standard EventSource, implemented by a Rust engine compiled to WebAssembly. */
export declare class EventSource extends EventTarget {
  constructor(url: string | URL, eventSourceInitDict?: EventSourceWasmInit);
  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSED: 2;
  /** Resolves once the wasm engine is loaded; nobody has to wait for it. */
  static readonly ready: Promise<void>;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSED: 2;
  readonly url: string;
  readonly withCredentials: boolean;
  readonly readyState: 0 | 1 | 2;
  onopen: ((this: EventSource, ev: Event) => any) | null;
  onmessage: ((this: EventSource, ev: MessageEvent<string>) => any) | null;
  onerror: ((this: EventSource, ev: EventSourceErrorEvent) => any) | null;
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

/** For leak tests: `[sources, requests in flight, armed timers]` alive in the engine. */
export declare function liveResources(): [number, number, number];
