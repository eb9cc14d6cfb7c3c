// Cases modelled on web-platform-tests `eventsource/` subtests that the other files did not
// cover as such: their exact streams (each a mix of rules the parsing cases test one by one),
// the statuses and MIME types they use, the Cache-Control of repeated and cross-origin requests.
// tests/conformance/WPT-MAP.md maps every subtest to a case.

import { expectFail } from './response.js';

const comment = 'x'.repeat(2048);

/** A body (ending between events) parsed to these message data. */
const stream = (id, title, body, data) => ({
  id: `parse-wpt-${id}`,
  section: 'parsing',
  title,
  run: async (ctx) => {
    const got = await ctx.parse(body);
    ctx.eq(got.map((e) => e.data), data, 'message data');
  },
});

const statusCase = (code) => ({
  id: `resp-status-${code}`,
  section: 'response',
  title: `status ${code} fails the connection`,
  run: (ctx) => expectFail(ctx, ctx.url(`/t/status/${code}`)),
});

// The body ends: a Content-Type that does not parse leaves browsers sniffing, and sniffing
// waits for more bytes or the end of the body.
const mimeCase = (id, ctype) => ({
  id: `resp-mime-${id}`,
  section: 'response',
  title: `Content-Type "${ctype}" fails the connection`,
  run: (ctx) => expectFail(ctx, ctx.script('data: x\n\n', { ctype })),
});

/** The request's Cache-Control, twice in a row (the second must not be served from a cache). */
async function cacheControlTwice(ctx, origin) {
  const seen = [];
  for (let i = 0; i < 2; i++) {
    const es = ctx.open(ctx.url('/t/echo', { hold: 1 }, { origin }));
    const rec = ctx.record(es, ['headers']);
    await rec.untilCount('headers', 1);
    es.close();
    seen.push(JSON.parse(rec.of('headers')[0].data).cacheControl);
  }
  return seen;
}

export default [
  stream('lines-and-data', 'lines and data: one message of two lines, an empty message, comments and false fields between', 'data:msg\ndata: msg\n\n:\nfalsefield:msg\n\nfalsefield:msg\nData:data\n\ndata\n\ndata:end\n\n', ['msg\nmsg', '', 'end']),
  stream('comment-fest', 'comments of every kind (CR, LF, CRLF ends, NUL, 2 KiB long) between data lines', `data:1\r:\0\n:\r\ndata:2\n:${comment}\rdata:3\n:data:fail\r:${comment}\ndata:4\n\n`, ['1\n2\n3\n4']),
  stream('field-parsing', 'field parsing: NUL in values and names, case, punctuation, a leading space before the name', 'data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n', ['\0\n 2\n1\n3\n\n4']),
  stream('leading-space', 'a tab after the colon is kept; a single space is dropped; CR ends a line', 'data:\ttest\rdata: \ndata:test\n\n', ['\ttest\n\ntest']),
  stream('unknown-fields', 'unknown fields, a line starting with a space, bare text and comments are ignored', 'data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n', ['test\n\ntest']),
  stream('newline-fest', 'CRLF, LF and a CRLF blank line: one message', 'data:test\r\ndata\ndata:test\r\n\r\n', ['test\n\ntest']),
  stream('retry-empty', 'a retry field without value is ignored', 'retry\ndata:test\n\n', ['test']),
  statusCase(210),
  statusCase(299),
  statusCase(410),
  mimeCase('bogus', 'x bogus'),
  mimeCase('x-bogus', 'text/x-bogus'),
  {
    id: 'recon-twice-then-204',
    section: 'reconnection',
    title: 'two reconnections (error with CONNECTING each), then a 204 fails the connection (error with CLOSED), then nothing',
    skip: (ctx) => (ctx.transport === 'polling' ? 'in polling mode the end of a body is not a reconnection' : null),
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/counter', { count: 3, drop_after: 1, retry: 50, fail_from: 2 }));
      const rec = ctx.record(es);
      await rec.untilCount('error', 3, { failOnClose: false });
      await ctx.quiet();
      ctx.eq(
        rec.entries.map((e) => `${e.type}:${e.readyState}${e.type === 'message' ? `:${e.data}` : ''}`),
        ['open:1', 'message:1:1', 'error:0', 'open:1', 'message:1:2', 'error:0', 'error:2'],
        'events (type:readyState[:data])',
      );
      ctx.eq((await ctx.log()).requests.length, 3, 'requests the server saw');
    },
  },
  {
    id: 'req-cache-control-twice',
    section: 'request',
    title: 'Cache-Control: no-cache on two requests in a row, same-origin and cross-origin',
    run: async (ctx) => {
      ctx.eq(await cacheControlTwice(ctx, ctx.origin), ['no-cache', 'no-cache'], 'Cache-Control, same-origin');
      ctx.eq(await cacheControlTwice(ctx, ctx.origin2), ['no-cache', 'no-cache'], 'Cache-Control, cross-origin');
    },
  },
];
