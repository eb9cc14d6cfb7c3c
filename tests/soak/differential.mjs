// Differential check: the wasm build (pkg/tools/ + js/batch.js, as the browser shim decodes batches)
// and the native build (examples/dump.rs) must report identical events for the same input.
//
//   node tests/soak/differential.mjs [--limit-files N] [DIR_OR_FILE...]
//
// Default input: every file of fuzz/corpus/parser/ (read as `parser` fuzz-target inputs: byte 0
// chooses the size limit, byte 1 the chunk size, the rest is the stream; see examples/dump.rs),
// plus a generated set (seeded, so the same every run). Exits 1 on any difference and prints
// the first few, with both dumps.
//
// Canonical form (both sides): `== name`, then `event <type> <data> <id>` per event, `retry <ms>`
// per chunk with a valid retry (its last one), `error` when the size limit is hit (after the
// events the failing chunk completed before that point; the wasm `StreamParser.feed` returns
// them and sets `error`), else `end`.
// Strings are escaped to ASCII (`\\`, `\u{hex}`). A retry of 2^53 ms or more prints as
// `retry huge`: the wasm API returns it as a JS number, which can't hold it exactly.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DUMP_BIN = path.join(ROOT, 'target', 'release', 'examples', 'dump');
export const CORPUS_DIR = path.join(ROOT, 'fuzz', 'corpus', 'parser');
/** The wasm-pack output to check (`ESW_PKG_DIR` overrides, e.g. to compare another build). */
export const PKG_DIR = process.env.ESW_PKG_DIR ? path.resolve(process.env.ESW_PKG_DIR) : path.join(ROOT, 'pkg', 'tools');
const HUGE = 2 ** 53;

