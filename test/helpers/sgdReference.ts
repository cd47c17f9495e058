// nnc's training step beside tfjs-layers' trainOnBatch: the same graph, weights, batches
// and SGD, step by step. Shared by the training tests of the runtime and of each layer.

import type { ExecutionContext } from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../../runtime/backend.js';
import { TrainableModel } from '../../runtime/train/trainableModel.js';
import { createOptimizer } from '../../runtime/train/optimizers.js';
import type { Graph } from '../../src/ir/types.js';
import type { HostTensor, WeightMap } from '../../src/ir/tensors.js';
import { hostMaxAbsDiff, randomInput } from './models.js';
import { buildTfjsLayersModel } from './tfjsLayers.js';

export interface SgdSteps {
  readonly backend: BackendName;
  readonly learningRate: number;
  readonly steps: number;
  readonly batchSize: number;
  /** Step i's input is `randomInput(graph, batchSize, firstSeed + i)`. */
  readonly firstSeed: number;
  /** The class index of example k at step i. */
  readonly label: (k: number, i: number) => number;
}

/**
 * Runs `steps` SGD steps (sparse categorical cross-entropy) on nnc's TrainableModel and on
 * tfjs-layers' model built from the same graph and weights; asserts each step's loss and,
 * at the end, every weight of the reference (moving statistics included) within 1e-5
 * (float32 losses of order 1–2 and updates from the same kernels in a different order).
 * Returns nnc's weights after the steps and how many weights were compared.
 */
export async function sgdBesideTfjsLayers(t: ExecutionContext, graph: Graph, weights: WeightMap, options: SgdSteps): Promise<{ after: Map<string, HostTensor>; checked: number }> {
  const model = new TrainableModel(graph, weights, options.backend);
  const reference = buildTfjsLayersModel(graph, weights);
  try {
    reference.compile({ optimizer: tf.train.sgd(options.learningRate), loss: 'sparseCategoricalCrossentropy' });
    const step = model.trainStep('sparse_categorical_crossentropy', createOptimizer('sgd', { learningRate: options.learningRate }));
    for (let i = 0; i < options.steps; i++) {
      const x = randomInput(graph, options.batchSize, options.firstSeed + i);
      const y = tf.tensor1d(Array.from({ length: options.batchSize }, (_, k) => options.label(k, i)), 'float32');
      const ours = step.run(x, y, i);
      const theirs = (await reference.trainOnBatch(x, y)) as number;
      const loss = (await ours.loss.data())[0];
      t.true(Math.abs(loss - theirs) < 1e-5, `step ${i}: ${loss} vs ${theirs}`);
      tf.dispose([x, y, ours.loss, ours.correct]);
    }
    const after = await model.getWeights();
    let checked = 0;
    for (const layer of reference.layers) {
      for (const w of layer.weights) {
        const key = `${layer.name}/${w.name.split('/').pop()!.replace(/_\d+$/, '')}`;
        const diff = hostMaxAbsDiff(after.get(key)!.data, w.read().dataSync());
        t.true(diff < 1e-5, `${key}: max abs diff ${diff}`);
        checked++;
      }
    }
    return { after, checked };
  } finally {
    model.dispose();
    reference.dispose();
  }
}
