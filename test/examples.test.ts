// The examples directory is the list: the tests that run every example and the
// inference benchmark's plan name exactly its `.nn` files.

import test from 'ava';
import { readdirSync } from 'node:fs';
import { EXAMPLE_MODELS } from '../bench/inferencePlan.js';
import { EXAMPLES } from './helpers/models.js';

const onDisk = readdirSync('examples')
  .filter((f) => f.endsWith('.nn'))
  .map((f) => f.slice(0, -'.nn'.length))
  .sort();

test('the tests and the benchmark cover every example in examples/, and only those', (t) => {
  t.true(onDisk.length >= 5);
  t.deepEqual([...EXAMPLES].sort(), onDisk);
  t.deepEqual([...EXAMPLE_MODELS].sort(), onDisk);
});
