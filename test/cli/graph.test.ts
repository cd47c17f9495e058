import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nnc, scratchDir } from '../helpers/cli.js';

const dir = scratchDir('nnc-graph-');

test('nnc graph writes the picture before and after folding', async (t) => {
  const before = join(dir, 'before.svg');
  const after = join(dir, 'after.svg');
  t.like(await nnc('graph', 'examples/geron.nn', '--svg', before), { code: 0, stdout: `wrote ${before}\n`, stderr: '' });
  t.like(await nnc('graph', 'examples/geron.nn', '--optimize', '--svg', after), { code: 0, stdout: `wrote ${after}\n` });
  const ops = (path: string) => (readFileSync(path, 'utf8').match(/<g class="op/g) ?? []).length;
  t.is(ops(before), 7);
  t.is(ops(after), 4);
  t.regex(readFileSync(after, 'utf8'), /FashionMLP optimized: 4 ops/);
});

test('nnc graph without --svg is a usage error', async (t) => {
  const run = await nnc('graph', 'examples/geron.nn');
  t.is(run.code, 2);
  t.regex(run.stderr, /^nnc graph: --svg OUT.svg is required\n/);
});
