// The "Streaming an LLM answer" page (www/llm/) against the real server in headless Chromium:
// the answer read with EventSource.fromReadableStream over one POST, and with an EventSource
// whose `fetch` option makes each request the POST (dropped every few tokens by the server's
// drop_after knob: the page must end with the whole answer, ids consecutive, nothing repeated),
// and a refused token shown as such.
//
// These need the package's EventSource.fromReadableStream and `fetch` option (API.md): with a
// package that predates them the tests are skipped, and say so.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, launchChromium, collectPageErrors, polyfillBuilt, firstIdBreak } from './harness.mjs';

const WAIT = { timeout: 20_000 };
const PROMPT = 'Why do ids make a stream resumable?';

let browser;
let server;
let expected;

/** The whole answer as the server gives it to a plain POST (tokens in order). */
async function answerOf(prompt) {
  const r = await fetch(`${server.origin}/api/answer?pace=0`, {
    method: 'POST',
    headers: { Authorization: 'Bearer demo', 'Content-Type': 'application/json' },
    body: JSON.stringify({ prompt }),
  });
  assert.equal(r.status, 200);
  const text = await r.text();
  return text.split('\n\n')
    .map((block) => block.split('\n'))
    .filter((lines) => lines.some((l) => l.startsWith('id: ')) && !lines.includes('event: done'))
    .map((lines) => JSON.parse(lines.find((l) => l.startsWith('data: ')).slice(6)).token);
}

before(async () => {
  server = await startServer({ name: 'llm' });
  browser = await launchChromium();
  expected = await answerOf(PROMPT);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * Opens the page with `query`, waits for it to load the package, and presses Ask; skips when
 * the package cannot run the page.
 */
async function open(t, query) {
  if (!polyfillBuilt()) {
    t.skip('dist/ is not built');
    return null;
  }
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(`${server.origin}/llm/?${query}`);
  await page.waitForFunction(() => window.llm?.ready === true || window.llm?.error, null, WAIT);
  const { fromReadableStream, error } = await page.evaluate(() => window.llm);
  assert.equal(error, null, 'the page loaded the package');
  if (!fromReadableStream) {
    await context.close();
    t.skip('the package has no EventSource.fromReadableStream (nor, then, the fetch option) yet');
    return null;
  }
  await page.click('#send');
  return { page, context, errors };
}

async function finished(page) {
  await page.waitForFunction(() => ['done', 'error'].includes(window.llm.state), null, WAIT);
  return page.evaluate(() => window.llm);
}

test('fetch + fromReadableStream: one POST, the whole answer', { timeout: 60_000 }, async (t) => {
  const opened = await open(t, `mode=stream&pace=0&prompt=${encodeURIComponent(PROMPT)}`);
  if (!opened) return;
  const { page, context, errors } = opened;
  try {
    const llm = await finished(page);
    assert.equal(llm.state, 'done', llm.error);
    assert.equal(llm.text, expected.join(''));
    assert.equal(llm.tokens, expected.length);
    assert.equal(llm.expected, expected.length);
    assert.deepEqual(llm.ids, expected.map((_, i) => i + 1));
    assert.equal(llm.requests, 1);
    assert.match(await page.textContent('#answer'), /^You asked: /);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('EventSource with a fetch option: dropped every 5 tokens, resumed with nothing lost or repeated', { timeout: 60_000 }, async (t) => {
  const opened = await open(t, `mode=eventsource&pace=0&drop_after=5&retry=20&prompt=${encodeURIComponent(PROMPT)}`);
  if (!opened) return;
  const { page, context, errors } = opened;
  try {
    const llm = await finished(page);
    assert.equal(llm.state, 'done', llm.error);
    assert.equal(firstIdBreak(llm.ids), null);
    assert.deepEqual(llm.ids, expected.map((_, i) => i + 1));
    assert.equal(llm.text, expected.join(''));
    // One POST per five tokens (and one more for `done` when the count divides by five).
    assert.equal(llm.requests, Math.ceil(expected.length / 5) + (expected.length % 5 === 0 ? 1 : 0));
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

for (const mode of ['stream', 'eventsource']) {
  test(`a wrong token is refused with 401 and shown (${mode})`, { timeout: 60_000 }, async (t) => {
    const opened = await open(t, `mode=${mode}&pace=0&token=nope`);
    if (!opened) return;
    const { page, context } = opened;
    try {
      const llm = await finished(page);
      assert.equal(llm.state, 'error');
      assert.match(llm.error, /401/);
      assert.equal(llm.tokens, 0);
      assert.match(await page.textContent('#notice'), /401/);
    } finally {
      await context.close();
    }
  });
}
