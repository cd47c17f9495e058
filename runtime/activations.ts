// Activation functions as Keras defines them, and the arguments of tfjs's fused
// kernels for those it fuses (which: src/ir/layers/fusedActivations.ts).

import * as tf from '@tensorflow/tfjs-core';
import { type FusedActivation, fusedActivation } from '../src/ir/layers/fusedActivations.js';
import type { Activation } from '../src/ir/types.js';

/** The activation arguments of a tfjs fused kernel. */
export interface KernelActivation {
  readonly activation: FusedActivation['activation'];
  readonly leakyreluAlpha: number;
}

/** The fused form of an activation, or linear (then applied after the kernel) when tfjs has none. */
export function kernelActivation(a: Activation): KernelActivation {
  const fused = fusedActivation(a);
  return { activation: fused?.activation ?? 'linear', leakyreluAlpha: fused?.leakyreluAlpha ?? 0 };
}

/** Applies an activation; `softmax` normalizes over the last axis, as Keras's activation does. */
export function activate(x: tf.Tensor, a: Activation): tf.Tensor {
  switch (a.name) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'elu':
      return elu(x, a.alpha ?? 1);
    case 'selu':
      return tf.selu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'softmax':
      return tf.softmax(x, -1);
    case 'softplus':
      return tf.softplus(x);
    case 'swish':
      return tf.mul(x, tf.sigmoid(x));
    case 'gelu':
      // Keras 3's default is the exact form: x · Φ(x) = 0.5 · x · (1 + erf(x / √2)).
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
    case 'leaky_relu':
      return tf.leakyRelu(x, a.alpha ?? 0.2);
    case 'hard_sigmoid':
      return hardSigmoid(x);
    case 'hard_swish':
      return tf.mul(x, hardSigmoid(x));
    case 'softsign':
      return tf.div(x, tf.add(tf.abs(x), 1));
    case 'exponential':
      return tf.exp(x);
    case 'mish':
      return tf.mul(x, tf.tanh(tf.softplus(x)));
  }
}

/** Keras 3's hard sigmoid: relu6(x + 3) / 6 = clip(x / 6 + 1/2, 0, 1) (Keras 2 and tfjs-layers had 0.2 · x + 0.5). */
function hardSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.relu6(tf.add(x, 3)), 1 / 6);
}

/** ELU with any alpha: x if x > 0, else alpha · (exp(x) − 1). */
export function elu(x: tf.Tensor, alpha: number): tf.Tensor {
  if (alpha === 1) return tf.elu(x);
  return tf.where(tf.greater(x, 0), x, tf.mul(alpha, tf.sub(tf.exp(x), 1)));
}
