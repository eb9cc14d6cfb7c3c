// Reads a batch of events handed over by the wasm engine (layout: src/batch.rs).
//
// One TextDecoder call per chunk, whatever the number of events: making JS strings one field at
// a time would cost more than the parsing. `ignoreBOM` keeps a U+FEFF that starts a field value
// (the stream's own BOM was already dropped by the parser), and the default non-fatal mode
// replaces invalid UTF-8 with U+FFFD, as the standard's decoder does. Then, per event, a tag
// says which fields follow; the common event (same type and ID as the previous one) costs one
// indexOf and one slice, and no string is made for a type or an ID that did not change.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const CR = '\r';
const TAG = 65; // 'A'; + 1: a type follows; + 2: an ID follows

/** What a reader carries from batch to batch: the previous event's type and last event ID. */
export function batchState() {
  return { type: 'message', lastEventId: '' };
}

/**
 * Calls `deliver(type, data, lastEventId)` for each event in `view`, in order, while it returns
 * true.
 * @param {Uint8Array} view
 * @param {{ type: string, lastEventId: string }} state from batchState(), one per stream
 * @param {(type: string, data: string, lastEventId: string) => boolean} deliver
 */
export function readBatch(view, state, deliver) {
  if (view.length === 0) return;
  const text = decoder.decode(view);
  const end = text.length;
  for (let pos = 0; pos < end;) {
    const flags = text.charCodeAt(pos) - TAG;
    pos += 1;
    if (flags & 1) {
      const typeEnd = text.indexOf(CR, pos);
      state.type = typeEnd === pos ? 'message' : text.slice(pos, typeEnd);
      pos = typeEnd + 1;
    }
    if (flags & 2) {
      const idEnd = text.indexOf(CR, pos);
      state.lastEventId = text.slice(pos, idEnd);
      pos = idEnd + 1;
    }
    const dataEnd = text.indexOf(CR, pos);
    if (!deliver(state.type, text.slice(pos, dataEnd), state.lastEventId)) return;
    pos = dataEnd + 1;
  }
}
