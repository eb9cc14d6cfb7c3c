// The package's ES module entry.
import { EventSource } from '/dist/index.js';
import { run } from './checks.js';

run('esm', EventSource, true);
