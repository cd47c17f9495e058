import test from 'ava';
import { MAX_NESTING, parse } from '../../grammar/parse.js';
import { Source } from '../../src/diagnostics.js';
import { errorsOf, graphOf, reported } from '../helpers/check.js';

function parsed(text: string) {
  const result = parse(new Source(text, 'test.nn'));
  return {
    errors: result.diagnostics.map(reported),
    definitions: result.definitions.map((d) => `${d.name === 'modelDefinition' ? 'model' : 'block'} ${d.children.name?.[0]?.image ?? '?'}${result.brokenDefinitions.has(d) ? ' (broken)' : ''}`),
  };
}

test('a file of models and blocks in any order parses without errors', (t) => {
  const text = 'block B(f, k=3) { Dense(f) }\nmodel M { input x: [4]; B(2) }\nblock C { ReLU }\n';
  t.deepEqual(parsed(text), { errors: [], definitions: ['block B', 'model M', 'block C'] });
});

test('an empty file and a file of comments have no definitions and no errors', (t) => {
  t.deepEqual(parsed(''), { errors: [], definitions: [] });
  t.deepEqual(parsed('# nothing here\n   \n# still nothing'), { errors: [], definitions: [] });
});

test('statements may share a line when separated by semicolons or spaces', (t) => {
  const graph = graphOf('model M { input x: [4]; Dense(3); ReLU }');
  t.deepEqual(
    graph.nodes.map((n) => n.kind),
    ['Input', 'Dense', 'ReLU'],
  );
});

test("a call's '(' on the next line starts a new statement, so a name then a tuple is two statements", (t) => {
  // Without the same-line rule this would read as BatchNormalization(x, y).
  const graph = graphOf('model M {\n  input x: [4]\n  y = Dense(4)\n  BatchNormalization\n  (x, y) -> Add\n}');
  t.deepEqual(
    graph.nodes.map((n) => `${n.kind}(${n.inputs.join(',')})`),
    ['Input()', 'Dense(0)', 'Add(0,1)'],
  );
});

test('a missing closing parenthesis: expected vs found, at the token found', (t) => {
  t.deepEqual(parsed('model M {\n  input x: [4]\n  Dense(3 activation=relu)\n}').errors, [{ message: "expected ')', found 'activation'", line: 3, column: 11 }]);
});

test('a missing value after a comma names what a value may be', (t) => {
  t.deepEqual(parsed('model M {\n  input x: [4]\n  Dense(3,)\n}').errors, [
    { message: "expected a value (a number, a string, a list, true, false, null or a name), found ')'", line: 3, column: 11 },
  ]);
});

test('an unclosed model: the error is at the end of the file', (t) => {
  t.deepEqual(parsed('model M {\n  input x: [4]\n  Dense(3)\n').errors, [{ message: "expected '}', found the end of the file", line: 4, column: 1 }]);
});

test('an unclosed model followed by another: the error points at the next definition, which is still parsed', (t) => {
  const text = 'model A {\n  input x: [4]\n  Dense(3)\nmodel B {\n  input y: [4]\n}\n';
  t.deepEqual(parsed(text), {
    errors: [{ message: "expected '}', found 'model'", line: 4, column: 1 }],
    definitions: ['model A (broken)', 'model B'],
  });
});

test('a misspelt keyword at the top level gets a suggestion', (t) => {
  t.deepEqual(parsed('modle M {\n  input x: [4]\n}').errors, [{ message: "expected 'model' or 'block' at the top level, found 'modle'; did you mean 'model'?", line: 1, column: 1 }]);
});

test('garbage after a definition is reported and does not break the definition', (t) => {
  t.deepEqual(parsed('model M { input x: [4] Dense(3) }\n) 42\nblock B { ReLU }'), {
    errors: [{ message: "expected 'model' or 'block' at the top level, found ')'", line: 2, column: 1 }],
    definitions: ['model M', 'block B'],
  });
});