/** Builds examples/dump.rs (release) unless `DUMP_BIN` is newer than its source. */
export function buildDump() {
  const src = path.join(ROOT, 'examples', 'dump.rs');
  const fresh = fs.existsSync(DUMP_BIN) && fs.statSync(DUMP_BIN).mtimeMs >= fs.statSync(src).mtimeMs
    && fs.statSync(DUMP_BIN).mtimeMs >= newestMtime(path.join(ROOT, 'src'));
  if (fresh) return;
  const r = spawnSync('cargo', ['build', '--release', '--quiet', '--example', 'dump'], {
    cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`cargo build --example dump failed (status ${r.status})`);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** The escaping of examples/dump.rs. */
export function escape(s) {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (ch === '\\') out += '\\\\';
    else if (cp >= 0x20 && cp <= 0x7e) out += ch;
    else out += `\\u{${cp.toString(16)}}`;
  }
  return out;
}

let wasmApi = null;

/** Loads pkg/tools/ once, synchronously, from the wasm bytes. */
export async function loadWasm() {
  if (wasmApi) return wasmApi;
  const glue = await import(pathToFileURL(path.join(PKG_DIR, 'eventsource_wasm.js')).href);
  const { batchState, readBatch } = await import(pathToFileURL(path.join(ROOT, 'js', 'batch.js')).href);
  const exports = glue.initSync({ module: fs.readFileSync(path.join(PKG_DIR, 'eventsource_wasm_bg.wasm')) });
  wasmApi = { StreamParser: glue.StreamParser, batchState, readBatch, memory: exports.memory };
  return wasmApi;
}

/** The canonical dump of one stream through the wasm parser. */
export function dumpWasm(api, stream, limit, step) {
  const parser = new api.StreamParser(limit === null ? undefined : limit);
  const ids = api.batchState();
  let out = '';
  try {
    for (let off = 0; off < stream.length; off += step) {
      let view;
      try {
        view = parser.feed(stream.subarray(off, off + step));
      } catch {
        // Only a parser that already failed throws (we stop at the first failure).
        return `${out}error (thrown)\n`;
      }
      api.readBatch(view, ids, (type, data, id) => {
        out += `event ${escape(type)} ${escape(data)} ${escape(id)}\n`;
        return true;
      });
      // A size error: the view held the events completed before it, `error` says why.
      if (parser.error) return `${out}error\n`;
      const retry = parser.retry;
      if (retry >= 0) out += retry >= HUGE ? 'retry huge\n' : `retry ${retry}\n`;
    }
    parser.end();
    return `${out}end\n`;
  } finally {
    parser.free();
  }
}

/** A fuzz-target input: [limit byte, chunk byte, ...stream] → {limit (null = none), step, stream}. */
export function decodeFuzzInput(bytes) {
  if (bytes.length < 2) return null;
  const limit = bytes[0] < 128 ? null : (bytes[0] - 127) * 4;
  return { limit, step: Math.max(bytes[1], 1), stream: bytes.subarray(2) };
}

/** Runs the native dump over `files` (in batches, to keep argv short); returns name → dump. */
function nativeDumps(files) {
  const byName = new Map();
  for (let i = 0; i < files.length; i += 400) {
    const batch = files.slice(i, i + 400);
    const r = spawnSync(DUMP_BIN, ['--fuzz', ...batch], { maxBuffer: 1 << 30, timeout: 600_000 });
    if (r.status !== 0) throw new Error(`dump failed (status ${r.status}): ${r.stderr}`);
    // `== name` starts each file's section (names are escaped, so never contain a newline).
    const text = r.stdout.toString('latin1');
    for (const section of text.split(/^(?=== )/m)) {
      if (!section) continue;
      const nl = section.indexOf('\n');
      byName.set(section.slice(3, nl), section.slice(nl + 1).replace(/^retry (\d+)$/gm, (m, n) => (
        Number(n) >= HUGE ? 'retry huge' : m)));
    }
  }
  return byName;
}

/** Counts per event line, for "lost" / "repeated" figures. */
function eventCounts(dump) {
  const counts = new Map();
  for (const line of dump.split('\n')) {
    if (line.startsWith('event ')) counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return counts;
}

/**
 * Compares both builds on `files` (fuzz-target inputs). Returns
 * { files, events, mismatches: [{name, native, wasm}], lost, repeated, wasmMemoryBytes }.
 * `lost`: events the native build reports and the wasm build does not; `repeated`: the reverse.
 */
export async function compare(files) {
  buildDump();
  const api = await loadWasm();
  const native = nativeDumps(files);
  const result = { files: files.length, events: 0, mismatches: [], lost: 0, repeated: 0 };
  for (const file of files) {
    const name = escape(path.basename(file));
    const input = decodeFuzzInput(new Uint8Array(fs.readFileSync(file)));
    const wasm = input === null ? 'skip\n' : dumpWasm(api, input.stream, input.limit, input.step);
    const want = native.get(name);
    if (want === undefined) throw new Error(`no native dump for ${file}`);
    const counts = eventCounts(want);
    for (const n of counts.values()) result.events += n;
    if (want === wasm) continue;
    result.mismatches.push({ name: file, native: want, wasm });
    const got = eventCounts(wasm);
    for (const [line, n] of counts) result.lost += Math.max(0, n - (got.get(line) ?? 0));
    for (const [line, n] of got) result.repeated += Math.max(0, n - (counts.get(line) ?? 0));
  }
  return { ...result, wasmMemoryBytes: api.memory.buffer.byteLength };
}

/** A small deterministic PRNG (mulberry32). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'data: a', 'data:b', 'data', 'data:  two spaces', 'event: t', 'event', 'id: 1', 'id: x\u0000y', 'id',
  'id: é', 'retry: 10', 'retry: 1x', 'retry: 99999999999999999999', ': comment', ':', 'unknown: v',
  'data: \u{1F600}', 'Data: case', '\uFEFFdata: bom', 'data: \u0000nul',
];
const ENDS = ['\n', '\r', '\r\n', '\n\n', '\n\n', '\n\n', '\r\r', '\r\n\r\n', '\r\n\r\n', ''];

/**
 * Writes `n` generated fuzz-format inputs to `dir` (grammar pieces, line ends of every kind,
 * invalid and split UTF-8, random bytes), seeded. Returns the file paths.
 */
export function generateCorpus(dir, n = 300, seed = 1) {
  fs.mkdirSync(dir, { recursive: true });
  const rand = prng(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const enc = new TextEncoder();
  const files = [];
  for (let i = 0; i < n; i++) {
    const parts = [];
    const count = 1 + Math.floor(rand() * 30);
    for (let j = 0; j < count; j++) {
      const r = rand();
      if (r < 0.7) parts.push(enc.encode(pick(PIECES) + pick(ENDS)));
      else if (r < 0.85) parts.push(Uint8Array.from({ length: 1 + Math.floor(rand() * 8) }, () => Math.floor(rand() * 256)));
      else if (r < 0.95) parts.push(Uint8Array.of(0xe2, 0x82)); // a character cut short
      else parts.push(enc.encode(`data: ${'x'.repeat(Math.floor(rand() * 600))}\n\n`));
    }
    const limitByte = rand() < 0.7 ? Math.floor(rand() * 128) : 128 + Math.floor(rand() * 128);
    const stepByte = pick([1, 2, 3, 7, 64, 255, Math.floor(rand() * 256)]);
    const total = parts.reduce((a, p) => a + p.length, 0);
    const bytes = new Uint8Array(2 + total);
    bytes[0] = limitByte;
    bytes[1] = stepByte;
    let off = 2;
    for (const p of parts) {
      bytes.set(p, off);
      off += p.length;
    }
    const file = path.join(dir, `gen-${seed}-${String(i).padStart(4, '0')}`);
    fs.writeFileSync(file, bytes);
    files.push(file);
  }
  return files;
}

/** The corpus files (sorted, so "the first N" is stable), or [] when there is no corpus. */
export function corpusFiles(dir = CORPUS_DIR) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).sort().map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile());
}

/** Human-readable report of the first mismatches. */
export function describe(result, max = 3) {
  const lines = [`${result.files} files, ${result.events} events, ${result.mismatches.length} differ (lost ${result.lost}, extra ${result.repeated})`];
  for (const m of result.mismatches.slice(0, max)) {
    lines.push(`--- ${m.name}\nnative:\n${m.native.slice(0, 1500)}wasm:\n${m.wasm.slice(0, 1500)}`);
  }
  return lines.join('\n');
}

async function main(argv) {
  let limitFiles = Infinity;
  const inputs = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--limit-files') limitFiles = Number(argv[++i]);
    else inputs.push(argv[i]);
  }
  let files = [];
  if (inputs.length === 0) {
    files = corpusFiles();
    const gen = path.join(os.tmpdir(), `esw-differential-${process.pid}`);
    files.push(...generateCorpus(gen, 500, 7));
  } else {
    for (const p of inputs) {
      files.push(...(fs.statSync(p).isDirectory() ? corpusFiles(p) : [p]));
    }
  }
  files = files.slice(0, limitFiles);
  const result = await compare(files);
  console.log(describe(result));
  return result.mismatches.length === 0 ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
