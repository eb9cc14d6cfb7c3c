// Gives the wasm's imports and exports short names, in the module and in its wasm-bindgen glue:
//
//   node scripts/shorten-names.mjs pkg/eventsource_wasm_bg.wasm pkg/eventsource_wasm.js
//
// wasm-bindgen names every import after its JS function and a hash
// (`__wbg_abort_968456626434218d`, from module "./eventsource_wasm_bg.js") and exports its
// helpers at length (`wasm_bindgen__convert__closures_____invoke__h4ee9…`); the hashes do not
// compress, and every page downloads each name twice, in the wasm and in the glue. Here they
// become `a`, `b`, … (imports, from module "a") and `A`, `B`, … (exports), and the custom
// sections (producers, target features), which nothing reads at run time, are dropped.
//
// The glue is rewritten only where it names them (`name:` keys of the imports object, `wasm.name`
// member accesses, the module key), and the result is checked: every name the glue uses must be
// one the module has, and the other way round; otherwise this fails and changes nothing.
import { readFileSync, writeFileSync } from 'node:fs';

const [wasmFile, glueFile] = process.argv.slice(2);
if (!wasmFile || !glueFile) throw new Error('usage: node scripts/shorten-names.mjs MODULE.wasm GLUE.js');
const bytes = readFileSync(wasmFile);
let glue = readFileSync(glueFile, 'utf8');
const KEEP = new Set(['memory']); // read by pages that inspect the engine's memory

// ---- LEB128 and names
function uleb(buf, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = buf[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return [value, at];
  }
}
function encodeUleb(value) {
  const out = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value) b |= 0x80;
    out.push(b);
  } while (value);
  return Buffer.from(out);
}
function readName(buf, at) {
  const [len, start] = uleb(buf, at);
  return [buf.subarray(start, start + len).toString('utf8'), start + len];
}
const encodeName = (name) => Buffer.concat([encodeUleb(Buffer.byteLength(name)), Buffer.from(name)]);
function shortName(n, alphabet) {
  let s = '';
  do {
    s = alphabet[n % alphabet.length] + s;
    n = Math.floor(n / alphabet.length) - 1;
  } while (n >= 0);
  return s;
}
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

// ---- Sections
if (bytes.readUInt32LE(0) !== 0x6d736100) throw new Error(`${wasmFile}: not a wasm module`);
const sections = [];
for (let at = 8; at < bytes.length;) {
  const id = bytes[at];
  const [size, body] = uleb(bytes, at + 1);
  sections.push({ id, body: bytes.subarray(body, body + size) });
  at = body + size;
}

// Import section: (module name, field name, descriptor)*. Descriptors are copied as they are.
function importDescriptorEnd(buf, at) {
  const kind = buf[at++];
  const limits = (p) => {
    const flags = buf[p++];
    [, p] = uleb(buf, p);
    if (flags & 1) [, p] = uleb(buf, p);
    return p;
  };
  switch (kind) {
    case 0: return uleb(buf, at)[1]; // function: type index
    case 1: return limits(at + 1); // table: reftype, limits
    case 2: return limits(at); // memory: limits
    case 3: return at + 2; // global: valtype, mutability
    case 4: return uleb(buf, at + 1)[1]; // tag: attribute, type index
    default: throw new Error(`unknown import kind ${kind}`);
  }
}

const renamedImports = new Map();
const renamedExports = new Map();
let glueModule = null;
const out = [bytes.subarray(0, 8)];
for (const { id, body } of sections) {
  if (id === 0) continue; // custom sections
  let newBody = body;
  if (id === 2) {
    let [count, at] = uleb(body, 0);
    const parts = [encodeUleb(count)];
    for (let i = 0; i < count; i++) {
      let module;
      let field;
      [module, at] = readName(body, at);
      [field, at] = readName(body, at);
      const end = importDescriptorEnd(body, at);
      if (glueModule === null) glueModule = module;
      if (module !== glueModule) throw new Error(`imports from two modules: ${glueModule}, ${module}`);
      const short = shortName(renamedImports.size, LOWER);
      renamedImports.set(field, short);
      parts.push(encodeName('a'), encodeName(short), body.subarray(at, end));
      at = end;
    }
    newBody = Buffer.concat(parts);
  } else if (id === 7) {
    let [count, at] = uleb(body, 0);
    const parts = [encodeUleb(count)];
    for (let i = 0; i < count; i++) {
      let name;
      [name, at] = readName(body, at);
      const kind = body[at];
      const [, end] = uleb(body, at + 1);
      const short = KEEP.has(name) ? name : shortName(renamedExports.size, UPPER);
      if (!KEEP.has(name)) renamedExports.set(name, short);
      parts.push(encodeName(short), body.subarray(at, end));
      at = end;
    }
    newBody = Buffer.concat(parts);
  }
  out.push(Buffer.from([id]), encodeUleb(newBody.length), newBody);
}

// ---- The glue
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const moduleKey = new RegExp(`(["'])${escape(glueModule)}\\1:`, 'g');
if ((glue.match(moduleKey) || []).length !== 1) throw new Error(`${glueFile}: the imports object's key "${glueModule}" is not there once`);
glue = glue.replace(moduleKey, 'a:');
for (const [name, short] of renamedImports) {
  const key = new RegExp(`(^|[\\s{,])${escape(name)}:`, 'gm');
  const n = (glue.match(key) || []).length;
  if (n !== 1) throw new Error(`${glueFile}: import ${name} is defined ${n} times`);
  glue = glue.replace(key, `$1${short}:`);
}
for (const [name, short] of renamedExports) {
  glue = glue.replace(new RegExp(`\\bwasm\\.${escape(name)}\\b`, 'g'), `wasm.${short}`);
}
// Every export the glue reads must exist.
const exported = new Set([...renamedExports.values(), ...KEEP]);
for (const [, name] of glue.matchAll(/\bwasm\.([A-Za-z_$][\w$]*)/g)) {
  if (!exported.has(name)) throw new Error(`${glueFile}: wasm.${name} is not an export of the module`);
}

writeFileSync(wasmFile, Buffer.concat(out));
writeFileSync(glueFile, glue);
console.error(`shorten-names: ${renamedImports.size} imports, ${renamedExports.size} exports; ${bytes.length} -> ${Buffer.concat(out).length} B`);
