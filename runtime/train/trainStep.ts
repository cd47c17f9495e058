// One training step, the building block of `nnc train`: forward in training mode,
// loss (+ regularization), gradients of the trainable weights, optimizer update,
// constraints, then the moving statistics computed by the forward pass. Moving
// statistics are never touched by gradients: they are not in the gradient list.

import * as tf from '@tensorflow/tfjs-core';
import type { WeightSpec } from '../../src/ir/types.js';
import type { Executor } from '../executor.js';
import { expectedWeights } from '../../src/ir/weights.js';
import { type LossName, computeLoss, countCorrect } from './losses.js';
import type { Optimizer } from './optimizers.js';
import { applyConstraint, regularizationLoss } from './regularization.js';

export interface StepResult {
  /** Mean loss over the batch, including regularization (kept: the caller disposes). */
  readonly loss: tf.Scalar;
  /** Correct predictions in the batch (kept: the caller disposes). */
  readonly correct: tf.Scalar;
}

export class TrainStep {
  readonly #executor: Executor;
  readonly #loss: LossName;
  readonly #optimizer: Optimizer;
  readonly #trainable = new Map<string, tf.Variable>();
  /** tfjs variable name → weight key (variableGrads answers by variable name). */
  readonly #keyOf = new Map<string, string>();
  /** The trainable weights with a regularizer, and those with a constraint. */
  readonly #regularized: { readonly variable: tf.Variable; readonly regularizer: NonNullable<WeightSpec['regularizer']> }[] = [];
  readonly #constrained: { readonly variable: tf.Variable; readonly constraint: NonNullable<WeightSpec['constraint']> }[] = [];

  constructor(executor: Executor, loss: LossName, optimizer: Optimizer) {
    if (tf.getGradient('Mean') === undefined) {
      throw new Error('tfjs gradients are not registered: await registerGradients() (runtime/backends/gradients.ts) before training');
    }
    this.#executor = executor;
    this.#loss = loss;
    this.#optimizer = optimizer;
    for (const [key, spec] of expectedWeights(executor.graph)) {
      const variable = executor.weight(key);
      if (!(variable instanceof tf.Variable)) throw new Error('training needs an executor created with { variables: true }');
      if (!spec.trainable) continue;
      this.#trainable.set(key, variable);
      this.#keyOf.set(variable.name, key);
      if (spec.regularizer) this.#regularized.push({ variable, regularizer: spec.regularizer });
      if (spec.constraint) this.#constrained.push({ variable, constraint: spec.constraint });
    }
  }

  /** Runs one step on a batch; `seed` drives Dropout. */
  run(x: tf.Tensor, y: tf.Tensor, seed: number): StepResult {
    let correct: tf.Scalar | undefined;
    let updates: { key: string; value: tf.Tensor }[] = [];
    const { value: loss, grads } = tf.variableGrads(() => {
      const { outputs, stateUpdates } = this.#executor.run([x], { training: true, seed });
      updates = stateUpdates;
      const predictions = outputs[0];
      correct = tf.keep(countCorrect(this.#loss, y, predictions));
      let total: tf.Tensor = computeLoss(this.#loss, y, predictions);
      for (const { variable, regularizer } of this.#regularized) total = tf.add(total, regularizationLoss(regularizer, variable));
      return total as tf.Scalar;
    }, [...this.#trainable.values()]);

    const gradients = new Map<string, tf.Tensor>();
    for (const [name, g] of Object.entries(grads)) gradients.set(this.#keyOf.get(name)!, g);
    this.#optimizer.apply(gradients, this.#trainable);
    for (const g of Object.values(grads)) g.dispose();

    for (const { variable, constraint } of this.#constrained) {
      const constrained = applyConstraint(constraint, variable);
      variable.assign(constrained);
      constrained.dispose();
    }
    for (const update of updates) {
      this.#executor.assign(update.key, update.value);
      update.value.dispose();
    }
    return { loss, correct: correct! };
  }
}
