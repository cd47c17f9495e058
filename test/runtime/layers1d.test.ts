// The 1-D layers (Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D,
// GlobalMaxPooling1D) against tfjs-layers built with the same weights, in inference and
// in training mode; what tfjs-layers lacks (Conv1D's causal padding, the global
// poolings' keepdims) against Keras's definition computed another way.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { registerGradients } from '../../runtime/backends/gradients.js';
import { initNodeBackend } from '../../runtime/backends/node.js';
import { Model } from '../../runtime/model.js';
import { LAYERS_TOLERANCE, assertMatches, graphOf, hostMaxAbsDiff, maxAbsDiff, randomInput, randomizedWeights } from '../helpers/models.js';
import { assertMatchesTfjsLayers, buildTfjsLayersModel } from '../helpers/tfjsLayers.js';
import { sgdBesideTfjsLayers } from '../helpers/sgdReference.js';

const MODELS: Record<string, string> = {
  // Strided and dilated convolutions with and without bias, both paddings, max pooling with
  // padding=same (a partial last window), global max pooling.
  convolutions: `model M {
  input x: [23, 3]
  Conv1D(8, 5, strides=2, activation=relu)
  BatchNormalization
  Conv1D(6, [3], padding=same, dilation_rate=2, use_bias=false)
  MaxPooling1D(3, strides=2, padding=same)
  Conv1D(4, 1, activation=tanh)
  GlobalMaxPooling1D
}
`,
  // Average pooling (valid, default strides = pool_size, a step left over), the aliases,
  // global average pooling into a Dense: the time-series classifier's top.
  poolings: `model M {
  input x: [21, 4]
  Conv1D(5, 2, padding=same)
  AvgPool1D(2)
  AveragePooling1D(3, strides=1, padding=same)
  MaxPool1D(pool_size=[2], strides=[1])
  GlobalAveragePooling1D
  Dense(3, activation=softmax)
}
`,
};

for (const backend of ['wasm', 'cpu'] as const) {
  for (const [name, source] of Object.entries(MODELS)) {
    test.serial(`${name}: inference equals tfjs-layers on ${backend}`, async (t) => {
      t.is(await initNodeBackend(backend), backend);
      const graph = graphOf(source);
      assertMatchesTfjsLayers(t, graph, randomizedWeights(graph, 7), { backend, x: 3 });
    });
  }
}

test.serial('convolutions: training-mode forward equals tfjs-layers (the Conv1D kernels through tf.fused.conv2d)', async (t) => {
  await initNodeBackend('wasm');
  const graph = graphOf(MODELS.convolutions);
  const weights = randomizedWeights(graph, 7);
  const model = new Model(graph, weights, 'wasm');
  const reference = buildTfjsLayersModel(graph, weights);
  const x = randomInput(graph, 8, 5);
  const ours = model.predict(x, { training: true }) as tf.Tensor;
  const theirs = reference.apply(x, { training: true }) as tf.Tensor;
  assertMatches(t, ours, theirs, LAYERS_TOLERANCE);
  tf.dispose([x, ours, theirs]);
  model.dispose();
  reference.dispose();
});

test.serial('Conv1D padding=causal is Keras\'s: (k − 1)·dilation zeros before the first step, then valid (tfjs-layers on the padded input)', async (t) => {
  await initNodeBackend('wasm');
  // tfjs-layers refuses causal padding, so the reference is its valid Conv1D fed the
  // input padded by hand, as Keras's Conv1D.call does: pad (3 − 1)·2 = 4 steps on the left.
  const graph = graphOf('model M {\n  input x: [9, 2]\n  Conv1D(3, 3, padding=causal, dilation_rate=2, activation=relu)\n}\n');
  t.deepEqual(graph.nodes[1].shape, [null, 9, 3]);
  const weights = randomizedWeights(graph, 3);
  const model = new Model(graph, weights, 'wasm');
  const input = tfl.input({ shape: [13, 2] });
  const layer = tfl.layers.conv1d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'valid', activation: 'relu' });
  const reference = tfl.model({ inputs: input, outputs: layer.apply(input) as ReturnType<typeof tfl.input> });
  layer.setWeights(['kernel', 'bias'].map((v) => tf.tensor(new Float32Array(weights.get(`conv1d/${v}`)!.data), [...weights.get(`conv1d/${v}`)!.shape])));
  const x = randomInput(graph, 2, 9);
  const ours = model.predict(x) as tf.Tensor;
  const padded = tf.pad(x, [[0, 0], [4, 0], [0, 0]]);
  const theirs = reference.predict(padded) as tf.Tensor;
  assertMatches(t, ours, theirs, LAYERS_TOLERANCE);
  // Causality: changing the last step changes only the last output step.
  const later = tf.concat([tf.slice(x, [0, 0, 0], [2, 8, 2]), tf.fill([2, 1, 2], 5)], 1);
  const changed = model.predict(later) as tf.Tensor;
  t.is(maxAbsDiff(tf.slice(changed, [0, 0, 0], [2, 8, 3]), tf.slice(ours, [0, 0, 0], [2, 8, 3])), 0);
  t.true(maxAbsDiff(changed, ours) > 0.1);
  tf.dispose([x, ours, padded, theirs, later, changed]);
  model.dispose();
  reference.dispose();
});

