// A recording Host for the engine's Source (see src/wasm/source.rs), for tests/transports.rs.
export function makeHost(wanted) {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  const host = {
    log: [],
    count: 0,
    source: null,
    open(url) { host.log.push('open ' + url); },
    events(view) {
      const fields = decoder.decode(view).split('\r');
      // Three fields per event, then the empty string after the last CR.
      for (let i = 0; i + 3 < fields.length; i += 3) {
        // Long data is logged by its head and length.
        const data = fields[i + 1].length > 40 ? `${fields[i + 1].slice(0, 12)}…(${fields[i + 1].length})` : fields[i + 1];
        host.log.push(`event ${fields[i] || 'message'} ${data} ${fields[i + 2]}`);
        host.count += 1;
      }
      if (host.count >= wanted) host.finish();
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
