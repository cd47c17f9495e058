// Issue 20, class 2, in the runtime and the API: non-finite inputs refused with where,
// weights checked by meaning (finite; a moving variance ≥ 0), inputs of different batch
// sizes refused, bundle attributes held to the language's ranges.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { compile } from '../../src/api.js';
import { graphFromJson, graphToJson } from '../../src/ir/json.js';
import { initNodeBackend } from '../../runtime/backends/node.js';
import { createLoadedModel } from '../../runtime/bundle/loadedModel.js';
import { makeBundle } from '../../runtime/bundle/write.js';
import { initializeWeights } from '../../runtime/initializers.js';
import { Model } from '../../runtime/model.js';
import { nncErrorMessage } from '../helpers/check.js';
import { graphOf } from '../helpers/models.js';

const BN = 'model B {\n  input x: [2, 3]\n  Dense(4)\n  BatchNormalization\n}\n';
const TWO_INPUTS = 'model Pair {\n  input a: [3]\n  input b: [3]\n  (a, b) -> Add\n}\n';

test.before(async () => {
  await initNodeBackend('wasm');
});

test("the API's predict refuses NaN and ±Infinity in host inputs, naming the input and the first bad element", async (t) => {
  const model = await compile(BN);
  const before = tf.memory().numTensors;
  const data = new Float32Array(12);
  data[7] = Number.NaN;
  data[9] = Infinity;
  await t.throwsAsync(model.predictHost({ shape: [2, 2, 3], data }), { message: "input 'x' holds NaN at index 7 (element [1, 0, 1]); inputs must be finite numbers" });
  data[7] = 0;
  t.throws(() => model.predict({ shape: [2, 2, 3], data }), { message: "input 'x' holds Infinity at index 9 (element [1, 1, 0]); inputs must be finite numbers" });
  t.is(tf.memory().numTensors, before, 'refused before any tensor is made');
  model.dispose();
});

test("a bundle's predict refuses a NaN input the same way", async (t) => {
  const graph = graphOf(BN);
  const files = await makeBundle(graph, initializeWeights(graph, 0));
  const loaded = createLoadedModel(graph, initializeWeights(graph, 0), 'wasm', files.manifest);
  const x = new Float32Array(6);
  x[4] = -Infinity;
  await t.throwsAsync(loaded.predict(x), { message: "input 'x' holds -Infinity at index 4 (element [0, 1, 1]); inputs must be finite numbers" });
  loaded.dispose();
});

test('weights are checked by meaning: non-finite values and negative moving variances are refused', (t) => {
  const graph = graphOf(BN);
  const weights = initializeWeights(graph, 0);
  const variance = Float32Array.from([1, 1, -0.5, 1]);
  weights.set('batch_normalization/moving_variance', { shape: [4], data: variance });
  const kernel = new Float32Array(12);
  kernel[5] = Number.NaN;
  weights.set('dense/kernel', { shape: [3, 4], data: kernel });
  t.is(
    nncErrorMessage(() => new Model(graph, weights, 'wasm', { weightsName: 'w.safetensors' })),
    "w.safetensors does not fit model 'B' (2 problems):\n  weight 'dense/kernel' holds NaN at index 5 (element [1, 1]); weights must be finite\n  weight 'batch_normalization/moving_variance' holds -0.5 at index 2; a moving variance must be ≥ 0",
  );
});

test('inputs of a multi-input model with different batch sizes get a clear message, not broadcasting', async (t) => {
  const model = await compile(TWO_INPUTS);
  const a = { shape: [2, 3], data: new Float32Array(6) };
  const b = { shape: [1, 3], data: new Float32Array(3) };
  t.throws(() => model.predict([a, b]), { message: "the inputs of model 'Pair' have different batch sizes: 'a' has 2 examples, 'b' has 1; every input needs one row per example" });
  model.dispose();
});

test("a bundle's attributes are held to the language's ranges", (t) => {
  const graph = graphOf('model R {\n  input x: [4]\n  BatchNormalization\n  Dropout(0.5)\n  LeakyReLU\n}\n');
  const edited = (node: number, key: string, value: unknown) => {
    const json = structuredClone(graphToJson(graph)) as unknown as { nodes: { attrs: Record<string, unknown> }[] };
    json.nodes[node].attrs[key] = value;
    return () => graphFromJson(json);
  };
  t.throws(edited(1, 'epsilon', 0), { message: "node 1 'batch_normalization' (BatchNormalization) attribute 'epsilon' must be a positive number (finite), found 0" });
  t.throws(edited(1, 'momentum', 1.5), { message: "node 1 'batch_normalization' (BatchNormalization) attribute 'momentum' must be a number in [0, 1] (finite), found 1.5" });
  t.throws(edited(2, 'rate', 1), { message: "node 2 'dropout' (Dropout) attribute 'rate' must be a number in [0, 1) (finite), found 1" });
  t.throws(edited(3, 'negative_slope', -1), { message: "node 3 'leaky_re_lu' (LeakyReLU) attribute 'negative_slope' must be a non-negative number (finite), found -1" });
  t.notThrows(() => graphFromJson(graphToJson(graph)));
});
