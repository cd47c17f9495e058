// Rule unusedBlocksAreChecked: a block no model calls is still checked, with its
// parameters and inputs unknown.

import test from 'ava';
import { errorsOf } from '../../helpers/check.js';

test('a block no model uses is still checked, without knowing its parameters', (t) => {
  const text = 'block Unused(f, k=3) {\n  Conv2D(f, k, padding=f)\n  Dense(f, activation=rleu)\n  c = ReLU\n  c = ReLU\n  Unknown\n  output y\n}\n';
  t.deepEqual(errorsOf(text), [
    { message: "unknown activation 'rleu'; did you mean 'relu'? (expected one of linear, relu, relu6, elu, selu, sigmoid, tanh, softmax, softplus, swish, gelu, leaky_relu, hard_sigmoid, hard_swish, softsign, exponential, mish)", line: 3, column: 23 },
    { message: "value 'c' is already defined; choose another name", line: 5, column: 3 },
    { message: "unknown layer, block or value 'Unknown'", line: 6, column: 3 },
    { message: "undefined value 'y'", line: 7, column: 10 },
  ]);
});

test('what depends on an unknown parameter or input is not an error', (t) => {
  t.deepEqual(errorsOf('block Head(units, act=relu) {\n  input a\n  input b\n  (a, b) -> Add -> Dense(units, activation=act)\n}\n'), []);
});

test('a literal argument of an unused block is checked', (t) => {
  t.deepEqual(errorsOf('block Head {\n  Dense(0)\n}\n'), [{ message: "argument 'units' of Dense expects a positive integer, found 0", line: 2, column: 9 }]);
});
