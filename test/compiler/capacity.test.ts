// Issue 20, class 4: a model the runtime cannot hold is an error when it is checked, at
// its layer and with the limit — not an allocation failure at init. The language alone
// (check) still counts such models exactly; the tools and compile() refuse them.

import test from 'ava';
import { check, checkForRuntime } from '../../compiler/check.js';
import { compile } from '../../src/api.js';
import { modelWith, reported } from '../helpers/check.js';
import { nnc, nnFile } from '../helpers/cli.js';

const LIMIT = "more than the 4,294,901,760 bytes the runtime can hold (the WebAssembly backend's 4 GiB memory)";
const errors = (text: string) => checkForRuntime(text, 'test.nn').diagnostics.filter((d) => d.severity === 'error').map(reported);

test('one weight too large for the runtime', (t) => {
  const text = modelWith([100_000], 'Dense(100000)');
  t.deepEqual(errors(text), [{ message: `layer 'dense' has a kernel of 10,000,000,000 values (40,000,000,000 bytes as float32), ${LIMIT}; make the layer smaller`, line: 3, column: 3 }]);
  t.is(check(text, 'test.nn').models.size, 1, 'the language alone accepts it (its summary counts are exact)');
  t.is(checkForRuntime(text, 'test.nn').models.size, 0);
});

test('weights that together pass the limit: the error is at the layer where they do', (t) => {
  t.deepEqual(errors(modelWith([40_000], 'Dense(20000)', 'Dense(20000)', 'Dense(10)')), [
    { message: `model 'M' reaches 1,200,020,000 parameters at layer 'dense_1' (4,800,080,000 bytes as float32), ${LIMIT}`, line: 4, column: 3 },
  ]);
});

test("one example's activation too large for the runtime", (t) => {
  t.deepEqual(errors(modelWith([100_000, 100_000])), [{ message: `layer 'x' outputs 10,000,000,000 values per example (40,000,000,000 bytes as float32), ${LIMIT}; make it smaller`, line: 2, column: 9 }]);
});

test('just under the limit is accepted', (t) => {
  // 1,073,725,440 float32 values are exactly 4,294,901,760 bytes.
  t.deepEqual(errors(modelWith([1_073_725_440])), []);
  t.is(errors(modelWith([1_073_725_441])).length, 1);
});

test('nnc check and compile() refuse it before any allocation', async (t) => {
  const file = nnFile(modelWith([100_000], 'Dense(100000)'));
  const run = await nnc('check', file);
  t.is(run.code, 1);
  t.true(run.stderr.startsWith(`${file}:3:3: error: layer 'dense' has a kernel of 10,000,000,000 values`));
  const init = await nnc('init', file, '--out', `${file}.safetensors`);
  t.is(init.code, 1);
  await t.throwsAsync(compile(modelWith([100_000], 'Dense(100000)')), { message: /^<input>:3:3: error: layer 'dense' has a kernel of 10,000,000,000 values/ });
});
