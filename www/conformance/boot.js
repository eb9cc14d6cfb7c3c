// This must stay the first script: with impl=polyfill it removes the native EventSource
// before anything else can see it, then (entry=script) loads the classic-script build the
// way a page would include it.
(function () {
  var p = new URLSearchParams(location.search);
  var impl = p.get('impl') || 'polyfill';
  var boot = window.__conformanceBoot = {
    impl: impl,
    nativePresent: typeof window.EventSource === 'function',
    nativeRemoved: false,
    script: null,
  };
  if (impl !== 'polyfill') return;
  delete window.EventSource;
  boot.nativeRemoved = !('EventSource' in window);
  if ((p.get('entry') || 'script') === 'script') {
    boot.script = new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = '/dist/eventsource.js';
      s.onload = function () { resolve(); };
      s.onerror = function () { reject(new Error('failed to load /dist/eventsource.js')); };
      document.head.appendChild(s);
    });
  }
})();
