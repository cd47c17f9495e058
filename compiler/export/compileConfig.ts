// `nnc train`'s optimizer, learning rate, momentum and loss → Keras 3's `compile_config`
// (what `model.compile(...)` stores and `keras.saving.load_model` replays), so training
// in Keras continues with the settings nnc trained with. The optimizer configs hold every
// key Keras 3.10 writes (checked against test/fixtures/keras/mnist-cnn's Adam), with
// Keras's defaults, which are nnc's (runtime/train/optimizers.ts: β₁ 0.9, β₂ 0.999,
// ε 1e-7, ρ 0.9). The optimizer's state (moments, iteration count) is not carried: Keras
// starts it afresh.

import type { JsonObject } from '../../src/formats/keras/config.js';

export interface CompileOptions {
  /** nnc's optimizer name: sgd, adam, nadam, rmsprop. */
  readonly optimizer: string;
  readonly learningRate: number;
  readonly momentum: number;
  /** nnc's (and Keras's) loss name. */
  readonly loss: string;
}

/** The keys every Keras 3 optimizer writes. */
const BASE = { weight_decay: null, clipnorm: null, global_clipnorm: null, clipvalue: null, use_ema: false, ema_momentum: 0.99, ema_overwrite_frequency: null, loss_scale_factor: null, gradient_accumulation_steps: null };

const OPTIMIZERS: Readonly<Record<string, { readonly className: string; readonly name: string; own(momentum: number): JsonObject }>> = {
  sgd: { className: 'SGD', name: 'SGD', own: (momentum) => ({ momentum, nesterov: false }) },
  adam: { className: 'Adam', name: 'adam', own: () => ({ beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false }) },
  nadam: { className: 'Nadam', name: 'nadam', own: () => ({ beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 }) },
  rmsprop: { className: 'RMSprop', name: 'rmsprop', own: (momentum) => ({ rho: 0.9, momentum, epsilon: 1e-7, centered: false }) },
};

export function compileConfig(options: CompileOptions): JsonObject {
  const optimizer = OPTIMIZERS[options.optimizer];
  if (optimizer === undefined) throw new Error(`no Keras optimizer for '${options.optimizer}'`);
  const classification = options.loss !== 'mean_squared_error';
  return {
    optimizer: {
      module: 'keras.optimizers',
      class_name: optimizer.className,
      config: { name: optimizer.name, learning_rate: options.learningRate, ...BASE, ...optimizer.own(options.momentum) },
      registered_name: null,
    },
    loss: options.loss,
    loss_weights: null,
    metrics: classification ? ['accuracy'] : [],
    weighted_metrics: null,
    run_eagerly: false,
    steps_per_execution: 1,
    jit_compile: 'auto',
  };
}
