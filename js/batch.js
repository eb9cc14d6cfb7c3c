// Reads a batch of events handed over by the wasm engine (layout: src/batch.rs).
//
// One TextDecoder call per slice, whatever the number of events: making JS strings one field
// at a time would cost more than the parsing. `ignoreBOM` keeps a U+FEFF that starts a field
// value (the stream's own BOM was already dropped by the parser), and the default non-fatal mode
// replaces invalid UTF-8 with U+FFFD, as the standard's decoder does. Then, per event, a tag says
// which fields follow; the common event (same type and ID as the previous one) costs one indexOf
// and one slice, and no string is made for a type or an ID that did not change.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const CR = '\r';
const TAG = 65; // 'A'; + 1: a type follows; + 2: an ID follows

/** What a reader carries from event to event: the type, last event ID and data of the last. */
export function batchState() {
  return { type: 'message', lastEventId: '', data: '' };
}

/** A batch's text. */
export function decode(view) {
  return decoder.decode(view);
}

/**
 * Reads the event at `pos` of a batch's text into `state`; returns where the next one starts.
 * @param {string} text
 * @param {number} pos
 * @param {{ type: string, lastEventId: string, data: string }} state one per stream
 */
export function readEvent(text, pos, state) {
  const flags = text.charCodeAt(pos) - TAG;
  pos += 1;
  if (flags & 1) {
    const end = text.indexOf(CR, pos);
    state.type = end === pos ? 'message' : text.slice(pos, end);
    pos = end + 1;
  }
  if (flags & 2) {
    const end = text.indexOf(CR, pos);
    state.lastEventId = text.slice(pos, end);
    pos = end + 1;
  }
  const end = text.indexOf(CR, pos);
  state.data = text.slice(pos, end);
  return end + 1;
}

/**
 * Calls `deliver(type, data, lastEventId)` for each event in `view`, in order, while it returns
 * true (for tests and benchmarks that read whole batches).
 */
export function readBatch(view, state, deliver) {
  const text = decode(view);
  for (let pos = 0; pos < text.length;) {
    pos = readEvent(text, pos, state);
    if (!deliver(state.type, state.data, state.lastEventId)) return;
  }
}
