// The epoch loop: seeded shuffles, the partial last batch, running averages weighted
// by batch size, reproducibility from a seed, inference-mode evaluation, and a loss
// that goes down on a small fixed problem.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { registerGradients } from '../../../runtime/backends/gradients.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { initializeWeights } from '../../../runtime/initializers.js';
import { TrainableModel } from '../../../runtime/train/trainableModel.js';
import { Random } from '../../../runtime/random.js';
import type { Dataset } from '../../../runtime/train/datasets.js';
import { type BatchReport, batches, epochOrder, evaluate, fit } from '../../../runtime/train/fit.js';
import { createOptimizer } from '../../../runtime/train/optimizers.js';
import { graphOf, hostMaxAbsDiff } from '../../helpers/models.js';

test.before(async () => {
  await initNodeBackend('wasm');
  await registerGradients();
});

/** Three Gaussian blobs in 4-D, class c shifted by +2 along axis c. */
function blobs(count: number, seed: number): Dataset {
  const random = new Random(seed);
  const x = new Float32Array(count * 4);
  const y = new Float32Array(count);
  for (let n = 0; n < count; n++) {
    const c = n % 3;
    y[n] = c;
    for (let j = 0; j < 4; j++) x[n * 4 + j] = random.normal() + (j === c ? 2 : 0);
  }
  return { x, xShape: [4], y, yShape: [], count };
}

const MLP = `model M {
  input x: [4]
  Dense(16, activation=relu)
  BatchNormalization
  Dropout(0.3)
  Dense(3, activation=softmax)
}`;

test.serial('epochOrder is a permutation, the same for the same seed and epoch, different across epochs and seeds', (t) => {
  const a = epochOrder(100, 5, 0);
  t.deepEqual([...a].sort((p, q) => p - q), Array.from({ length: 100 }, (_, i) => i));
  t.deepEqual(epochOrder(100, 5, 0), a);
  t.notDeepEqual(epochOrder(100, 5, 1), a);
  t.notDeepEqual(epochOrder(100, 6, 0), a);
});

test.serial('batches: 10 examples in batches of 4 are 4, 4, 2, each row gathered in order', (t) => {
  const data: Dataset = { x: Float32Array.from({ length: 20 }, (_, i) => i), xShape: [2], y: Float32Array.from({ length: 10 }, (_, i) => 100 + i), yShape: [], count: 10 };
  const order = Uint32Array.from([9, 3, 0, 7, 1, 2, 8, 4, 6, 5]);
  const all = [...batches(data, order, 4)];
  t.deepEqual(all.map((b) => b.size), [4, 4, 2]);
  t.deepEqual([...all[2].y], [106, 105]);
  t.deepEqual([...all[2].x], [12, 13, 10, 11]);
  t.deepEqual(all.flatMap((b) => [...b.y]).map((v) => v - 100), [...order]);
  // Without an order (evaluation): views in file order.
  t.deepEqual([...batches(data, null, 4)].map((b) => b.y[0]), [100, 104, 108]);
});

test.serial('fit counts the partial last batch and averages loss and accuracy by batch size', async (t) => {
  const graph = graphOf(MLP);
  const model = new TrainableModel(graph, initializeWeights(graph, 1), 'wasm');
  const optimizer = createOptimizer('sgd', { learningRate: 0.05 });
  const reports: BatchReport[] = [];
  const history = await fit(model, blobs(10, 2), null, { epochs: 2, batchSize: 4, loss: 'sparse_categorical_crossentropy', optimizer, seed: 3, callbacks: { onBatchEnd: (r) => reports.push(r) } });
  t.is(history.length, 2);
  t.is(reports.length, 6);
  t.deepEqual(reports.map((r) => [r.epoch, r.step, r.steps, r.batchSize, r.seen]), [
    [1, 1, 3, 4, 4],
    [1, 2, 3, 4, 8],
    [1, 3, 3, 2, 10],
    [2, 1, 3, 4, 4],
    [2, 2, 3, 4, 8],
    [2, 3, 3, 2, 10],
  ]);
  for (const epoch of [1, 2]) {
    const own = reports.filter((r) => r.epoch === epoch);
    const loss = own.reduce((s, r) => s + r.batchLoss * r.batchSize, 0) / 10;
    const accuracy = own.reduce((s, r) => s + r.batchCorrect, 0) / 10;
    // 1e-12: the same float64 sums in the same order.
    t.true(Math.abs(history[epoch - 1].loss - loss) < 1e-12);
    t.is(history[epoch - 1].accuracy, accuracy);
    t.is(own[2].loss, history[epoch - 1].loss); // the last running average is the epoch's
    // The running average after two batches is over 8 examples, not a mean of two means.
    t.true(Math.abs(own[1].loss - (own[0].batchLoss * 4 + own[1].batchLoss * 4) / 8) < 1e-12);
    t.true(Number.isInteger(own[0].batchCorrect) && own[0].batchCorrect <= 4);
  }
  t.is(history[0].val_loss, undefined);
  t.is(optimizer.iterations, 6);
  optimizer.dispose();
  model.dispose();
});

