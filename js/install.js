// Installing the class as a global: where the runtime has no EventSource, ours; where it has
// one without the standard's newest member (today every browser: whatwg/html#12272), only that
// member, on the native class.

/**
 * @param {typeof EventTarget} EventSource this package's class
 * @param {boolean} alias also expose it as `EventSourceWasm` (the classic script)
 */
export function installGlobals(EventSource, alias) {
  const g = globalThis;
  const define = (target, name, value) => Object.defineProperty(target, name, {
    value, writable: true, configurable: true, enumerable: target !== g,
  });
  if (alias) define(g, 'EventSourceWasm', EventSource);
  const Native = g.EventSource;
  if (typeof Native !== 'function') {
    define(g, 'EventSource', EventSource);
  } else if (Native !== EventSource && typeof Native.fromReadableStream !== 'function') {
    // Its instances are ours, and `instanceof EventSource` holds: our prototype now inherits
    // from the native one (every member of which ours shadows).
    Object.setPrototypeOf(EventSource.prototype, Native.prototype);
    define(Native, 'fromReadableStream', {
      fromReadableStream(stream) {
        return EventSource.fromReadableStream(stream);
      },
    }.fromReadableStream);
  }
}
