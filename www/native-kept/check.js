// A page that keeps its native EventSource and loads the package (the classic script or the
// `global` ES module entry), which adds only the static EventSource.fromReadableStream
// (whatwg/html#12272) to the native class. `checkNativeKept(entry, Package)` checks that and the
// sources it makes; `window.result` resolves with what it found (tests/e2e/native-kept.test.mjs).
// Every wait ends on an event; the test bounds the whole page.

(function () {
  var start;
  var pageErrors = [];
  addEventListener('error', function (e) { pageErrors.push('error: ' + e.message); });
  addEventListener('unhandledrejection', function (e) { pageErrors.push('unhandledrejection: ' + (e.reason && e.reason.message || e.reason)); });
  window.result = new Promise(function (resolve) { start = resolve; });

  /** Records a source's events until an error leaves it CLOSED: "type:data:lastEventId:origin:readyState". */
  function record(es) {
    return new Promise(function (resolve) {
      var seen = [];
      es.onopen = function () { seen.push('open:' + es.readyState); };
      es.onmessage = function (e) { seen.push(['message', e.data, e.lastEventId, e.origin, es.readyState].join(':')); };
      es.onerror = function () {
        seen.push('error:' + es.readyState);
        if (es.readyState === 2) resolve(seen);
      };
    });
  }

  async function run(entry, Package) {
    var Native = window.nativeBefore;
    var r = { entry: entry };
    r.nativeKept = typeof Native === 'function' && window.EventSource === Native;
    r.packageIsNotNative = typeof Package === 'function' && Package !== Native;
    r.alias = typeof window.EventSourceWasm === 'function';
    var d = Object.getOwnPropertyDescriptor(Native, 'fromReadableStream');
    r.static = d && {
      type: typeof d.value, length: d.value.length, name: d.value.name,
      enumerable: d.enumerable, writable: d.writable, configurable: d.configurable,
    };

    var es = Native.fromReadableStream(new Blob(['id: 7\ndata: one\n\n', 'data: two\n\n']).stream());
    r.instanceofNative = es instanceof Native;
    r.url = es.url;
    r.readyStateAtOnce = es.readyState;
    r.events = await record(es);
    r.lastEventId = es.lastEventId;

    // The native class still makes native sources, which still work.
    var native = new Native('/t/script?body=data%3A%20native%0A%0A&hold=1');
    r.nativeSource = await new Promise(function (resolve) {
      native.onmessage = function (e) {
        native.close();
        resolve({ data: e.data, origin: e.origin === location.origin, protoIsNative: Object.getPrototypeOf(native) === Native.prototype });
      };
      native.onerror = function () { if (native.readyState === 2) resolve({ failed: true }); };
    });
    r.pageErrors = pageErrors;
    return r;
  }

  window.checkNativeKept = function (entry, Package) {
    start(run(entry, Package).catch(function (err) { return { error: String(err && err.stack || err) }; }));
  };
  window.result.then(function (r) {
    var out = document.getElementById('out');
    if (out) out.textContent = JSON.stringify(r, null, 2);
  });
})();
