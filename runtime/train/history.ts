// What `nnc train --history H.json` writes: the run's recipe, one record per epoch
// (Keras's History.history, transposed: a list of epochs rather than lists of
// values), and the final test evaluation.
//
//   { "model", "file", "data", "examples": {train, validation, test}, "loss",
//     "optimizer": {name, learning_rate, momentum}, "batch_size", "epochs", "seed",
//     "backend", "initial_weights",
//     "history": [{epoch, loss, accuracy, val_loss, val_accuracy, seconds, samples_per_second}],
//     "test": {loss, accuracy, count} | null, "test_optimized": {loss, accuracy, count} | null }

import type { EpochRecord, Evaluation } from './fit.js';
import type { LossName } from './losses.js';
import type { OptimizerName } from './optimizers.js';

export interface TrainingRecipe {
  readonly model: string;
  readonly file: string;
  readonly data: string;
  readonly examples: { readonly train: number; readonly validation: number; readonly test: number };
  readonly loss: LossName;
  readonly optimizer: { readonly name: OptimizerName; readonly learning_rate: number; readonly momentum: number };
  readonly batch_size: number;
  readonly epochs: number;
  readonly seed: number;
  readonly backend: string;
  /** The weights training started from, or `init (seed N)`. */
  readonly initial_weights: string;
}

export interface TrainingHistory extends TrainingRecipe {
  readonly history: readonly EpochRecord[];
  readonly test: Evaluation | null;
  /** The test set through the optimized inference graph (`--check-optimized`). */
  readonly test_optimized: Evaluation | null;
}

export function historyJson(history: TrainingHistory): string {
  return JSON.stringify(history, null, 2) + '\n';
}

/** String metadata for the trained weights' safetensors header. */
export function weightsMetadata(history: TrainingHistory): Record<string, string> {
  const last = history.history[history.history.length - 1];
  const metadata: Record<string, string> = {
    model: history.model,
    trained_by: 'nnc train',
    data: history.data,
    loss: history.loss,
    optimizer: history.optimizer.name,
    learning_rate: String(history.optimizer.learning_rate),
    batch_size: String(history.batch_size),
    epochs: String(history.epochs),
    seed: String(history.seed),
    initial_weights: history.initial_weights,
  };
  if (last) {
    metadata.loss_value = String(last.loss);
    metadata.accuracy = String(last.accuracy);
    if (last.val_accuracy !== undefined) metadata.val_accuracy = String(last.val_accuracy);
  }
  if (history.test) metadata.test_accuracy = String(history.test.accuracy);
  return metadata;
}
