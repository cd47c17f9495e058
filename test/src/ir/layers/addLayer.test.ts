// Adding a layer is one definition and one kernel: this file defines a throwaway kind,
// ScaleShift, in one place (its definition and its kernel, registered here only) and
// runs it end to end: `.nn` source, argument checking, summary, initial weights,
// prediction against a hand computation, and the bundle's JSON round trip.
//
//   ScaleShift(multiplier, center=true, gamma_initializer=ones, beta_initializer=zeros)
//   y = multiplier · x · γ + β, per channel of the last axis; γ and β of that size.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { formatSummary, summarize } from '../../../../compiler/summary.js';
import { initNodeBackend } from '../../../../runtime/backends/node.js';
import { initializeWeights } from '../../../../runtime/initializers.js';
import { registerKernel } from '../../../../runtime/kernels.js';
import { Model } from '../../../../runtime/model.js';
import { graphFromJson, graphToJson } from '../../../../src/ir/json.js';
import { attr, defineLayer } from '../../../../src/ir/layers/define.js';
import { LAYER_NAMES, registerLayer } from '../../../../src/ir/layers/index.js';
import { bool, finite, init, initializer } from '../../../../src/ir/layers/paramTypes.js';
import { sameShape } from '../../../../src/ir/layers/shapeRules.js';
import type { Graph } from '../../../../src/ir/types.js';
import { errorsOf, graphOf, modelWith } from '../../../helpers/check.js';

// ---------------------------------------------------------------------------
// The whole layer: its definition and its kernel.

const ScaleShift = defineLayer({
  kind: 'ScaleShift',
  positional: 1,
  attrs: {
    multiplier: attr(finite),
    center: attr(bool, true),
    gamma_initializer: attr(initializer, init('ones')),
    beta_initializer: attr(initializer, init('zeros')),
  },
  inferShape: sameShape,
  variables: [
    { name: 'gamma', shape: (_a, [input]) => [input[input.length - 1] as number], initializer: 'gamma_initializer' },
    { name: 'beta', shape: (_a, [input]) => [input[input.length - 1] as number], when: (a) => a.center, initializer: 'beta_initializer' },
  ],
});

registerLayer(ScaleShift);
registerKernel('ScaleShift', (node, [x], w) => {
  const { multiplier } = node.attrs as unknown as { multiplier: number };
  const y = tf.mul(tf.mul(x, multiplier), w.gamma);
  return w.beta ? tf.add(y, w.beta) : y;
});

// ---------------------------------------------------------------------------

const SOURCE = modelWith([4], 'ScaleShift(2, gamma_initializer=constant(3), beta_initializer=constant(0.5))', 'Dense(2, use_bias=false, kernel_initializer=ones)');

test('the new kind is a layer name: near misses suggest it, and it cannot be defined twice', (t) => {
  t.true(LAYER_NAMES.includes('ScaleShift'));
  // Kinds come before the aliases in the names the front end suggests from.
  t.true(LAYER_NAMES.indexOf('ScaleShift') < LAYER_NAMES.indexOf('MaxPool2D'));
  t.deepEqual(errorsOf(modelWith([4], 'ScaleShif(2)')), [{ message: "unknown layer or block 'ScaleShif'; did you mean 'ScaleShift'?", line: 3, column: 3 }]);
  t.throws(() => registerLayer(ScaleShift), { message: "layer 'ScaleShift' is already defined" });
  t.throws(() => registerLayer({ ...ScaleShift, kind: 'Dense' }), { message: "layer 'Dense' is already defined" });
  t.throws(() => registerKernel('Dense', () => tf.scalar(0)), { message: "op 'Dense' already has a kernel" });
});

