// BatchNormalization in inference is a per-channel affine map, `y = x·s + t` with
// `s = γ / √(σ² + ε)` and `t = β − μ·s`; the BN passes fold it into a neighbouring
// Dense or convolution (foldIntoLinear.ts) or turn it into an Affine layer.

import type { Node } from '../../src/ir/types.js';
import { weightKey } from '../../src/ir/tensors.js';
import type { KernelFactor } from './foldedKernel.js';
import { type LinearFold, foldIntoLinear } from './foldIntoLinear.js';
import type { LinearKind } from '../../src/ir/layers/index.js';
import type { BatchNormVisit } from './rewrite.js';
import { type WeightEdits, type WeightReader, weightData } from './weightEdits.js';

/** `s = γ / √(σ² + ε)` and `t = β − μ·s` per channel: BatchNormalization in inference is `y = x·s + t`. */
export function batchNormAffine(weights: WeightReader, bn: Node & { kind: 'BatchNormalization' }): { scale: Float64Array; shift: Float64Array } {
  // Read in place, not copied through weight64: four buffers fewer per BN (at 10,000
  // layers, allocation and the collector's work are a good part of the optimizer's time).
  const mean = weightData(weights, bn.name, 'moving_mean');
  const variance = weightData(weights, bn.name, 'moving_variance');
  const gamma = bn.attrs.scale ? weightData(weights, bn.name, 'gamma') : null;
  const beta = bn.attrs.center ? weightData(weights, bn.name, 'beta') : null;
  const channels = mean.length;
  const both = new Float64Array(2 * channels);
  const scale = both.subarray(0, channels);
  const shift = both.subarray(channels);
  for (let i = 0; i < channels; i++) {
    scale[i] = (gamma ? gamma[i] : 1) / Math.sqrt(variance[i] + bn.attrs.epsilon);
    shift[i] = (beta ? beta[i] : 0) - mean[i] * scale[i];
  }
  return { scale, shift };
}

const BATCH_NORM_VARIABLES = ['gamma', 'beta', 'moving_mean', 'moving_variance'] as const;

/** Removes a folded BatchNormalization's variables from a weight map being edited. */
export function deleteBatchNormWeights(weights: WeightEdits, layer: string): void {
  for (const variable of BATCH_NORM_VARIABLES) weights.delete(weightKey(layer, variable));
}

/**
 * Removes `bn` from the graph and folds it into `layer` (Dense/Conv): `fold` gives, from
 * the BN's `s` and `t`, the kernel's factor and updates the bias (see `foldIntoLinear`);
 * the layer keeps a bias from then on, which records the BN it came from (foldedBias.ts).
 */
export function absorbBatchNorm(
  v: BatchNormVisit,
  layer: Node & { kind: LinearKind },
  fold: (affine: { scale: Float64Array; shift: Float64Array }) => { factor: KernelFactor; updateBias: (f: LinearFold) => void; kernel?: string },
): void {
  v.editor.update(layer.id, layer.kind, { ...layer.attrs, use_bias: true } as never);
  v.editor.bypass(v.bn.id);
  const out = v.weights;
  if (!out) return;
  // The BN's own tensors as they were, kept on the bias (foldedBias.ts: a bundle may store them and compute factor and bias at load).
  const read = (variable: string) => out.get(weightKey(v.bn.name, variable)) ?? null;
  const { factor, updateBias, kernel } = fold(batchNormAffine(out, v.bn));
  const origin = {
    layer: v.bn.name,
    epsilon: v.bn.attrs.epsilon,
    gamma: v.bn.attrs.scale ? read('gamma') : null,
    beta: v.bn.attrs.center ? read('beta') : null,
    movingMean: read('moving_mean')!,
    movingVariance: read('moving_variance')!,
    scale: factor.values,
    after: v.bn.inputs[0] === layer.id,
  };
  foldIntoLinear(out, layer, factor, updateBias, kernel, origin);
  deleteBatchNormWeights(out, v.bn.name);
}
