// The model zoo's small variants (examples/zoo/, the full models' layers and weights on
// small images) through both exports: tfjs-layers' loadLayersModel predicts what nnc
// predicts from the tfjs-layers export, and the .keras export imports back to the same
// graph and weights, bit for bit.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { exportKeras } from '../../../compiler/export/kerasModel.js';
import { exportTfjs } from '../../../compiler/export/tfjsModel.js';
import { check } from '../../../compiler/check.js';
import { importModel } from '../../../compiler/import/importModel.js';
import type { Graph } from '../../../src/ir/types.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { kerasArchive } from '../../../runtime/export/kerasArchive.js';
import { Model } from '../../../runtime/model.js';
import { LAYERS_TOLERANCE, assertMatches, randomInput, randomizedWeights } from '../../helpers/models.js';
import { assertSameGraph } from '../../helpers/sameGraph.js';

function zooGraph(file: string, model: string): Graph {
  const path = `examples/zoo/${file}.nn`;
  const graph = check(readFileSync(path, 'utf8'), path).models.get(model);
  if (!graph) throw new Error(`${path} has no error-free model ${model}`);
  return graph;
}

const CASES = [
  ['mobilenet_v2', 'MobileNetV2Small'],
  ['resnet50', 'ResNet50Small'],
  ['densenet121', 'DenseNet121Small'],
  ['inception_v3', 'InceptionV3Small'],
] as const;

for (const [file, name] of CASES) {
  test.serial(`${name}: tfjs-layers predicts what nnc predicts from the export; the .keras export imports back bit for bit`, async (t) => {
    t.is(await initNodeBackend('wasm'), 'wasm');
    const graph = zooGraph(file, name);
    const weights = randomizedWeights(graph);
    const { modelJson, shards } = exportTfjs(graph, weights, { generator: 'nnc test' });
    const json = JSON.parse(JSON.stringify(modelJson));
    const data = new Uint8Array(shards.reduce((n, s) => n + s.bytes.length, 0));
    let offset = 0;
    for (const s of shards) {
      data.set(s.bytes, offset);
      offset += s.bytes.length;
    }
    t.true(shards.every((s) => s.bytes.length <= 4 * 1024 * 1024));
    const reference = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: data.buffer }));
    const x = randomInput(graph, 1);
    const model = new Model(graph, weights, 'wasm');
    // LAYERS_TOLERANCE (1e-5): the same float32 weights on the same tfjs kernels, in another order.
    assertMatches(t, model.predict(x) as tf.Tensor, reference.predict(x) as tf.Tensor, LAYERS_TOLERANCE, `${name} logits`);
    model.dispose();
    reference.dispose();

    const back = importModel(new Map([['model.keras', await kerasArchive(exportKeras(graph, weights))]]));
    assertSameGraph(t, back.graph, graph, name);
    let differing = 0;
    for (const [key, tensor] of weights) {
      const other = back.weights.get(key)!.data;
      if (other.length !== tensor.data.length || other.some((v, i) => !Object.is(v, tensor.data[i]))) differing++;
    }
    t.is(differing, 0);
    t.is(back.weights.size, weights.size);
  });
}
