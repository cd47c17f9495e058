// The epoch loop of `nnc train`, with Keras `fit` semantics:
//
//   for each epoch e:
//     order ← a permutation of the training examples, from (seed, e)   (shuffle=True)
//     ⌈count / batchSize⌉ steps, the last batch partial when batchSize ∤ count
//     each step: TrainStep (BN on batch statistics + moving-average update, Dropout on)
//     loss, accuracy: running averages over the epoch so far, weighted by batch size:
//       loss = Σ_b n_b·loss_b / Σ_b n_b,   accuracy = Σ_b correct_b / Σ_b n_b
//     then validation in inference mode (BN on moving statistics, Dropout off)
//
// Every random choice comes from the seed: the shuffles from fork(`shuffle/${e}`), the
// Dropout masks from fork('dropout'), one draw per step. Evaluation adds the weights'
// regularization penalty to the loss, as Keras's test step does.

import * as tf from '@tensorflow/tfjs-core';
import type { Model } from '../model.js';
import type { TrainableModel } from './trainableModel.js';
import { Random } from '../random.js';
import { expectedWeights } from '../../src/ir/weights.js';
import type { Dataset } from './datasets.js';
import { type LossName, computeLoss, countCorrect } from './losses.js';
import type { Optimizer } from './optimizers.js';
import { regularizationPenaltyOf } from './regularization.js';
import { shapeSize } from '../../src/ir/shape.js';

export interface BatchReport {
  readonly epoch: number;
  /** 1-based step within the epoch. */
  readonly step: number;
  readonly steps: number;
  /** Examples seen this epoch, this batch included. */
  readonly seen: number;
  readonly samples: number;
  /** This batch's size, mean loss and correct predictions. */
  readonly batchSize: number;
  readonly batchLoss: number;
  readonly batchCorrect: number;
  /** Running averages over the epoch so far. */
  readonly loss: number;
  readonly accuracy: number;
  /** Seconds since the epoch began. */
  readonly seconds: number;
}

export interface EpochRecord {
  /** 1-based. */
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly val_loss?: number;
  readonly val_accuracy?: number;
  /** Wall time of the epoch: training steps and validation. */
  readonly seconds: number;
  /** Training examples per second of training steps (validation excluded). */
  readonly samples_per_second: number;
}

export interface Evaluation {
  readonly loss: number;
  readonly accuracy: number;
  readonly count: number;
}

export interface FitCallbacks {
  onEpochBegin?(epoch: number, epochs: number, steps: number, samples: number): void;
  onBatchEnd?(report: BatchReport): void;
  /** After training steps, before validation. */
  onTrainEnd?(epoch: number): void;
  onEpochEnd?(record: EpochRecord): void;
}

export interface FitOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly loss: LossName;
  readonly optimizer: Optimizer;
  /** Drives shuffling and Dropout (initial weights are the caller's). */
  readonly seed: number;
  /** Batch size of validation; any size gives the same result in inference mode (default max(batchSize, 500)). */
  readonly evaluationBatchSize?: number;
  readonly callbacks?: FitCallbacks;
}

/** The order of the training examples in epoch `epoch` (0-based): a seeded permutation. */
export function epochOrder(count: number, seed: number, epoch: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  return new Random(seed).fork(`shuffle/${epoch}`).shuffle(order);
}

export interface HostBatch {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly size: number;
}

/** The batches of `data` in `order`, the last one partial; rows are copied out. */
export function* batches(data: Dataset, order: Uint32Array | null, batchSize: number): Generator<HostBatch> {
  const xRow = shapeSize(data.xShape);
  const yRow = shapeSize(data.yShape);
  for (let start = 0; start < data.count; start += batchSize) {
    const size = Math.min(batchSize, data.count - start);
    if (order === null) {
      yield { x: data.x.subarray(start * xRow, (start + size) * xRow), y: data.y.subarray(start * yRow, (start + size) * yRow), size };
      continue;
    }
    const x = new Float32Array(size * xRow);
    const y = new Float32Array(size * yRow);
    for (let k = 0; k < size; k++) {
      const n = order[start + k];
      x.set(data.x.subarray(n * xRow, (n + 1) * xRow), k * xRow);
      y.set(data.y.subarray(n * yRow, (n + 1) * yRow), k * yRow);
    }
    yield { x, y, size };
  }
}

