// Keras configs of the new convolutions, as tfjs-layers itself writes them (a model built
// and saved in memory by @tensorflow/tfjs-layers): SeparableConv2D, Conv2DTranspose and
// UpSampling2D import, and the imported model predicts what tfjs-layers predicts.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { importModel } from '../../../compiler/import/importModel.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { Model } from '../../../runtime/model.js';
import { LAYERS_TOLERANCE, assertMatches } from '../../helpers/models.js';

/** model.json and one shard, as tfjs-layers' `save` hands them to an IO handler. */
async function saved(model: tfl.LayersModel): Promise<Map<string, Uint8Array>> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const json = { format: 'layers-model', modelTopology: artifacts!.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts!.weightSpecs }] };
  return new Map([
    ['model.json', new TextEncoder().encode(JSON.stringify(json))],
    ['weights.bin', new Uint8Array(artifacts!.weightData as ArrayBuffer)],
  ]);
}

test('SeparableConv2D, Conv2DTranspose and UpSampling2D written by tfjs-layers import and predict the same', async (t) => {
  await initNodeBackend('cpu');
  // depth_multiplier stays 1: tfjs-layers 4.22's SeparableConv2D leaves it out of the
  // config it writes (Keras writes it), so a file it saves with another one cannot be read.
  const input = tfl.input({ shape: [6, 6, 3] });
  let x = tfl.layers.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', biasInitializer: 'randomNormal' }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.conv2dTranspose({ filters: 5, kernelSize: 3, strides: 2, biasInitializer: 'randomNormal' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.upSampling2d({ size: [2, 1] }).apply(x) as tfl.SymbolicTensor;
  const reference = tfl.model({ inputs: input, outputs: x });
  const { graph, weights } = importModel(await saved(reference), 'model.json');
  t.deepEqual(graph.nodes.map((n) => n.kind), ['Input', 'SeparableConv2D', 'Conv2DTranspose', 'UpSampling2D']);
  t.deepEqual(graph.nodes[graph.outputs[0]].shape, [null, 26, 13, 5]); // 6·2 + 1 = 13, then ×2 rows
  const image = tf.randomUniform([2, 6, 6, 3], -1, 1, 'float32', 5);
  const ours = new Model(graph, weights, 'cpu').predict(image) as tf.Tensor;
  const theirs = reference.predict(image) as tf.Tensor;
  // LAYERS_TOLERANCE (1e-5): the same float32 weights on the same tfjs kernels.
  assertMatches(t, ours, theirs, LAYERS_TOLERANCE);
});
