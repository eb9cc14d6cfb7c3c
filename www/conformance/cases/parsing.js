// Parsing: "Decoding and lines", "Lines and fields" and "Dispatch" of the checklist. Most
// cases serve a body through /t/script followed by a sentinel event and compare what was
// dispatched before it; the end-of-stream cases wait for the `error` of the body's end, and
// the `retry` cases watch for the reconnection.

import { bytes, after } from '../lib.js';

const section = 'parsing';
const CR = 13;
const NO_POLLING = (ctx) => (ctx.transport === 'polling'
  ? 'in polling mode the end of a body is the end of a batch (no error, no reconnection delay)'
  : null);

// Expected events: a string is a `message` with that data; an array is [type, data, lastEventId?].
function normalize(expected) {
  return expected.map((e) => (typeof e === 'string' ? ['message', e] : e));
}

function project(events, expected) {
  return events.map((e, i) => {
    const want = expected[i];
    const got = [e.type, e.data];
    if (want && want.length > 2) got.push(e.lastEventId);
    return got;
  });
}

/** A case comparing what `ctx.parse(body, opts)` dispatched with `expected`. */
function P(id, title, body, expected, opts = {}) {
  return {
    id: `parse-${id}`,
    section,
    title,
    run: async (ctx) => {
      const want = normalize(expected);
      const types = [...new Set(want.map((e) => e[0]).filter((t) => t !== 'message')), ...(opts.types || [])];
      const raw = typeof body === 'string' ? bytes(body) : body;
      const split = typeof opts.split === 'function' ? opts.split(raw) : opts.split;
      const got = await ctx.parse(raw, { ...opts, split, types });
      ctx.eq(project(got, want), want, 'events');
    },
  };
}

/** Offsets 1..len-1: every byte its own write. */
const everywhere = (raw) => Array.from({ length: raw.length - 1 }, (_, i) => i + 1);

/** A body whose stream ends; waits for the error of the end, returns the messages before it. */
async function untilEnd(ctx, body, types = []) {
  const es = ctx.open(ctx.script(body));
  const rec = ctx.record(es, types);
  await rec.untilCount('error', 1);
  es.close();
  const err = rec.of('error')[0];
  ctx.assert(err.readyState === 0, `the end of the body must reestablish (error with readyState CONNECTING), got readyState ${err.readyState}`);
  return rec.entries.slice(0, rec.entries.indexOf(err)).filter((e) => e.type !== 'open');
}

/** A body that ends (and sets `retry`): resolves at the second `open`. */
async function reconnects(ctx, body) {
  const es = ctx.open(ctx.script(body));
  const rec = ctx.record(es);
  await rec.untilCount('open', 2);
  return rec;
}

const many = Array.from({ length: 500 }, (_, i) => `id: ${i}\ndata: ${i}\n\n`).join('');

