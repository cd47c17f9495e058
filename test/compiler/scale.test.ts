// Scale (issue 2 point 10), correctness only: the timing lives in `npm run bench`.
// A 10,000-layer model checks and summarizes with the right figures and no recursion
// limit, whether written with repeat, as 9,999 statements, or as one long chain.

import test from 'ava';
import { check } from '../../compiler/check.js';
import { summarize } from '../../compiler/summary.js';
import { verifyGraph } from '../../src/ir/verify.js';

function checkedClean(text: string) {
  const result = check(text, 'deep.nn');
  return { diagnostics: result.diagnostics, graph: result.models.get('Deep') };
}

test('the 10,000-layer Deep model: 1 input + 9,999 layers, 14,505,216 params', (t) => {
  const { diagnostics, graph } = checkedClean('model Deep { input x: [64]\n repeat 3333 { Dense(64, use_bias=false) -> BatchNormalization -> ReLU } }');
  t.deepEqual(diagnostics, []);
  if (!graph) return t.fail('no graph');
  t.is(graph.nodes.length, 10_000);
  t.deepEqual(verifyGraph(graph), []);
  const summary = summarize(graph);
  // Per repeat: Dense kernel 64 * 64 = 4,096, BN 4 * 64 = 256 (half non-trainable).
  // Total 3,333 * (4,096 + 256) = 3,333 * 4,352 = 14,505,216;
  // non-trainable 3,333 * 128 = 426,624; trainable 3,333 * 4,224 = 14,078,592.
  t.deepEqual([summary.totalParams, summary.trainableParams, summary.nonTrainableParams], [14_505_216, 14_078_592, 426_624]);
  t.is(summary.layers.length, 9_999); // a chain: Keras prints no input row
  t.deepEqual(
    summary.layers.slice(-3).map((l) => l.name),
    ['dense_3332', 'batch_normalization_3332', 're_lu_3332'],
  );
});

test('the same model written out as 9,999 statements', (t) => {
  const body = Array.from({ length: 3333 }, () => '  Dense(64, use_bias=false)\n  BatchNormalization\n  ReLU\n').join('');
  const { diagnostics, graph } = checkedClean(`model Deep {\n  input x: [64]\n${body}}\n`);
  t.deepEqual(diagnostics, []);
  t.is(graph?.nodes.length, 10_000);
  t.is(graph && summarize(graph).totalParams, 14_505_216);
});

test('the same model as one chain of 9,999 steps on one line', (t) => {
  const chain = Array.from({ length: 3333 }, () => 'Dense(64, use_bias=false) -> BatchNormalization -> ReLU').join(' -> ');
  const { diagnostics, graph } = checkedClean(`model Deep {\n  input x: [64]\n  ${chain}\n}\n`);
  t.deepEqual(diagnostics, []);
  t.is(graph?.nodes.length, 10_000);
  t.is(graph && summarize(graph).totalParams, 14_505_216);
});

test('a 10,000-layer residual stack through blocks and repeat', (t) => {
  // Each Residual: Dense(16) + Add + ReLU = 3 layers; 3,333 of them + the input = 10,000 nodes.
  const text = 'block Residual {\n  input a\n  y = Dense(16)\n  (a, y) -> Add -> ReLU\n}\nmodel Deep {\n  input x: [16]\n  repeat 3333 { Residual }\n}\n';
  const { diagnostics, graph } = checkedClean(text);
  t.deepEqual(diagnostics, []);
  if (!graph) return t.fail('no graph');
  t.is(graph.nodes.length, 10_000);
  t.deepEqual(verifyGraph(graph), []);
  t.is(summarize(graph).totalParams, 3333 * (16 * 16 + 16)); // 906,576
});
