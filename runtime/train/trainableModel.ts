// A Model whose weights are variables, with training steps: what `compile(..., {
// trainable: true })` and `nnc train` use. Kept apart from runtime/model.ts so that
// inference (and every bundle) never loads the training step, losses or regularizers.

import type { BackendName } from '../backend.js';
import { Model, type ModelOptions } from '../model.js';
import type { Graph } from '../../src/ir/types.js';
import type { WeightMap } from '../../src/ir/tensors.js';
import type { LossName } from './losses.js';
import type { Optimizer } from './optimizers.js';
import { TrainStep } from './trainStep.js';

export class TrainableModel extends Model {
  constructor(graph: Graph, weights: WeightMap, backend: BackendName, options: Omit<ModelOptions, 'trainable'> = {}) {
    super(graph, weights, backend, { ...options, trainable: true });
  }

  /** A training step: forward in training mode, loss, gradients, update, moving statistics. */
  trainStep(loss: LossName, optimizer: Optimizer): TrainStep {
    return new TrainStep(this.executor, loss, optimizer);
  }
}
