// The 1-D layers through the TensorFlow.js importer: a model that tfjs-layers itself
// builds and saves (model.json and one weight shard, written by its own save handler)
// imports to Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D and
// GlobalMaxPooling1D, and predicts what tfjs-layers predicts.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { importModel } from '../../../compiler/import/importModel.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { Model } from '../../../runtime/model.js';
import { LAYERS_TOLERANCE, assertMatches } from '../../helpers/models.js';

/** tfjs-layers' save of `model`, as the files a model.json directory holds. */
async function savedFiles(model: tfl.LayersModel): Promise<Map<string, Uint8Array>> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = artifacts! as tf.io.ModelArtifacts;
  const json = { modelTopology: a.modelTopology, format: 'layers-model', generatedBy: 'tfjs-layers', convertedBy: null, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }] };
  return new Map([
    ['model.json', new TextEncoder().encode(JSON.stringify(json))],
    ['group1-shard1of1.bin', new Uint8Array(a.weightData as ArrayBuffer)],
  ]);
}

test('a tfjs-layers model of every 1-D layer imports and predicts what tfjs-layers predicts', async (t) => {
  await initNodeBackend('cpu');
  const input = tfl.input({ shape: [20, 3], name: 'series' });
  const conv = tfl.layers.conv1d({ filters: 6, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu', name: 'conv', biasInitializer: 'randomNormal' }).apply(input) as tfl.SymbolicTensor;
  const dilated = tfl.layers.conv1d({ filters: 4, kernelSize: [2], dilationRate: 2, name: 'dilated' }).apply(conv) as tfl.SymbolicTensor;
  const maxed = tfl.layers.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same', name: 'maxed' }).apply(dilated) as tfl.SymbolicTensor;
  const averaged = tfl.layers.averagePooling1d({ poolSize: 2, name: 'averaged' }).apply(maxed) as tfl.SymbolicTensor;
  const mean = tfl.layers.globalAveragePooling1d({ name: 'mean' }).apply(averaged) as tfl.SymbolicTensor;
  const max = tfl.layers.globalMaxPooling1d({ name: 'max' }).apply(conv) as tfl.SymbolicTensor;
  const joined = tfl.layers.concatenate({ name: 'joined' }).apply([mean, max]) as tfl.SymbolicTensor;
  const reference = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 3, name: 'out' }).apply(joined) as tfl.SymbolicTensor });

  const { graph, weights } = importModel(await savedFiles(reference), 'model.json');
  t.deepEqual(
    graph.nodes.map((n) => [n.name, n.kind, n.shape]),
    [
      ['series', 'Input', [null, 20, 3]],
      ['conv', 'Conv1D', [null, 20, 6]],
      ['dilated', 'Conv1D', [null, 18, 4]],
      ['maxed', 'MaxPooling1D', [null, 9, 4]],
      ['averaged', 'AveragePooling1D', [null, 4, 4]],
      ['mean', 'GlobalAveragePooling1D', [null, 4]],
      ['max', 'GlobalMaxPooling1D', [null, 6]],
      ['joined', 'Concatenate', [null, 10]],
      ['out', 'Dense', [null, 3]],
    ],
  );
  const x = tf.randomUniform([4, 20, 3], -1, 1, 'float32', 5);
  const model = new Model(graph, weights, 'cpu');
  const ours = model.predict(x) as tf.Tensor;
  const theirs = reference.predict(x) as tf.Tensor;
  assertMatches(t, ours, theirs, LAYERS_TOLERANCE);
  tf.dispose([x, ours, theirs]);
  model.dispose();
  reference.dispose();
});