async function trainedWeights(seed: number): Promise<Map<string, { data: Float32Array | Float64Array }>> {
  const graph = graphOf(MLP);
  const model = new TrainableModel(graph, initializeWeights(graph, 1), 'wasm');
  const optimizer = createOptimizer('adam', { learningRate: 0.01 });
  await fit(model, blobs(30, 2), null, { epochs: 2, batchSize: 8, loss: 'sparse_categorical_crossentropy', optimizer, seed });
  const weights = await model.getWeights();
  optimizer.dispose();
  model.dispose();
  return weights;
}

test.serial('a seed makes a run reproducible (shuffles and Dropout); another seed gives other weights', async (t) => {
  const first = await trainedWeights(4);
  const again = await trainedWeights(4);
  const other = await trainedWeights(5);
  for (const [key, value] of first) t.is(hostMaxAbsDiff(value.data, again.get(key)!.data), 0, key);
  t.true(hostMaxAbsDiff(first.get('dense/kernel')!.data, other.get('dense/kernel')!.data) > 1e-4);
});

test.serial('loss decreases and accuracy rises on three Gaussian blobs', async (t) => {
  const graph = graphOf(MLP.replace('Dropout(0.3)', ''));
  const model = new TrainableModel(graph, initializeWeights(graph, 1), 'wasm');
  const optimizer = createOptimizer('sgd', { learningRate: 0.05 });
  const train = blobs(300, 2);
  const validation = blobs(90, 9);
  const history = await fit(model, train, validation, { epochs: 6, batchSize: 16, loss: 'sparse_categorical_crossentropy', optimizer, seed: 0 });
  const losses = history.map((r) => r.loss);
  t.true(losses[5] < 0.7 * losses[0], `losses ${losses.map((l) => l.toFixed(3)).join(' ')}`);
  t.true(history[5].val_loss! < history[0].val_loss!);
  // The blobs overlap a little (shift 2 against unit noise): about 0.9 is the Bayes rate.
  t.true(history[5].val_accuracy! > 0.8, `val_accuracy ${history.map((r) => r.val_accuracy!.toFixed(3)).join(' ')}`);
  optimizer.dispose();
  model.dispose();
});

test.serial('evaluate runs in inference mode: Dropout off, moving statistics used and left alone, the regularization penalty added', async (t) => {
  const graph = graphOf(MLP.replace('Dense(3, activation=softmax)', 'Dense(3, activation=softmax, kernel_regularizer=l2(0.01))'));
  const weights = initializeWeights(graph, 1);
  weights.set('batch_normalization/moving_mean', { shape: [16], data: new Float32Array(16).fill(0.3) });
  const model = new TrainableModel(graph, weights, 'wasm');
  const data = blobs(12, 5);
  const tensors = tf.memory().numTensors;
  const first = await evaluate(model, data, 'sparse_categorical_crossentropy', 5);
  const second = await evaluate(model, data, 'sparse_categorical_crossentropy', 12);
  // 1e-6: the same float32 values summed in batches of 5 versus one batch of 12.
  t.true(Math.abs(first.loss - second.loss) < 1e-6);
  t.is(first.accuracy, second.accuracy);
  t.is(first.count, 12);
  t.is(tf.memory().numTensors, tensors, 'evaluate leaks no tensors');
  t.deepEqual((await model.getWeights()).get('batch_normalization/moving_mean')!.data, weights.get('batch_normalization/moving_mean')!.data);

  // By hand: mean crossentropy of the inference predictions, plus 0.01·Σw².
  const [probabilities] = await model.predictHost({ shape: [12, 4], data: data.x });
  let crossentropy = 0;
  for (let n = 0; n < 12; n++) crossentropy -= Math.log(Math.min(Math.max(probabilities.data[n * 3 + data.y[n]], 1e-7), 1 - 1e-7));
  const kernel = weights.get('dense_1/kernel')!.data;
  const penalty = 0.01 * Array.from(kernel).reduce((s, w) => s + w * w, 0);
  t.true(penalty > 1e-3);
  // 1e-5: float32 probabilities and losses against float64 sums.
  t.true(Math.abs(first.loss - (crossentropy / 12 + penalty)) < 1e-5, `${first.loss} vs ${crossentropy / 12 + penalty}`);
  model.dispose();
});