test('several syntax errors in one file are all reported, one per line', (t) => {
  const text = ['model A {', '  input x: [4]', '  Dense(3 activation=relu)', '  Dense(4))', '}', 'block B(k=) { Dense(k) }', 'model C {', '  input y: [4]', '  repeat { ReLU }', '  Dense(3) -> -> ReLU', '}'].join('\n');
  t.deepEqual(parsed(text).errors, [
    // line 3 also has a consequential "expected '}', found ')'" at column 26: not shown.
    { message: "expected ')', found 'activation'", line: 3, column: 11 },
    { message: "expected '}', found ')'", line: 4, column: 11 },
    { message: "expected a value (a number, a string, a list, true, false, null or a name), found ')'", line: 6, column: 11 },
    { message: "expected a value (a number, a string, a list, true, false, null or a name), found '{'", line: 9, column: 10 },
    { message: "expected a name, found '->'", line: 10, column: 15 },
  ]);
});

test('a syntax error in one definition does not stop a later definition from being checked', (t) => {
  const text = 'model A {\n  input x: [4]\n  Dense(3,, 4)\n}\nmodel B {\n  input y: [4]\n  Dence(3)\n}\n';
  t.deepEqual(errorsOf(text), [
    { message: "expected a value (a number, a string, a list, true, false, null or a name), found ','", line: 3, column: 11 },
    { message: "unknown layer or block 'Dence'; did you mean 'Dense'?", line: 7, column: 3 },
  ]);
});

test('a definition with a syntax error is not analysed: no cascade of semantic errors', (t) => {
  // 'Dence' would be an error, but the model's body is unreliable after a syntax error.
  t.deepEqual(errorsOf('model A {\n  input x: [4]\n  Dence(3)\n  Dense(3 4)\n}'), [{ message: "expected ')', found '4'", line: 4, column: 11 }]);
});

test('a keyword cannot be a name', (t) => {
  t.deepEqual(parsed('model input { }').errors, [{ message: "expected a name, found 'input'", line: 1, column: 7 }]);
});

test(`brackets nested more than ${MAX_NESTING} deep are refused before parsing, not a stack overflow`, (t) => {
  const depth = MAX_NESTING + 1;
  const text = `model M {\n  input x: [4]\n  Dense(${'('.repeat(depth)}1${')'.repeat(depth)})\n}`;
  // '(' number MAX_NESTING + 1 counts the body's '{' and Dense's '(': it is at column 9 + (MAX_NESTING - 2).
  t.deepEqual(parsed(text).errors, [{ message: `brackets nest more than ${MAX_NESTING} deep here; simplify the expression`, line: 3, column: 9 + MAX_NESTING - 2 }]);
});

test('nesting just under the limit parses and evaluates', (t) => {
  const depth = MAX_NESTING - 2; // the body's '{' and Dense's '(' count too
  const graph = graphOf(`model M {\n  input x: [4]\n  Dense(${'('.repeat(depth)}3${')'.repeat(depth)})\n}`);
  t.deepEqual(graph.nodes[1].shape, [null, 3]);
});

test('a long run of unary minus signs is refused, not a stack overflow', (t) => {
  const text = `model M {\n  input x: [4]\n  Dense(${'-'.repeat(MAX_NESTING + 1)}1)\n}`;
  t.deepEqual(parsed(text).errors, [{ message: `more than ${MAX_NESTING} unary minus signs in a row`, line: 3, column: 9 + MAX_NESTING }]);
});

test('deeply nested lists (50 000 brackets) end quickly with one error', (t) => {
  const started = Date.now();
  const errors = parsed(`model M { input x: ${'['.repeat(50_000)} }`).errors;
  t.is(errors.length, 1);
  t.is(errors[0].message, `brackets nest more than ${MAX_NESTING} deep here; simplify the expression`);
  t.true(Date.now() - started < 5000);
});
