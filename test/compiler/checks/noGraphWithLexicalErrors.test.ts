// Rule noGraphWithLexicalErrors: a model with a bad character in it is still checked,
// but has no graph.

import test from 'ava';
import { check } from '../../../compiler/check.js';
import { reported } from '../../helpers/check.js';

test('a bad character inside a model: the rest is checked, but the model has no graph', (t) => {
  const result = check('model M {\n  input x: [4]\n  Dense(3) >> ReLU\n}\nmodel N {\n  input x: [4]\n}\n', 'test.nn');
  t.deepEqual(result.diagnostics.map(reported), [{ message: "unexpected characters '>>'", line: 3, column: 12 }]);
  t.deepEqual([...result.models.keys()], ['N']);
  t.deepEqual(result.modelNames, ['M', 'N']);
});

test('a bad character between definitions withdraws no graph', (t) => {
  const result = check('model M {\n  input x: [4]\n  Dense(3)\n}\n$\nmodel N {\n  input x: [4]\n}\n', 'test.nn');
  t.deepEqual(result.diagnostics.map(reported), [{ message: "unexpected character '$'", line: 5, column: 1 }]);
  t.deepEqual([...result.models.keys()], ['M', 'N']);
});
