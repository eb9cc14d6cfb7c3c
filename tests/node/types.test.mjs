// The package's types (dist/*.d.ts) check against a file that uses every public member
// (tests/types/usage.ts), resolved through the package's own `exports`, as a user's project would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('the types of every public member check (tsc --noEmit, strict)', () => {
  let out = '';
  try {
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', path.join(ROOT, 'tests', 'types')], { encoding: 'utf8' });
  } catch (err) {
    out = `${err.stdout || ''}${err.stderr || ''}`;
  }
  assert.equal(out, '', out);
});
