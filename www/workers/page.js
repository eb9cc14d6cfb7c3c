// Starts the worker named by ?kind=&type=, asks it to run its checks, and exposes the answer as
// `window.workerResult` (a promise) and in #out.

const params = new URLSearchParams(location.search);
const kind = params.get('kind') || 'dedicated';
const type = params.get('type') || 'classic';
// Service workers may not import() the engine when first needed: theirs loads up front.
const script = `/workers/${type}${kind === 'service' ? '-service' : ''}.js`;

/** The main thread's own view, for the record. */
const page = { nativeInPage: typeof window.EventSource === 'function' };

function fromDedicated() {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { type });
    worker.onmessage = (e) => {
      worker.terminate();
      resolve(e.data);
    };
    worker.onerror = (e) => reject(new Error(`dedicated ${type} worker: ${e.message || 'error'}`));
    worker.postMessage('run');
  });
}

function fromShared() {
  return new Promise((resolve, reject) => {
    const worker = new SharedWorker(script, { type, name: `checks-${type}` });
    worker.onerror = (e) => reject(new Error(`shared ${type} worker: ${e.message || 'failed to start'}`));
    worker.port.onmessage = (e) => resolve(e.data);
    worker.port.postMessage('run');
  });
}

async function fromService() {
  if (!('serviceWorker' in navigator)) throw new Error('no navigator.serviceWorker');
  const scope = `/workers/scope-${type}/`;
  const registration = await navigator.serviceWorker.register(script, { scope, type });
  try {
    const worker = registration.installing || registration.waiting || registration.active;
    if (worker.state !== 'activated') {
      await new Promise((resolve, reject) => {
        worker.addEventListener('statechange', () => {
          if (worker.state === 'activated') resolve();
          if (worker.state === 'redundant') reject(new Error(`service ${type} worker became redundant`));
        });
      });
    }
    const channel = new MessageChannel();
    const answer = new Promise((resolve) => {
      channel.port1.onmessage = (e) => resolve(e.data);
    });
    worker.postMessage('run', [channel.port2]);
    return await answer;
  } finally {
    await registration.unregister();
  }
}

const start = { dedicated: fromDedicated, shared: fromShared, service: fromService }[kind];
window.workerResult = (start ? start() : Promise.reject(new Error(`unknown kind ${kind}`)))
  .then((result) => ({ ...page, ...result }), (err) => ({ ...page, error: String(err && err.message || err) }));
window.workerResult.then((r) => {
  document.getElementById('out').textContent = JSON.stringify(r, null, 2);
});
