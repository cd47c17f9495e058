// Rule blockParameterLists: no parameter name twice, defaults that evaluate, defaults
// last; a block with a bad list is not expanded, so its calls add no errors.

import test from 'ava';
import { errorsOf } from '../../helpers/check.js';

test('a block with two parameters of one name', (t) => {
  t.deepEqual(errorsOf('block B(f, k, f) {\n  Dense(f)\n}\nmodel M {\n  input x: [4]\n  B(1, 2, 3)\n}\n'), [{ message: "block 'B' has two parameters named 'f'", line: 1, column: 15 }]);
});

test('parameters with defaults come last', (t) => {
  t.deepEqual(errorsOf('block B(f=2, k) {\n  Dense(f)\n}\n'), [{ message: "parameter 'k' of block 'B' has no default but follows one that has: parameters with defaults come last", line: 1, column: 14 }]);
});

test('a default that does not evaluate is its one error: the call with too many arguments adds none', (t) => {
  t.deepEqual(errorsOf('block B(f=2 * relu) {\n  Dense(f)\n}\nmodel M {\n  input x: [4]\n  B(3, 4)\n}\n'), [{ message: "'*' needs numbers on both sides, found symbol 'relu'", line: 1, column: 15 }]);
});

test("a repeated parameter's default is not evaluated", (t) => {
  t.deepEqual(errorsOf('block B(f, f=2 * relu) {\n  Dense(f)\n}\n'), [{ message: "block 'B' has two parameters named 'f'", line: 1, column: 12 }]);
});

test('a block with a bad list is not followed into its calls: no recursion error besides', (t) => {
  t.deepEqual(errorsOf('block B(f=1, k) {\n  B\n}\n'), [{ message: "parameter 'k' of block 'B' has no default but follows one that has: parameters with defaults come last", line: 1, column: 14 }]);
});
