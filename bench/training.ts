// Training throughput: nnc's epoch loop (runtime/train/fit.ts: shuffle, batch gather,
// TrainStep, loss read back every step) against tfjs-layers' `model.fit` on the same
// model (examples/geron.nn, Géron's BN MLP), the same initial weights, backend (wasm),
// batch size (32), optimizer (SGD, lr 1e-3) and loss (sparse categorical crossentropy),
// side by side in one process. Data: uniform random pixels and labels (throughput does
// not depend on the values). Each side runs a short warm-up fit first; rounds then
// alternate nnc, tfjs-layers, so load on a shared machine hits both alike, and the best
// round of each is reported.
//
//   npm run bench -- training            (3 rounds of 9,600 examples each side)
//   npm run bench -- --quick training    (1 round of 1,280)

import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { registerGradients } from '../runtime/backends/gradients.js';
import { initNodeBackend } from '../runtime/backends/node.js';
import { initializeWeights } from '../runtime/initializers.js';
import { Model } from '../runtime/model.js';
import { TrainableModel } from '../runtime/train/trainableModel.js';
import { Random } from '../runtime/random.js';
import type { Dataset } from '../runtime/train/datasets.js';
import { fit } from '../runtime/train/fit.js';
import { createOptimizer } from '../runtime/train/optimizers.js';
import { compileGraph } from '../src/api.js';
import type { Graph } from '../src/ir/types.js';
import type { HostTensor } from '../src/ir/tensors.js';
import { buildTfjsLayersModel } from '../test/helpers/tfjsLayers.js';
import type { BenchmarkSection, BenchmarkTable } from './section.js';

export interface TrainingThroughput {
  readonly samplesPerSecond: number;
  readonly msPerStep: number;
}

export interface TrainingFigures {
  readonly model: string;
  readonly backend: string;
  readonly batchSize: number;
  /** Examples per timed round. */
  readonly examples: number;
  readonly rounds: number;
  readonly nnc: TrainingThroughput;
  readonly tfjsLayers: TrainingThroughput;
  /** nnc samples/s ÷ tfjs-layers samples/s. */
  readonly ratio: number;
}

export interface TrainingBenchOptions {
  readonly quick?: boolean;
  readonly batchSize?: number;
}

const LEARNING_RATE = 1e-3;

function syntheticData(count: number, seed: number): Dataset {
  const random = new Random(seed);
  const x = new Float32Array(count * 784);
  for (let i = 0; i < x.length; i++) x[i] = random.uniform();
  const y = Float32Array.from({ length: count }, () => random.int(10));
  return { x, xShape: [28, 28], y, yShape: [], count };
}

/** Seconds for one epoch of nnc's fit over `data`. */
async function nncEpoch(graph: Graph, weights: Map<string, HostTensor>, data: Dataset, batchSize: number): Promise<number> {
  const model = new TrainableModel(graph, weights, 'wasm');
  const optimizer = createOptimizer('sgd', { learningRate: LEARNING_RATE });
  try {
    const started = performance.now();
    await fit(model, data, null, { epochs: 1, batchSize, loss: 'sparse_categorical_crossentropy', optimizer, seed: 0 });
    return (performance.now() - started) / 1000;
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/** Seconds for one epoch of tfjs-layers' model.fit over `data` (shuffled, as Keras). */
async function tfjsLayersEpoch(graph: Graph, weights: Map<string, HostTensor>, data: Dataset, batchSize: number): Promise<number> {
  const model = buildTfjsLayersModel(graph, weights);
  model.compile({ optimizer: tf.train.sgd(LEARNING_RATE), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = tf.tensor(data.x, [data.count, ...data.xShape]);
  const y = tf.tensor1d(data.y);
  try {
    const started = performance.now();
    await model.fit(x, y, { batchSize, epochs: 1, shuffle: true, verbose: 0 });
    return (performance.now() - started) / 1000;
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

function best(seconds: readonly number[], examples: number, batchSize: number): TrainingThroughput {
  const fastest = Math.min(...seconds);
  return { samplesPerSecond: examples / fastest, msPerStep: (fastest * 1000) / Math.ceil(examples / batchSize) };
}

export async function benchTraining(options: TrainingBenchOptions = {}): Promise<TrainingFigures> {
  const batchSize = options.batchSize ?? 32;
  const rounds = options.quick ? 1 : 3;
  const examples = (options.quick ? 40 : 300) * batchSize;
  const backend = await initNodeBackend('wasm');
  await registerGradients();
  const graph = compileGraph(readFileSync(new URL('../examples/geron.nn', import.meta.url), 'utf8'));
  const weights = initializeWeights(graph, 0);
  const data = syntheticData(examples, 1);
  const warmUp = syntheticData(4 * batchSize, 2);
  await nncEpoch(graph, weights, warmUp, batchSize);
  await tfjsLayersEpoch(graph, weights, warmUp, batchSize);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    ours.push(await nncEpoch(graph, weights, data, batchSize));
    theirs.push(await tfjsLayersEpoch(graph, weights, data, batchSize));
  }
  const nnc = best(ours, examples, batchSize);
  const tfjsLayers = best(theirs, examples, batchSize);
  return { model: graph.name, backend, batchSize, examples, rounds, nnc, tfjsLayers, ratio: nnc.samplesPerSecond / tfjsLayers.samplesPerSecond };
}

export const trainingSection: BenchmarkSection = {
  name: 'training',
  async run({ quick }): Promise<BenchmarkTable> {
    const f = await benchTraining({ quick });
    const row = (name: string, t: TrainingThroughput, relative: string) => [name, String(Math.round(t.samplesPerSecond)), t.msPerStep.toFixed(1), relative];
    return {
      title: `Training throughput: ${f.model} (examples/geron.nn), ${f.backend}, batch ${f.batchSize}, SGD`,
      columns: ['trainer', 'samples/s', 'ms/step', 'relative'],
      rows: [row('nnc fit (TrainStep)', f.nnc, `${f.ratio.toFixed(2)}×`), row('tfjs-layers model.fit', f.tfjsLayers, '1.00×')],
      note: `best of ${f.rounds} alternating round${f.rounds > 1 ? 's' : ''} of ${f.examples} examples each, after a warm-up fit`,
    };
  },
};
