// Importing the layers and activations added for issue 17 from a TensorFlow.js model
// written by tfjs-layers itself (in memory: its own save handler's topology, manifest and
// weight bytes): Multiply, Average, Maximum, Minimum, PReLU with shared_axes,
// GlobalMaxPooling2D, and the softsign and mish activations. The imported model must
// predict what tfjs-layers predicts. Keras 3-only spellings (Normalization, Subtract,
// Identity, keepdims, hard_swish) are read from a hand-written Keras 3 config.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { importModel } from '../../../compiler/import/importModel.js';
import { translateLayer } from '../../../src/formats/keras/layers.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { Model } from '../../../runtime/model.js';
import { LAYERS_TOLERANCE, assertMatches } from '../../helpers/models.js';

const text = (s: string) => new TextEncoder().encode(s);

async function tfjsFiles(model: tfl.LayersModel): Promise<Map<string, Uint8Array>> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const data = saved!.weightData as ArrayBuffer;
  const json = { format: 'layers-model', modelTopology: saved!.modelTopology, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: saved!.weightSpecs }] };
  return new Map([
    ['model.json', text(JSON.stringify(json))],
    ['group1-shard1of1.bin', new Uint8Array(data)],
  ]);
}

test('a tfjs-layers model with the new merge layers, PReLU, GlobalMaxPooling2D, softsign and mish imports and predicts the same', async (t) => {
  const backend = await initNodeBackend('cpu');
  const image = tfl.input({ shape: [6, 6, 3], name: 'image' });
  const a = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'softsign', name: 'a', biasInitializer: 'randomNormal' }).apply(image) as tfl.SymbolicTensor;
  const b = tfl.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'mish', name: 'b', biasInitializer: 'randomNormal' }).apply(image) as tfl.SymbolicTensor;
  const m = tfl.layers.multiply({ name: 'm' }).apply([a, b]) as tfl.SymbolicTensor;
  const v = tfl.layers.average({ name: 'v' }).apply([a, b, m]) as tfl.SymbolicTensor;
  const hi = tfl.layers.maximum({ name: 'hi' }).apply([v, m]) as tfl.SymbolicTensor;
  const lo = tfl.layers.minimum({ name: 'lo' }).apply([hi, a]) as tfl.SymbolicTensor;
  const p = tfl.layers.prelu({ sharedAxes: [1, 2], alphaInitializer: tfl.initializers.randomUniform({ minval: 0.1, maxval: 0.9 }), name: 'p' }).apply(lo) as tfl.SymbolicTensor;
  const out = tfl.layers.globalMaxPooling2d({ name: 'pool' }).apply(p) as tfl.SymbolicTensor;
  const reference = tfl.model({ inputs: image, outputs: out });

  const { graph, weights, source } = importModel(await tfjsFiles(reference), 'model.json');
  t.deepEqual(graph.nodes.map((n) => n.kind), ['Input', 'Conv2D', 'Conv2D', 'Multiply', 'Average', 'Maximum', 'Minimum', 'PReLU', 'GlobalMaxPooling2D']);
  t.regex(source, /PReLU\(alpha_initializer=random_uniform\(minval=0.1, maxval=0.9\), shared_axes=\[1, 2\]/);
  t.regex(source, /activation=softsign/);
  t.regex(source, /activation=mish/);
  const x = tf.randomUniform([3, 6, 6, 3], -2, 2, 'float32', 5);
  const ours = new Model(graph, weights, backend).predict(x) as tf.Tensor;
  const theirs = reference.predict(x) as tf.Tensor;
  assertMatches(t, ours, theirs, LAYERS_TOLERANCE);
});

test('Keras 3 configs of Normalization, Subtract, Identity, keepdims poolings and hard_swish translate to the same arguments', (t) => {
  const keras3 = (className: string, config: object) => translateLayer('l', className, 'keras.layers', null, { name: 'l', trainable: true, dtype: 'float32', ...config });
  t.deepEqual(keras3('Normalization', { axis: [-1], invert: false, mean: null, variance: null }), { kind: 'Normalization', args: { axis: [-1], invert: false, mean: null, variance: null }, notes: [] });
  t.deepEqual(keras3('Normalization', { axis: [], invert: true, mean: null, variance: null }), { kind: 'Normalization', args: { axis: [], invert: true, mean: null, variance: null }, notes: [] });
  // Constant mean= and variance= (Keras 3 writes np.array(...).tolist()): read as written.
  t.deepEqual(keras3('Normalization', { axis: [-1], invert: false, mean: [1, 2], variance: [1, 1] }), { kind: 'Normalization', args: { axis: [-1], invert: false, mean: [1, 2], variance: [1, 1] }, notes: [] });
  t.deepEqual(keras3('Normalization', { axis: [-1], invert: false, mean: 3.5, variance: 2 }), { kind: 'Normalization', args: { axis: [-1], invert: false, mean: 3.5, variance: 2 }, notes: [] });
  t.deepEqual(keras3('Subtract', {}), { kind: 'Subtract', args: {}, notes: [] });
  t.deepEqual(keras3('Identity', {}), { kind: 'Identity', args: {}, notes: [] });
  t.deepEqual(keras3('GlobalAveragePooling2D', { data_format: 'channels_last', keepdims: true }), { kind: 'GlobalAveragePooling2D', args: { keepdims: true }, notes: [] });
  t.deepEqual(keras3('GlobalMaxPooling2D', { data_format: 'channels_last', keepdims: false }), { kind: 'GlobalMaxPooling2D', args: { keepdims: false }, notes: [] });
  t.deepEqual(keras3('Activation', { activation: 'hard_swish' }), { kind: 'Activation', args: { activation: 'hard_swish' }, notes: [] });
  t.deepEqual(keras3('Activation', { activation: 'hard_sigmoid' }), { kind: 'Activation', args: { activation: 'hard_sigmoid' }, notes: [] });
  t.deepEqual(keras3('Dense', { units: 2, activation: 'hard_silu' }), { kind: 'Dense', args: { units: 2, activation: 'hard_silu' }, notes: [] });
});
