// LayerNormalization, Permute and Cropping2D written by tfjs-layers itself (model.json
// and weights, saved in memory) import through the Keras translators and predict what
// tfjs-layers predicts.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { importModel } from '../../../compiler/import/importModel.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { Model } from '../../../runtime/model.js';
import { LAYERS_TOLERANCE, assertMatches } from '../../helpers/models.js';

test('a tfjs-layers model with Cropping2D, Permute and LayerNormalization imports and predicts the same', async (t) => {
  await initNodeBackend('cpu');
  const input = tfl.input({ shape: [6, 5, 2] });
  let y = tfl.layers.cropping2D({ cropping: [[1, 0], [0, 2]] }).apply(input) as tfl.SymbolicTensor;
  y = tfl.layers.permute({ dims: [2, 1, 3] }).apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.layerNormalization({ axis: [1, 3], epsilon: 0.01, gammaInitializer: 'randomNormal', betaInitializer: 'randomNormal' }).apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.flatten().apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.dense({ units: 3 }).apply(y) as tfl.SymbolicTensor;
  const reference = tfl.model({ inputs: input, outputs: y });
  let artifacts: tf.io.ModelArtifacts | undefined;
  await reference.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const modelJson = { modelTopology: artifacts!.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['weights.bin'], weights: artifacts!.weightSpecs }] };
  const files = new Map([
    ['model.json', new TextEncoder().encode(JSON.stringify(modelJson))],
    ['weights.bin', new Uint8Array(artifacts!.weightData as ArrayBuffer)],
  ]);
  const { graph, weights } = importModel(files, 'model.json');
  t.deepEqual(graph.nodes.map((n) => n.kind), ['Input', 'Cropping2D', 'Permute', 'LayerNormalization', 'Flatten', 'Dense']);
  const ln = graph.nodes[3];
  t.deepEqual([ln.kind === 'LayerNormalization' && ln.attrs.axis, ln.kind === 'LayerNormalization' && ln.attrs.epsilon], [[1, 3], 0.01]);
  const x = tf.randomNormal([4, 6, 5, 2], 0, 1, 'float32', 3);
  const ours = new Model(graph, weights, 'cpu').predict(x) as tf.Tensor;
  assertMatches(t, ours, reference.predict(x) as tf.Tensor, LAYERS_TOLERANCE);
});
