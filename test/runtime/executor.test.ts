// nnc's executor against an independent implementation: the same graphs built in
// @tensorflow/tfjs-layers with the same weights must predict the same numbers.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../../runtime/backends/node.js';
import { Model } from '../../runtime/model.js';
import { EXAMPLES, LAYERS_TOLERANCE, exampleGraph, maxAbsDiff, randomInput, randomizedWeights } from '../helpers/models.js';
import { assertMatchesTfjsLayers, buildTfjsLayersModel } from '../helpers/tfjsLayers.js';

for (const backend of ['wasm', 'cpu'] as const) {
  for (const example of EXAMPLES) {
    test.serial(`${example}: inference equals tfjs-layers on ${backend}`, async (t) => {
      t.is(await initNodeBackend(backend), backend);
      const graph = exampleGraph(example);
      assertMatchesTfjsLayers(t, graph, randomizedWeights(graph), { backend, x: 4 });
    });
  }
}

for (const example of ['geron', 'geron_bn_before_activation', 'tiny_resnet'] as const) {
  test.serial(`${example}: training-mode forward and moving statistics equal tfjs-layers`, async (t) => {
    await initNodeBackend('wasm');
    const graph = exampleGraph(example);
    const weights = randomizedWeights(graph);
    const model = new Model(graph, weights, 'wasm');
    const reference = buildTfjsLayersModel(graph, weights);
    for (let step = 0; step < 3; step++) {
      const x = randomInput(graph, 8, 10 + step);
      const ours = model.predict(x, { training: true }) as tf.Tensor;
      const theirs = reference.apply(x, { training: true }) as tf.Tensor;
      t.true(maxAbsDiff(ours, theirs) <= LAYERS_TOLERANCE, `step ${step}: max abs diff ${maxAbsDiff(ours, theirs)}`);
      tf.dispose([x, ours, theirs]);
    }
    const ourWeights = await model.getWeights();
    for (const layer of reference.layers) {
      for (const w of layer.weights) {
        const variable = w.name.split('/').pop()!.replace(/_\d+$/, '');
        if (!variable.startsWith('moving_')) continue;
        const ours = ourWeights.get(`${layer.name}/${variable}`)!;
        const theirs = w.read().dataSync();
        let diff = 0;
        for (let i = 0; i < theirs.length; i++) diff = Math.max(diff, Math.abs(theirs[i] - ours.data[i]));
        t.true(diff <= LAYERS_TOLERANCE, `${layer.name}/${variable}: max abs diff ${diff}`);
      }
    }
    model.dispose();
    reference.dispose();
  });
}

test.serial('1,000 predicts leave the tensor count unchanged, and dispose frees every tensor the model owns', async (t) => {
  await initNodeBackend('wasm');
  const before = tf.memory().numTensors;
  const graph = exampleGraph('tiny_resnet');
  const model = new Model(graph, randomizedWeights(graph), 'wasm');
  const x = randomInput(graph, 1);
  const warm = model.predict(x) as tf.Tensor;
  warm.dispose();
  const steady = tf.memory().numTensors;
  for (let i = 0; i < 1000; i++) (model.predict(x) as tf.Tensor).dispose();
  t.is(tf.memory().numTensors, steady);
  for (let i = 0; i < 20; i++) (model.predict(x, { training: true }) as tf.Tensor).dispose();
  t.is(tf.memory().numTensors, steady);
  model.dispose();
  x.dispose();
  t.is(tf.memory().numTensors, before);
});

test.serial('inputs of the wrong shape, count or dtype are rejected with the expected shape', async (t) => {
  await initNodeBackend('wasm');
  const graph = exampleGraph('geron');
  const model = new Model(graph, randomizedWeights(graph), 'wasm');
  const flat = tf.zeros([2, 784]);
  t.throws(() => model.predict(flat), { message: "input 'pixels' expects shape [None, 28, 28], got [2, 784]" });
  const ints = tf.zeros([2, 28, 28], 'int32');
  t.throws(() => model.predict(ints), { message: "input 'pixels' must be float32, got int32" });
  t.throws(() => model.predict([flat, flat]), { message: "model 'FashionMLP' takes 1 input (pixels), got 2" });
  tf.dispose([flat, ints]);
  model.dispose();
});

test.serial('weights that do not fit are reported all at once: missing, unexpected, wrong shape', async (t) => {
  await initNodeBackend('wasm');
  const graph = exampleGraph('geron');
  const weights = randomizedWeights(graph);
  weights.delete('dense/bias');
  weights.set('dense_1/kernel', { shape: [100, 300], data: new Float32Array(30000) });
  weights.set('dense_9/kernel', { shape: [1], data: new Float32Array(1) });
  const error = t.throws(() => new Model(graph, weights, 'wasm'));
  t.regex(error!.message, /the weights does not fit model 'FashionMLP' \(3 problems\)/);
  t.regex(error!.message, /missing weight 'dense\/bias' \(expected shape \[300\]\)/);
  t.regex(error!.message, /weight 'dense_1\/kernel' has shape \[100, 300\], expected \[300, 100\]/);
  t.regex(error!.message, /unexpected weight 'dense_9\/kernel'/);
});
