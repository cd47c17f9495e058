// Bad input never hangs the checker: work grows at most linearly with what the file
// asks for, up to fixed limits, and the limits end in an error that says what to reduce.

import test from 'ava';
import { MAX_STEPS } from '../../../compiler/lower/limits.js';
import { errorsOf, modelWith } from '../../helpers/check.js';

test('blocks that double at every level (2^40 expansions) end with an error at the step limit', (t) => {
  const lines = Array.from({ length: 40 }, (_, i) => `block B${i} {\n  B${i + 1}\n  B${i + 1}\n}`);
  lines.push('block B40 { }', 'model M {\n  input x: [4]\n  B0\n}');
  const errors = errorsOf(lines.join('\n'));
  t.is(errors.length, 1);
  t.is(errors[0].message, `the model takes more than ${MAX_STEPS.toLocaleString('en-US')} steps to expand (statements and argument values), the limit; reduce the repeat counts or the blocks' nesting`);
});

test('blocks that double around a layer end at the layer limit', (t) => {
  const lines = Array.from({ length: 40 }, (_, i) => `block B${i} {\n  B${i + 1}\n  B${i + 1}\n}`);
  lines.push('block B40 {\n  ReLU\n}', 'model M {\n  input x: [4]\n  B0\n}');
  // 40 blocks of 4 lines: B40's ReLU is on line 162.
  t.deepEqual(errorsOf(lines.join('\n')), [{ message: "the model expands to more than 100,000 layers, the limit; reduce the repeat counts or the blocks' nesting", line: 162, column: 3 }]);
});

test('a long argument expression inside a big repeat counts as work: refused after one iteration', (t) => {
  const units = Array.from({ length: 3000 }, () => '1').join(' + ');
  t.deepEqual(errorsOf(modelWith([4], `repeat 2000 { Dense(${units}) }`)), [
    { message: 'repeat 2,000 takes more than 2,000,000 steps to expand (statements and argument values); reduce the repeat count', line: 3, column: 10 },
  ]);
});

test('thousands of misspelt names among thousands of values: all reported, suggestions while the budget lasts', (t) => {
  const n = 3000;
  const statements = [...Array.from({ length: n }, (_, i) => `value${i} = x -> ReLU`), ...Array.from({ length: n }, (_, i) => `(valu${i}, x) -> Add`)];
  const errors = errorsOf(modelWith([4], ...statements));
  t.is(errors.length, n);
  t.deepEqual(errors[0], { message: "undefined value 'valu0'; did you mean 'value0'?", line: 3 + n, column: 4 });
  t.true(errors.every((e, i) => e.message.startsWith(`undefined value 'valu${i}'`)));
});
