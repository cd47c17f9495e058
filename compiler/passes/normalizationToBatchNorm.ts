// normalization-to-batchnorm — inference builds only.
//
// Keras 3's Normalization with stored statistics is a per-channel affine map:
//   y = (x − m) / d,  d = max(√v, ε_K),  ε_K = 1e-7 (Keras's backend.epsilon())
//   invert=true: y = m + x · d
// and so is a BatchNormalization in inference, y = γ·(x − μ)/√(σ² + ε) + β. With
// σ² = 1 − 2⁻¹⁰ and ε = 2⁻¹⁰ (both exact in float32 and float64) √(σ² + ε) = 1 exactly, so
//   Normalization            = BN(γ = 1/d, β = 0, μ = m, σ² = 1 − 2⁻¹⁰, ε = 2⁻¹⁰)
//   Normalization(invert)    = BN(γ = d,   β = m, μ = 0, σ² = 1 − 2⁻¹⁰, ε = 2⁻¹⁰)
// γ and β computed in float64. The Normalization becomes that BatchNormalization (same
// name, same axes; axis=null, one scalar m and v, becomes a BN over the last axis with
// the scalar repeated per channel), and the BatchNormalization passes after this one fold
// it into a neighbouring Dense or convolution, or turn it into an Affine, like any other.
// Its `count` variable (unused by Keras's call) is dropped. Constant `mean=` and
// `variance=` (configuration, no variables) are read from the attributes, broadcast to
// the kept axes as Keras's build does and rounded to float32 first, as Keras holds them.

import type { Initializer } from '../../src/ir/attributes.js';
import { weightKey } from '../../src/ir/tensors.js';
import type { AttrsByKind } from '../../src/ir/types.js';
import { KERAS_EPSILON } from '../../src/ir/layers/kerasConstants.js';
import { broadcastStatistic } from '../../src/ir/layers/normalizationStatistics.js';
import type { NumberArray } from '../../src/ir/layers/paramTypes.js';
import type { Pass } from './pass.js';
import { rewriteNodes } from './rewrite.js';
import { weightData } from './weightEdits.js';

/** ε of the BatchNormalization a Normalization becomes, and its variance: σ² + ε = 1 exactly. */
export const FOLD_EPSILON = 2 ** -10;
const FOLD_VARIANCE = 1 - FOLD_EPSILON;

const init = (name: 'zeros' | 'ones'): Initializer => ({ name, args: {} });

export const normalizationToBatchNorm: Pass = {
  name: 'normalization-to-batchnorm',
  summary: "turns each Normalization (x − mean)/max(√variance, ε) into the equal BatchNormalization, which the BN passes then fold",
  modes: ['inference'],
  run(state) {
    return rewriteNodes(this, state, true, (node, { editor, weights, note }) => {
      if (node.kind !== 'Normalization') return;
      const { invert } = node.attrs;
      const rank = node.shape.length;
      const axis = node.attrs.axis.length > 0 ? node.attrs.axis : [rank - 1];
      const attrs: AttrsByKind['BatchNormalization'] = {
        axis,
        momentum: 0.99,
        epsilon: FOLD_EPSILON,
        center: true,
        scale: true,
        beta_initializer: init('zeros'),
        gamma_initializer: init('ones'),
        moving_mean_initializer: init('zeros'),
        moving_variance_initializer: init('ones'),
        beta_regularizer: null,
        gamma_regularizer: null,
        beta_constraint: null,
        gamma_constraint: null,
        synchronized: false,
      };
      editor.update(node.id, 'BatchNormalization', attrs);
      if (weights) {
        const shape = axis.map((a) => node.shape[a] as number);
        const kept = node.attrs.axis.map((a) => node.shape[a] as number);
        const constant = (value: NumberArray) => broadcastStatistic(value, kept).map(Math.fround);
        const mean = node.attrs.mean === null ? weightData(weights, node.name, 'mean') : constant(node.attrs.mean);
        const variance = node.attrs.variance === null ? weightData(weights, node.name, 'variance') : constant(node.attrs.variance);
        const channels = shape.reduce((p, d) => p * d, 1);
        // A scalar mean and variance (axis=null) repeat over the channels.
        const at = (values: ArrayLike<number>, i: number) => values[values.length === 1 ? 0 : i];
        const gamma = new Float64Array(channels);
        const beta = new Float64Array(channels);
        const movingMean = new Float64Array(channels);
        for (let i = 0; i < channels; i++) {
          const deviation = Math.max(Math.sqrt(at(variance, i)), KERAS_EPSILON);
          gamma[i] = invert ? deviation : 1 / deviation;
          beta[i] = invert ? at(mean, i) : 0;
          movingMean[i] = invert ? 0 : at(mean, i);
        }
        if (node.attrs.mean === null) for (const variable of ['mean', 'variance', 'count']) weights.delete(weightKey(node.name, variable));
        weights.set(weightKey(node.name, 'gamma'), { shape, data: gamma });
        weights.set(weightKey(node.name, 'beta'), { shape, data: beta });
        weights.set(weightKey(node.name, 'moving_mean'), { shape, data: movingMean });
        weights.set(weightKey(node.name, 'moving_variance'), { shape, data: new Float64Array(channels).fill(FOLD_VARIANCE) });
      }
      note(node, 'converted', 'became the equal BatchNormalization (γ = 1/max(√variance, ε), μ = mean), for the BatchNormalization passes to fold or make an Affine');
    });
  },
};
