// Reads a batch of events handed over by the wasm engine (layout: src/batch.rs).
//
// One TextDecoder call and one split per chunk, whatever the number of events: making JS
// strings one field at a time would cost more than the parsing. `ignoreBOM` keeps a U+FEFF
// that starts a field value (the stream's own BOM was already dropped by the parser), and the
// default non-fatal mode replaces invalid UTF-8 with U+FFFD, as the standard's decoder does.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Calls `deliver(type, data, lastEventId)` for each event in `view`, in order, while it returns
 * true. `state.lastEventId` carries the last event ID from batch to batch.
 * @param {Uint8Array} view
 * @param {{ lastEventId: string }} state
 * @param {(type: string, data: string, lastEventId: string) => boolean} deliver
 */
export function readBatch(view, state, deliver) {
  if (view.length === 0) return;
  const fields = decoder.decode(view).split('\r');
  // Three fields per event, then the empty string after the last CR.
  const end = fields.length - 3;
  for (let i = 0; i < end; i += 3) {
    const id = fields[i + 2];
    if (id !== '') state.lastEventId = id.slice(1);
    if (!deliver(fields[i] || 'message', fields[i + 1], state.lastEventId)) return;
  }
}