export default [
  P('basic', 'one data line and a blank line dispatch a message', 'data: hello\n\n', [['message', 'hello', '']]),
  P('bom-dropped', 'a leading U+FEFF (BOM) is dropped', '\uFEFFdata: a\n\n', ['a']),
  P('bom-once', 'only one leading BOM is dropped; a second one is part of the field name', '\uFEFF\uFEFFdata: a\n\ndata: b\n\n', ['b']),
  P('bom-midstream', 'a BOM after the start of the stream is not dropped', 'data: a\n\n\uFEFFdata: b\n\ndata: c\n\n', ['a', 'c']),
  P('bom-split', 'a BOM split across chunks is still dropped', '\uFEFFdata: a\n\n', ['a'], { split: [1, 2] }),
  P('bom-in-value', 'a U+FEFF inside a value is kept', 'data: \uFEFFx\n\n', ['\uFEFFx']),
  P('lf', 'LF ends a line', 'data: a\ndata: b\n\n', ['a\nb']),
  P('cr', 'a lone CR ends a line', 'data: a\rdata: b\r\r', ['a\nb']),
  P('crlf', 'CRLF is one line end', 'data: a\r\ndata: b\r\n\r\n', ['a\nb']),
  P('mixed-line-ends', 'CR, LF and CRLF mixed; \\r\\r\\n\\n is three line ends', 'data: a\r\r\ndata: b\n\ndata: c\r\n\ndata: d\n\r\ndata: e\r\r\n\n', ['a', 'b', 'c', 'd', 'e']),
  P('crlf-split', 'a CR ending one chunk and an LF starting the next are one line end', 'data: a\r\ndata: b\r\n\r\n', ['a\nb'], { split: (raw) => [after(raw, CR)] }),
  P('cr-split', 'a CR ending a chunk ends the line when the next chunk starts with other text', 'data: a\rdata: b\r\r', ['a\nb'], { split: (raw) => [after(raw, CR)] }),
  P('crlf-split-blank', 'CR | LF split inside the blank line that ends an event', 'data: a\r\n\r\ndata: b\r\n\r\n', ['a', 'b'], { split: (raw) => [after(raw, CR, 1)] }),
  P('split-everywhere', 'every byte in its own chunk: same events', 'id: 7\r\nevent: x\rdata: a\r\ndata: b\r\rdata: c\n\r\n', [['x', 'a\nb', '7'], ['message', 'c', '7']], { split: everywhere, delay: 5 }),
  P('utf8-split', 'multi-byte UTF-8 characters split across chunks', 'data: é€😀\n\n', ['é€😀'], { split: [7, 9, 10, 12, 13, 14] }),
  P('invalid-utf8', 'invalid UTF-8 bytes become U+FFFD', bytes('data: a', [0xff], 'b', [0xc3], '(\n\n'), ['a\uFFFDb\uFFFD(']),
  P('invalid-utf8-truncated', 'a truncated sequence before the line end is one U+FFFD', bytes('data: ', [0xe2, 0x82], '\n\n'), ['\uFFFD']),
  P('invalid-utf8-surrogate-overlong', 'encoded surrogates and overlong forms: one U+FFFD per byte', bytes('data: ', [0xed, 0xa0, 0x80], '\n\ndata: ', [0xc0, 0xaf], '\n\n'), ['\uFFFD\uFFFD\uFFFD', '\uFFFD\uFFFD']),
  P('invalid-utf8-split', 'an incomplete sequence at a chunk end, completed wrongly by the next', bytes('data: ', [0xe2, 0x82], 'A\n\n'), ['\uFFFDA'], { split: [8] }),
  P('charset-ignored-latin1', 'charset=iso-8859-1 in the Content-Type is ignored (always UTF-8)', 'data: é\n\n', ['é'], { ctype: 'text/event-stream; charset=iso-8859-1' }),
  P('charset-ignored-utf16', 'charset=utf-16 in the Content-Type is ignored (always UTF-8)', 'data: ok€\n\n', ['ok€'], { ctype: 'text/event-stream;charset=utf-16' }),
  P('comment', 'lines starting with a colon are comments', ': comment\ndata: a\n:another\n\n', ['a']),
  P('comment-block', 'a block of only comments dispatches nothing', ': x\n\n:\n\ndata: b\n\n', ['b']),
  P('comment-nul', 'a comment may hold NUL and any text', bytes(':', [0], ' \uFFFF junk: data: x\ndata: a\n\n'), ['a']),
  P('case-sensitive', 'field names are case-sensitive', 'Data: x\nDATA: y\nEvent: foo\nID: 9\nRetry: 1\ndata: z\n\n', [['message', 'z', '']]),
  P('unknown-field', 'unknown field names are ignored', 'foo: bar\ndata: a\nfoo\n\n', ['a']),
  P('one-space', 'exactly one leading space is removed from a value (not a tab)', 'data:  two\n\ndata:\tx\n\n', [' two', '\tx']),
  P('no-space', 'a value without the leading space', 'data:x\n\n', ['x']),
  P('field-no-colon', 'a line without a colon is a field with an empty value', 'data\n\ndata\ndata\n\n', ['', '\n']),
  P('data-empty', 'an empty data value dispatches an empty message', 'data:\n\n', ['']),
  P('data-trailing-lf', 'only one trailing LF is removed from the data', 'data: a\ndata\n\ndata:\ndata: b\n\n', ['a\n', '\nb']),
  P('colon-in-value', 'only the first colon separates name and value', 'data: a: b:c\n\n', ['a: b:c']),
  P('space-before-colon', 'a space before the colon is part of the field name', 'data : x\n\ndata: y\n\n', ['y']),
  P('empty-data-no-dispatch', 'a block without data dispatches nothing and clears the event type', 'event: foo\n\ndata: y\n\n', ['y'], { types: ['foo'] }),
  P('event-type', 'the event field sets the event type', 'event: foo\ndata: x\n\n', [['foo', 'x']]),
  P('event-type-reset', 'the event type is reset after each dispatch', 'event: foo\ndata: 1\n\ndata: 2\n\n', [['foo', '1'], ['message', '2']]),
  P('event-empty', 'an empty event type means message', 'event\ndata: 1\n\nevent:\ndata: 2\n\n', ['1', '2']),
  P('event-last-wins', 'the last event field of a block wins', 'event: a\nevent: b\ndata: x\n\n', [['b', 'x']], { types: ['a'] }),
  P('event-unicode', 'event types may hold spaces and non-ASCII text', 'event: é vent\ndata: x\n\n', [['é vent', 'x']]),
  P('event-message', 'event: message is a plain message', 'event: message\ndata: x\n\n', ['x']),
  P('id', 'the id field sets lastEventId', 'id: 1\ndata: a\n\n', [['message', 'a', '1']]),
  P('id-persists', 'the last event ID persists across events without id', 'id: 1\ndata: a\n\ndata: b\n\n', [['message', 'a', '1'], ['message', 'b', '1']]),
  P('id-reset', 'an empty id resets the last event ID', 'id: 1\ndata: a\n\nid\ndata: b\n\nid: 2\ndata: c\n\nid:\ndata: d\n\n', [['message', 'a', '1'], ['message', 'b', ''], ['message', 'c', '2'], ['message', 'd', '']]),
  P('id-nul-ignored', 'an id containing U+0000 is ignored', bytes('id: 1\ndata: a\n\nid: 2', [0], 'x\ndata: b\n\n'), [['message', 'a', '1'], ['message', 'b', '1']]),
  P('id-without-data', 'an id in a block without data still sets the last event ID', 'id: 5\n\ndata: b\n\n', [['message', 'b', '5']]),
  P('id-value', 'id values keep extra spaces and non-ASCII text', 'id:  x y\ndata: a\n\nid: é€\ndata: b\n\n', [['message', 'a', ' x y'], ['message', 'b', 'é€']]),
  P('id-after-data', 'an id after the data lines of a block applies to that event', 'data: a\nid: 3\n\n', [['message', 'a', '3']]),
  P('nul-in-data', 'U+0000 in data is kept', bytes('data: a', [0], 'b\n\n'), ['a\u0000b']),
  P('retry-no-event', 'a retry field alone dispatches nothing', 'retry: 1000\n\n\r\r\n\n', []),
  P('many-events', '500 events in one chunk arrive in order', many, Array.from({ length: 500 }, (_, i) => ['message', String(i), String(i)])),
  {
    id: 'parse-large-event',
    section,
    title: 'a 200 kB data line arrives intact',
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/giant', { size: 200000, newline: 1 }));
      const [m] = await ctx.expectEvents(es, 1);
      ctx.eq(m.data.length, 200000 - 'data: '.length, 'data length');
      ctx.assert(/^x+$/.test(m.data), 'data is not all x');
    },
  },
  {
    id: 'parse-unfinished-event-dropped',
    section,
    title: 'an event not ended by a blank line is dropped at the end of the stream',
    skip: NO_POLLING,
    run: async (ctx) => {
      const got = await untilEnd(ctx, 'data: a\n\ndata: b\n');
      ctx.eq(got.map((e) => e.data), ['a'], 'messages before the error');
    },
  },
  {
    id: 'parse-unfinished-line-dropped',
    section,
    title: 'an unfinished line is dropped at the end of the stream',
    skip: NO_POLLING,
    run: async (ctx) => {
      const got = await untilEnd(ctx, 'data: a\n\ndata: b');
      ctx.eq(got.map((e) => e.data), ['a'], 'messages before the error');
    },
  },
  {
    id: 'parse-buffers-reset-on-reconnect',
    section,
    title: 'the data and type buffers of an unfinished event do not survive into the next response',
    run: async (ctx) => {
      const es = ctx.open(ctx.script('retry: 50\ndata: x\n\nevent: foo\ndata: partial\n'));
      const rec = ctx.record(es, ['foo']);
      await rec.untilCount('message', 2);
      es.close();
      ctx.eq(rec.messages().slice(0, 2).map((e) => [e.type, e.data]), [['message', 'x'], ['message', 'x']], 'messages');
    },
  },
  {
    id: 'parse-retry-bogus',
    section,
    title: 'retry values that are not all ASCII digits are ignored',
    skip: NO_POLLING,
    run: async (ctx) => {
      // If any of the bogus values were taken, the reconnection would wait 60 s and the
      // case would run into its time bound.
      await reconnects(ctx, 'retry: 50\nretry: 60000x\nretry: x60000\nretry:  60000\nretry: 6e4\nretry: -60000\nretry: 60000.5\nretry: ６００００\ndata: x\n\n');
    },
  },
  {
    id: 'parse-retry-leading-zeros',
    section,
    title: 'retry accepts leading zeros and the last valid value wins',
    skip: NO_POLLING,
    run: async (ctx) => {
      await reconnects(ctx, 'retry: 60000\nretry: 00050\ndata: x\n\n');
    },
  },
];
