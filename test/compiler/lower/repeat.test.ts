// `repeat COUNT { ... }`: the count must be a positive integer; the body runs COUNT
// times in sequence; oversized repeats end at once with an error.

import test from 'ava';
import { MAX_LAYERS } from '../../../compiler/lower/limits.js';
import { errorsOf, graphOf, modelWith } from '../../helpers/check.js';

test('repeat runs its body COUNT times in sequence', (t) => {
  const graph = graphOf(modelWith([4], 'repeat 3 {', '  Dense(4) -> ReLU', '}'));
  t.deepEqual(
    graph.nodes.map((n) => `${n.name}(${n.inputs.join(',')})`),
    ['x()', 'dense(0)', 're_lu(1)', 'dense_1(2)', 're_lu_1(3)', 'dense_2(4)', 're_lu_2(5)'],
  );
});

test('nested repeats multiply', (t) => {
  const graph = graphOf(modelWith([4], 'repeat 2 { repeat 3 { ReLU } }'));
  t.is(graph.nodes.length, 1 + 2 * 3);
});

test('the count may be an expression or a block parameter', (t) => {
  t.is(graphOf(modelWith([4], 'repeat 2 * 2 { ReLU }')).nodes.length, 5);
  t.is(graphOf('block Stack(n) {\n  repeat n { ReLU }\n}\nmodel M {\n  input x: [4]\n  Stack(3)\n}\n').nodes.length, 4);
});

for (const [count, found] of [
  ['0', '0'],
  ['2.5', '2.5'],
  ['-1', '-1'],
  ['"two"', '"two"'],
  ['two', "symbol 'two'"],
  ['[2]', '[2]'],
  ['true', 'true'],
] as const) {
  test(`repeat count ${count} is refused: not a positive integer`, (t) => {
    t.deepEqual(errorsOf(modelWith([4], `repeat ${count} { Dense(3) }`)), [{ message: `repeat count must be a positive integer, found ${found}`, line: 3, column: 10 }]);
  });
}

test('the body of a repeat with a bad count is still checked once', (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'repeat 0 { Dence(3) }')), [
    { message: 'repeat count must be a positive integer, found 0', line: 3, column: 10 },
    { message: "unknown layer or block 'Dence'; did you mean 'Dense'?", line: 3, column: 14 },
  ]);
});

test('an error in a repeat body is reported once, not once per iteration', (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'repeat 50 { Dense(3, activation=rleu) }')).length, 1);
});

test('a bad count passed into a block is reported at the caller, with the expansion note', (t) => {
  const errors = errorsOf('block Stack(n) {\n  repeat n { ReLU }\n}\nmodel M {\n  input x: [4]\n  Stack(0)\n}\n');
  t.deepEqual(errors, [{ message: 'repeat count must be a positive integer, found 0', line: 6, column: 9 }]);
});

test('repeat 1000000000 { Dense(1) } ends at once with an error, without building the layers', (t) => {
  const started = performance.now();
  const errors = errorsOf(modelWith([4], 'repeat 1000000000 { Dense(1) }'));
  const elapsed = performance.now() - started;
  t.deepEqual(errors, [
    { message: `repeat 1,000,000,000 adds 1,000,000,000 layers (1 per iteration), more than the limit of ${MAX_LAYERS.toLocaleString('en-US')} layers in a model; reduce the repeat count`, line: 3, column: 10 },
  ]);
  // Generous bound: the check stops after one iteration, so this takes milliseconds.
  t.true(elapsed < 2000, `took ${elapsed} ms`);
});

test('nested huge repeats: the inner one is refused at once', (t) => {
  const errors = errorsOf(modelWith([4], 'repeat 1000000000 { repeat 1000000000 { ReLU } }'));
  t.deepEqual(errors, [
    { message: `repeat 1,000,000,000 adds 1,000,000,000 layers (1 per iteration), more than the limit of ${MAX_LAYERS.toLocaleString('en-US')} layers in a model; reduce the repeat count`, line: 3, column: 30 },
  ]);
});

test('two repeats that fit alone but not together: the outer one is refused after one iteration', (t) => {
  // 1,000 iterations of 1,000 layers = 1,000,000 > 100,000.
  t.deepEqual(errorsOf(modelWith([4], 'repeat 1000 { repeat 1000 { ReLU } }')), [
    { message: `repeat 1,000 adds 1,000,000 layers (1,000 per iteration), more than the limit of ${MAX_LAYERS.toLocaleString('en-US')} layers in a model; reduce the repeat count`, line: 3, column: 10 },
  ]);
});

test('an empty body repeated a billion times ends at once', (t) => {
  t.deepEqual(errorsOf(modelWith([4], 'repeat 1000000000 { }')), [{ message: 'repeat 1,000,000,000 takes more than 2,000,000 steps to expand (statements and argument values); reduce the repeat count', line: 3, column: 10 }]);
});

test('a model of exactly the layer limit is accepted', (t) => {
  const graph = graphOf(modelWith([2], `repeat ${MAX_LAYERS} { ReLU }`));
  t.is(graph.nodes.length, MAX_LAYERS + 1);
});

test('one layer more than the limit is refused', (t) => {
  t.deepEqual(errorsOf(modelWith([2], 'ReLU', `repeat ${MAX_LAYERS} { ReLU }`)), [
    { message: `repeat 100,000 adds 100,000 layers (1 per iteration), more than the limit of 100,000 layers in a model; reduce the repeat count`, line: 4, column: 10 },
  ]);
});
