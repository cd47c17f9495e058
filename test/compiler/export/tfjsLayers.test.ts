// The TensorFlow.js layers export is checked by tfjs-layers itself: its `loadLayersModel`
// reads the exported model.json and shards (through an IOHandler over the bytes written)
// and must predict what nnc predicts for the same input — every example, and random
// stacks of the layers the export knows. A float16 export is compared with nnc run on the
// float16-rounded weights.

import test from 'ava';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { exportTfjs } from '../../../compiler/export/tfjsModel.js';
import { importModel } from '../../../compiler/import/importModel.js';
import { checkSource, modelGraph } from '../../../src/driver/index.js';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../../src/formats/float16.js';
import type { HostTensor } from '../../../src/ir/tensors.js';
import type { Graph } from '../../../src/ir/types.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { Model } from '../../../runtime/model.js';
import { nncErrorMessage } from '../../helpers/check.js';
import { EXAMPLES, LAYERS_TOLERANCE, assertMatches, exampleGraph, graphOf, maxAbsDiff, randomizedWeights } from '../../helpers/models.js';
import { tfjsLayersModel } from '../../helpers/tfjsFixtures.js';
import { buildTfjsLayersModel } from '../../helpers/tfjsLayers.js';

/** tfjs-layers' loader (tfjsLayersModel) on the exported bytes: model.json as the text a file would carry, the shards by name. */
async function loadExport(graph: Graph, weights: Map<string, HostTensor>, dtype: 'float32' | 'float16' = 'float32'): Promise<tfl.LayersModel> {
  const { modelJson, shards } = exportTfjs(graph, weights, { dtype, generator: 'nnc test' });
  return tfjsLayersModel(new Map([['model.json', new TextEncoder().encode(JSON.stringify(modelJson))], ...shards.map((s) => [s.name, s.bytes] as const)]));
}

function inputsFor(graph: Graph, batch: number, seed: number): tf.Tensor[] {
  return graph.inputs.map((id, i) => tf.randomNormal([batch, ...(graph.nodes[id].shape.slice(1) as number[])], 0, 1, 'float32', seed + i));
}

async function compare(t: import('ava').ExecutionContext, graph: Graph, weights: Map<string, HostTensor>, label: string): Promise<void> {
  const backend = await initNodeBackend('cpu');
  const reference = await loadExport(graph, weights);
  const inputs = inputsFor(graph, 3, 11);
  const ours = [new Model(graph, weights, backend).predict(inputs)].flat();
  const theirs = [reference.predict(inputs.length === 1 ? inputs[0] : inputs)].flat();
  t.is(theirs.length, ours.length);
  // LAYERS_TOLERANCE (1e-5): the same float32 weights on the same tfjs kernels, in another order.
  ours.forEach((o, i) => assertMatches(t, o, theirs[i], LAYERS_TOLERANCE, `${label} output ${i}`));
}

for (const name of EXAMPLES) {
  test(`examples/${name}.nn: tfjs-layers loads the export and predicts what nnc predicts`, async (t) => {
    const graph = exampleGraph(name);
    await compare(t, graph, randomizedWeights(graph, 5), name);
  });
}

test('a Keras Functional with two inputs, two outputs and a Concatenate: tfjs-layers predicts what nnc predicts', async (t) => {
  const bytes = new Uint8Array(readFileSync(new URL('../../fixtures/keras/functional-two-io.keras', import.meta.url)));
  const { graph, weights } = importModel(new Map([['functional-two-io.keras', bytes]]));
  t.deepEqual([graph.inputs.length, graph.outputs.length], [2, 2]);
  t.true(graph.nodes.some((n) => n.kind === 'Concatenate'));
  await compare(t, graph, weights, 'functional-two-io');
});

test('float16 shards: tfjs-layers predicts what nnc predicts on the float16-rounded weights', async (t) => {
  const graph = exampleGraph('tiny_resnet');
  const weights = randomizedWeights(graph, 6);
  const rounded = new Map([...weights].map(([k, v]) => [k, { shape: v.shape, data: Float32Array.from(v.data, (x) => float16BitsToFloat32(float32ToFloat16Bits(x))) }]));
  const backend = await initNodeBackend('cpu');
  const reference = await loadExport(graph, weights, 'float16');
  const input = inputsFor(graph, 2, 4)[0];
  assertMatches(t, new Model(graph, rounded, backend).predict(input) as tf.Tensor, reference.predict(input) as tf.Tensor, LAYERS_TOLERANCE);
  // The shards are half the float32 size.
  const sizes = (dtype: 'float32' | 'float16') => exportTfjs(graph, weights, { dtype, generator: 'nnc test' }).shards.reduce((n, s) => n + s.bytes.length, 0);
  t.is(sizes('float16') * 2, sizes('float32'));
});