function batchTensors(data: Dataset, batch: HostBatch): [tf.Tensor, tf.Tensor] {
  return [tf.tensor(batch.x, [batch.size, ...data.xShape], 'float32'), tf.tensor(batch.y, [batch.size, ...data.yShape], 'float32')];
}

/** Trains `model` in place; returns one record per epoch. */
export async function fit(model: TrainableModel, train: Dataset, validation: Dataset | null, options: FitOptions): Promise<EpochRecord[]> {
  const { epochs, batchSize, loss, optimizer, seed } = options;
  const callbacks = options.callbacks ?? {};
  const step = model.trainStep(loss, optimizer);
  const dropout = new Random(seed).fork('dropout');
  const steps = Math.ceil(train.count / batchSize);
  const history: EpochRecord[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    callbacks.onEpochBegin?.(epoch + 1, epochs, steps, train.count);
    const started = performance.now();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let index = 0;
    for (const batch of batches(train, epochOrder(train.count, seed, epoch), batchSize)) {
      const [x, y] = batchTensors(train, batch);
      const result = step.run(x, y, dropout.nextUint32());
      const [batchLoss] = await result.loss.data();
      const [batchCorrect] = await result.correct.data();
      tf.dispose([x, y, result.loss, result.correct]);
      lossSum += batchLoss * batch.size;
      correct += batchCorrect;
      seen += batch.size;
      index++;
      callbacks.onBatchEnd?.({
        epoch: epoch + 1,
        step: index,
        steps,
        seen,
        samples: train.count,
        batchSize: batch.size,
        batchLoss,
        batchCorrect,
        loss: lossSum / seen,
        accuracy: correct / seen,
        seconds: (performance.now() - started) / 1000,
      });
    }
    const trainSeconds = (performance.now() - started) / 1000;
    callbacks.onTrainEnd?.(epoch + 1);
    let validated: Pick<EpochRecord, 'val_loss' | 'val_accuracy'> = {};
    if (validation) {
      const result = await evaluate(model, validation, loss, options.evaluationBatchSize ?? Math.max(batchSize, 500));
      validated = { val_loss: result.loss, val_accuracy: result.accuracy };
    }
    const record: EpochRecord = {
      epoch: epoch + 1,
      loss: lossSum / seen,
      accuracy: correct / seen,
      ...validated,
      seconds: (performance.now() - started) / 1000,
      samples_per_second: seen / trainSeconds,
    };
    history.push(record);
    callbacks.onEpochEnd?.(record);
  }
  return history;
}

/** Loss (with the regularization penalty) and accuracy of `model` on `data`, in inference mode. */
export async function evaluate(model: Model, data: Dataset, loss: LossName, batchSize = 500): Promise<Evaluation> {
  let lossSum = 0;
  let correct = 0;
  for (const batch of batches(data, null, batchSize)) {
    const [x, y] = batchTensors(data, batch);
    const predictions = model.predict(x) as tf.Tensor;
    const [batchLoss, batchCorrect] = tf.tidy(() => [computeLoss(loss, y, predictions), countCorrect(loss, y, predictions)]);
    lossSum += (await batchLoss.data())[0] * batch.size;
    correct += (await batchCorrect.data())[0];
    tf.dispose([x, y, predictions, batchLoss, batchCorrect]);
  }
  const penalty = await regularizationPenalty(model);
  return { loss: lossSum / data.count + penalty, accuracy: correct / data.count, count: data.count };
}

/**
 * Σ over regularized trainable weights of l1·Σ|w| + l2·Σw², in float64 on the host (the
 * weights are read back only when some weight has a regularizer).
 */
export async function regularizationPenalty(model: Model): Promise<number> {
  const regularized = [...expectedWeights(model.graph)].filter(([, spec]) => spec.regularizer && spec.trainable);
  if (regularized.length === 0) return 0;
  const weights = await model.getWeights();
  return regularized.reduce((sum, [key, spec]) => sum + regularizationPenaltyOf(spec.regularizer!, weights.get(key)!.data), 0);
}