test.serial('GlobalAveragePooling1D and GlobalMaxPooling1D with keepdims=true: [batch, 1, channels], by hand', async (t) => {
  await initNodeBackend('wasm');
  const source = (kind: string) => `model M {\n  input x: [3, 2]\n  ${kind}(keepdims=true)\n}\n`;
  // Steps (1, −2), (4, 0.5), (−3, 6): mean (2/3, 1.5), max (4, 6).
  const x = tf.tensor3d([[[1, -2], [4, 0.5], [-3, 6]]]);
  for (const [kind, expected] of [['GlobalAveragePooling1D', [2 / 3, 1.5]], ['GlobalMaxPooling1D', [4, 6]]] as const) {
    const graph = graphOf(source(kind));
    t.deepEqual(graph.nodes[1].shape, [null, 1, 2], kind);
    const model = new Model(graph, new Map(), 'wasm');
    const y = model.predict(x) as tf.Tensor;
    t.deepEqual(y.shape, [1, 1, 2], kind);
    const values = [...y.dataSync()];
    t.true(Math.abs(values[0] - expected[0]) < 1e-7 && values[1] === expected[1], `${kind}: ${values}`);
    y.dispose();
    model.dispose();
  }
  x.dispose();
});

test.serial('Conv1D groups: each group of input channels through its own filters (tfjs-layers, one Conv1D per group, outputs concatenated)', async (t) => {
  // tfjs-layers has no groups: the reference runs group j's input channels
  // [2j, 2j + 2) through a Conv1D holding kernel[:, :, 3j : 3j + 3] and bias[3j : 3j + 3],
  // which is Keras's (and TensorFlow's feature_group_count) definition.
  for (const training of [false, true]) {
    await initNodeBackend('wasm');
    const graph = graphOf('model M {\n  input x: [11, 6]\n  Conv1D(9, 3, strides=2, groups=3, activation=elu)\n}\n');
    const weights = randomizedWeights(graph, 4);
    const model = new Model(graph, weights, 'wasm');
    const kernel = weights.get('conv1d/kernel')!;
    t.deepEqual(kernel.shape, [3, 2, 9]);
    const bias = weights.get('conv1d/bias')!;
    const x = randomInput(graph, 2, 6);
    const parts = [0, 1, 2].map((j) => {
      const input = tfl.input({ shape: [11, 2] });
      const layer = tfl.layers.conv1d({ filters: 3, kernelSize: 3, strides: 2, activation: 'elu' });
      const reference = tfl.model({ inputs: input, outputs: layer.apply(input) as ReturnType<typeof tfl.input> });
      const groupKernel = tf.slice(tf.tensor(new Float32Array(kernel.data), [3, 2, 9]), [0, 0, 3 * j], [3, 2, 3]);
      layer.setWeights([groupKernel, tf.tensor(new Float32Array(bias.data).slice(3 * j, 3 * j + 3))]);
      const y = reference.predict(tf.slice(x, [0, 0, 2 * j], [2, 11, 2])) as tf.Tensor;
      reference.dispose();
      return y;
    });
    const theirs = tf.concat(parts, 2);
    const ours = model.predict(x, { training }) as tf.Tensor;
    assertMatches(t, ours, theirs, LAYERS_TOLERANCE, training ? 'training' : 'inference');
    tf.dispose([x, ours, theirs, ...parts]);
    model.dispose();
  }
});

test.serial('three SGD steps through every 1-D layer give tfjs-layers\' trainOnBatch weights, losses and moving statistics', async (t) => {
  // tfjs's wasm backend has no convolution gradients (Conv2DBackpropFilter); cpu has.
  await initNodeBackend('cpu');
  await registerGradients();
  const graph = graphOf(`model M {
  input x: [16, 2]
  Conv1D(4, 3, padding=same) -> BatchNormalization -> ReLU -> MaxPooling1D(3, strides=2, padding=same)
  Conv1D(4, 2, strides=2, activation=tanh) -> AveragePooling1D(2, strides=1)
  GlobalAveragePooling1D
  Dense(3, activation=softmax)
}
`);
  const weights = randomizedWeights(graph, 8);
  const { after, checked } = await sgdBesideTfjsLayers(t, graph, weights, { backend: 'cpu', learningRate: 0.1, steps: 3, batchSize: 8, firstSeed: 40, label: (k, i) => (k + i) % 3 });
  // conv1d kernel, bias; BN gamma, beta, moving mean, variance; conv1d_1 kernel, bias; dense kernel, bias.
  t.is(checked, 10);
  t.true(hostMaxAbsDiff(after.get('conv1d/kernel')!.data, weights.get('conv1d/kernel')!.data) > 1e-4, 'the weights moved');
  t.true(hostMaxAbsDiff(after.get('conv1d_1/kernel')!.data, weights.get('conv1d_1/kernel')!.data) > 1e-4, 'the weights moved');
});
