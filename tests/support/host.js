// A recording Host for the engine's Source (see src/wasm/source.rs), for tests/transports.rs.
export function makeHost(wanted) {
  const host = {
    log: [],
    count: 0,
    source: null,
    open(url) { host.log.push('open ' + url); },
    // Called by js/batch.js's readBatch for each event (tests/transports.rs sets `events`).
    deliver(type, data, id) {
      // Long data is logged by its head and length.
      const shown = data.length > 40 ? `${data.slice(0, 12)}…(${data.length})` : data;
      host.log.push(`event ${type} ${shown} ${id}`);
      host.count += 1;
      if (host.count >= wanted) host.finish();
      return host.count < wanted;
    },
    error(state, message) {
      host.log.push(`error ${state}${message ? ' ' + message : ''}`);
      if (state === 2) host.finish();
    },
  };
  host.done = new Promise((resolve) => {
    host.finish = () => { host.source?.close(); resolve(host.log); };
  });
  return host;
}

// The body of a GET, for asking the reference server what it saw (/t/log).
export async function fetchText(url) {
  return (await fetch(url)).text();
}