/** Layer calls the export knows, shaped to fit an image input most of the time. */
const imageLayer = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom('valid', 'same'), fc.constantFrom('relu', 'linear', 'tanh', 'sigmoid', 'elu')).map(([f, k, p, a]) => `Conv2D(${f}, ${k}, padding=${p}, activation=${a})`),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.constantFrom(1, 2)).map(([k, m, s]) => `DepthwiseConv2D(${k}, depth_multiplier=${m}, strides=${s}, padding=same)`),
  fc.constantFrom('MaxPooling2D(2, padding=same)', 'AveragePooling2D(2, strides=1)', 'ZeroPadding2D([[1, 0], [0, 2]])', 'BatchNormalization()', 'BatchNormalization(center=false, scale=false)', 'ReLU(max_value=6)', 'LeakyReLU(negative_slope=0.1)', 'ELU()', 'Softmax()', 'Dropout(0.3)', 'Rescaling(0.5, offset=0.1)', 'Activation(softplus)'),
);
const headLayer = fc.constantFrom('Flatten\n  Dense(5, activation=softmax)', 'GlobalAveragePooling2D\n  Dense(3, use_bias=false, kernel_regularizer=l2(0.01))', 'Flatten\n  Reshape([-1, 2])\n  Dense(4)', 'GlobalAveragePooling2D');
const randomStack = fc
  .tuple(fc.integer({ min: 4, max: 9 }), fc.integer({ min: 1, max: 3 }), fc.array(imageLayer, { minLength: 1, maxLength: 5 }), headLayer)
  .map(([size, channels, layers, head]) => `model M {\n  input x: [${size}, ${size}, ${channels}]\n${layers.map((l) => `  ${l}`).join('\n')}\n  ${head}\n}\n`);

test('random stacks: tfjs-layers predicts what nnc predicts from the export', async (t) => {
  const samples = fc.sample(randomStack, { numRuns: 40, seed: 16 });
  let compared = 0;
  for (const [i, text] of samples.entries()) {
    const checked = checkSource(text);
    if (checked.diagnostics.some((d) => d.severity === 'error')) continue;
    const graph = modelGraph(checked, 'M', '');
    await compare(t, graph, randomizedWeights(graph, i + 1), `stack ${i}:\n${text}`);
    compared++;
  }
  t.true(compared >= 20, `only ${compared} of 40 random stacks checked clean`);
  t.log(`${compared} of 40 random stacks compared`);
});

test('BatchNormalization on another axis than the last is refused by name: tfjs-layers computes it wrongly', async (t) => {
  const graph = graphOf('model M {\n  input x: [3, 4, 2]\n  BatchNormalization(axis=1, name=bn_rows)\n}\n');
  const weights = randomizedWeights(graph, 3);
  t.is(nncErrorMessage(() => exportTfjs(graph, weights, { generator: 'nnc test' })), "layer 'bn_rows' (BatchNormalization): tfjs-layers normalizes only the last axis correctly (axis=1 here)");
  // Why: tfjs-layers' own layer, built with the same weights, against a float64 hand computation.
  const input = tf.randomNormal([1, 3, 4, 2], 0, 1, 'float32', 1);
  const x = input.dataSync();
  const [gamma, beta, mean, variance] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((v) => weights.get(`bn_rows/${v}`)!.data);
  const expected = Float32Array.from(x, (v, k) => {
    const row = Math.floor(k / 8);
    return ((v - mean[row]) / Math.sqrt(variance[row] + 0.001)) * gamma[row] + beta[row];
  });
  const backend = await initNodeBackend('cpu');
  t.true(maxAbsDiff(new Model(graph, weights, backend).predict(input) as tf.Tensor, tf.tensor(expected, [1, 3, 4, 2])) < 1e-6);
  t.true(maxAbsDiff(buildTfjsLayersModel(graph, weights).predict(input) as tf.Tensor, tf.tensor(expected, [1, 3, 4, 2])) > 0.1);
});

test('Keras 3 arguments tfjs-layers lacks are refused by name (LayerNormalization rms_scaling, Conv2DTranspose output_padding and dilation_rate)', (t) => {
  const graph = graphOf('model M {\n  input x: [6]\n  LayerNormalization(rms_scaling=true, name=rms)\n}\n');
  t.is(nncErrorMessage(() => exportTfjs(graph, randomizedWeights(graph, 3), { generator: 'nnc test' })), "layer 'rms' (LayerNormalization): tfjs-layers has no rms_scaling (here true)");
  const up = graphOf('model M {\n  input x: [4, 4, 2]\n  Conv2DTranspose(3, 3, strides=2, output_padding=1, name=padded)\n  Conv2DTranspose(3, 3, dilation_rate=2, name=dilated)\n  Conv2DTranspose(3, 3, strides=2, name=plain)\n}\n');
  t.is(
    nncErrorMessage(() => exportTfjs(up, randomizedWeights(up, 3), { generator: 'nnc test' })),
    ["layer 'padded' (Conv2DTranspose): tfjs-layers' Conv2DTranspose has no output_padding (here [1,1])", "layer 'dilated' (Conv2DTranspose): tfjs-layers' Conv2DTranspose has no dilation_rate (here [2,2])"].join('\n\n'),
  );
});

test('the reference is not trivially met: a wrong export (a weight scaled) is caught', async (t) => {
  const graph = exampleGraph('geron');
  const weights = randomizedWeights(graph, 5);
  const backend = await initNodeBackend('cpu');
  const key = [...weights.keys()].find((k) => k.endsWith('/kernel'))!;
  const wrong = new Map(weights);
  wrong.set(key, { shape: weights.get(key)!.shape, data: Float32Array.from(weights.get(key)!.data, (x) => x * 1.01) });
  const reference = await loadExport(graph, wrong);
  const input = inputsFor(graph, 3, 11)[0];
  const diff = tf.max(tf.abs(tf.sub(new Model(graph, weights, backend).predict(input) as tf.Tensor, reference.predict(input) as tf.Tensor))).dataSync()[0];
  t.true(diff > LAYERS_TOLERANCE * 10, `diff ${diff}`);
});