test('its arguments are checked from the definition: positional order, types, defaults', (t) => {
  const graph = graphOf(SOURCE);
  const node = graph.nodes[1];
  t.is(node.kind as string, 'ScaleShift');
  t.is(node.name, 'scale_shift'); // Keras's automatic name
  t.deepEqual(node.attrs as unknown, {
    multiplier: 2,
    center: true,
    gamma_initializer: { name: 'constant', args: { value: 3 } },
    beta_initializer: { name: 'constant', args: { value: 0.5 } },
  });
  t.deepEqual(node.shape, [null, 4]);
  t.deepEqual(errorsOf(modelWith([4], 'ScaleShift(center=1)')), [
    { message: "ScaleShift is missing its required argument 'multiplier'", line: 3, column: 3 },
    { message: "argument 'center' of ScaleShift expects true or false, found 1", line: 3, column: 21 },
  ]);
  t.deepEqual(errorsOf(modelWith([4], 'ScaleShift(1, 2)')), [
    { message: 'ScaleShift takes 1 positional argument (multiplier), found 2 as positional argument 2; pass it as key=value', line: 3, column: 17 },
  ]);
});

test('the summary counts its variables: γ and β per channel, β only when centered', (t) => {
  const summary = summarize(graphOf(SOURCE));
  t.deepEqual(
    summary.layers.map((l) => [l.name, l.type, l.params]),
    [
      ['scale_shift', 'ScaleShift', 8],
      ['dense', 'Dense', 8],
    ],
  );
  t.is(summary.totalParams, 16);
  t.is(summary.trainableParams, 16);
  t.regex(formatSummary(summary), /scale_shift \(ScaleShift\) +\(None, 4\) +8/);
  const frozen = summarize(graphOf(modelWith([4], 'ScaleShift(2, center=false, trainable=false)')));
  t.deepEqual([frozen.totalParams, frozen.trainableParams, frozen.nonTrainableParams], [4, 0, 4]);
});

test('initial weights come from the initializer attributes its variables name', (t) => {
  const weights = initializeWeights(graphOf(SOURCE), 7);
  t.deepEqual([...weights.keys()], ['scale_shift/gamma', 'scale_shift/beta', 'dense/kernel']);
  t.deepEqual(Array.from(weights.get('scale_shift/gamma')!.data), [3, 3, 3, 3]);
  t.deepEqual(Array.from(weights.get('scale_shift/beta')!.data), [0.5, 0.5, 0.5, 0.5]);
});

test('it predicts the hand computation', async (t) => {
  t.is(await initNodeBackend('cpu'), 'cpu');
  const graph = graphOf(SOURCE);
  const model = new Model(graph, initializeWeights(graph, 0), 'cpu');
  const x = tf.tensor2d([
    [1, -2, 0.25, 4],
    [0, 0.5, -1, 2],
  ]);
  const y = model.predict(x) as tf.Tensor;
  // By hand: h = 2 · x · 3 + 0.5 per value, then the Dense of ones sums h over the 4
  // channels into both units. Row 1: h = [6.5, -11.5, 2, 24.5], sum 21.5;
  // row 2: h = [0.5, 3.5, -5.5, 12.5], sum 11. Exact: every value is a short binary fraction.
  t.deepEqual(Array.from(await y.data()), [21.5, 21.5, 11, 11]);
  tf.dispose([x, y]);
  model.dispose();
});

test("the bundle's JSON round trip keeps it, and its attributes are checked when read", (t) => {
  const graph = graphOf(SOURCE);
  const json = JSON.parse(JSON.stringify(graphToJson(graph)));
  const back: Graph = graphFromJson(json);
  t.deepEqual(graphToJson(back), graphToJson(graph));
  const bad = JSON.parse(JSON.stringify(json));
  bad.nodes[1].attrs.multiplier = 'two';
  t.throws(() => graphFromJson(bad), { message: `node 1 'scale_shift' (ScaleShift) attribute 'multiplier' must be a finite number, found "two"` });
  delete bad.nodes[1].attrs.multiplier;
  t.throws(() => graphFromJson(bad), { message: `node 1 'scale_shift' (ScaleShift) lacks attribute 'multiplier'` });
});
