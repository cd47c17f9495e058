import test from 'ava';
import { lexer, parse } from '../../grammar/parse.js';
import { Source } from '../../src/diagnostics.js';
import { errorsOf, reported } from '../helpers/check.js';

function syntaxErrorsOf(text: string) {
  return parse(new Source(text, 'test.nn')).diagnostics.map(reported);
}

function tokenNames(text: string): string[] {
  return lexer.tokenize(text).tokens.map((t) => `${t.tokenType.name}:${t.image}`);
}

test('keywords are tokens, but identifiers that start with a keyword are identifiers', (t) => {
  t.deepEqual(tokenNames('model modelName input inputs repeat_ block'), [
    'Model:model',
    'Identifier:modelName',
    'Input:input',
    'Identifier:inputs',
    'Identifier:repeat_',
    'Block:block',
  ]);
});

test('numbers: integers, decimals, exponents, a leading dot; minus is a separate token', (t) => {
  t.deepEqual(tokenNames('300 0.5 1e-3 .5 2E+4 -1'), [
    'NumberLiteral:300',
    'NumberLiteral:0.5',
    'NumberLiteral:1e-3',
    'NumberLiteral:.5',
    'NumberLiteral:2E+4',
    'Minus:-',
    'NumberLiteral:1',
  ]);
});

test("'->' is one token, '-' before a name is a minus", (t) => {
  t.deepEqual(tokenNames('a->b - c'), ['Identifier:a', 'Arrow:->', 'Identifier:b', 'Minus:-', 'Identifier:c']);
});

test('comments run to the end of the line; strings keep escapes', (t) => {
  t.deepEqual(tokenNames('a # b "c"\n"x\\"y\\\\" ; d'), ['Identifier:a', 'StringLiteral:"x\\"y\\\\"', 'Semicolon:;', 'Identifier:d']);
});

test('a bad character is reported at its line and column, and the rest of the model is still checked', (t) => {
  const text = 'model M {\n  input x: [4]\n  Dense(3) $\n  Dense(2, activation=elux)\n}\n';
  t.deepEqual(errorsOf(text), [
    { message: "unexpected character '$'", line: 3, column: 12 },
    { message: "unknown activation 'elux'; did you mean 'elu'? (expected one of linear, relu, relu6, elu, selu, sigmoid, tanh, softmax, softplus, swish, gelu, leaky_relu, hard_sigmoid, hard_swish, softsign, exponential, mish)", line: 4, column: 23 },
  ]);
});

test('a run of bad characters is one error', (t) => {
  t.deepEqual(syntaxErrorsOf('model M { input x: [4] @@@ Dense(3) }'), [{ message: "unexpected characters '@@@'", line: 1, column: 24 }]);
});

test('bad characters on two lines are two errors', (t) => {
  t.deepEqual(syntaxErrorsOf('model M {\n  input x: [4] ?\n  Dense(3) !\n}'), [
    { message: "unexpected character '?'", line: 2, column: 16 },
    { message: "unexpected character '!'", line: 3, column: 12 },
  ]);
});

test('an unterminated string is one error at its opening quote', (t) => {
  const text = 'model M {\n  input x: [4]\n  Dense(3, name="abc)\n}\n';
  t.deepEqual(syntaxErrorsOf(text), [
    // The string swallowed the ')': what the parser says about the '}' of line 4 is a
    // consequence, and is not shown.
    { message: `unterminated string: expected a closing '"' before the end of the line`, line: 3, column: 17 },
  ]);
});

test('an unterminated string does not hide errors in later definitions', (t) => {
  const text = 'model A { input x: [4] Dense(3, name="a) }\nmodel B {\n  input y: [4]\n  Dense(3, activation=elux)\n}\n';
  const errors = errorsOf(text);
  t.is(errors.length, 2);
  t.deepEqual(errors[0], { message: `unterminated string: expected a closing '"' before the end of the line`, line: 1, column: 38 });
  t.like(errors[1], { line: 4, column: 23 });
  t.regex(errors[1].message, /^unknown activation 'elux'; did you mean 'elu'\?/);
});

test('an unknown escape in a string is reported at the backslash', (t) => {
  t.deepEqual(syntaxErrorsOf('model M { input x: [4] Dense(3, name="a\\nb") }'), [{ message: `unknown escape '\\n' in a string: expected \\" or \\\\`, line: 1, column: 40 }]);
});

test('an escaped backslash before another character is no unknown escape', (t) => {
  t.deepEqual(syntaxErrorsOf('model M { input x: [4] Dense(3, name="a\\\\ b\\\\n") }'), []);
  t.deepEqual(syntaxErrorsOf('model M { input x: [4] Dense(3, name="a\\\\\\n") }'), [{ message: `unknown escape '\\n' in a string: expected \\" or \\\\`, line: 1, column: 42 }]);
});

test('columns count from 1 and lines from 1 after CRLF line ends', (t) => {
  t.deepEqual(syntaxErrorsOf('model M {\r\n  input x: [4]\r\n  %\r\n}'), [{ message: "unexpected character '%'", line: 3, column: 3 }]);
});
