// Folding a per-channel factor into a linear layer (Dense, convolution): its kernel is
// multiplied by the factor along the output channels, lazily (FoldedKernel), and its
// bias updated in float64. Folding a BatchNormalization or a Rescaling ends here.

import type { Node } from '../../src/ir/types.js';
import { weightKey } from '../../src/ir/tensors.js';
import { FoldedKernel, type KernelFactor } from './foldedKernel.js';
import type { LinearKind } from '../../src/ir/layers/index.js';
import { kernelName } from '../../src/ir/ops.js';
import { outputChannels } from './linearLayers.js';
import { type WeightEdits, weight64 } from './weightEdits.js';
import type { BatchNormOrigin, FoldedBias } from './foldedBias.js';

/** What a fold into a linear layer updates in place, and what it may read. */
export interface LinearFold {
  /** The layer's bias in float64, to update (zeros when the layer had none). */
  readonly bias: Float64Array;
  /** The layer's current kernel values, read only (a folded kernel's are computed then). */
  kernel(): Float32Array | Float64Array;
}

/**
 * Folds `factor` into `layer`'s kernel (or its variable `kernel`: SeparableConv2D's
 * depthwise kernel when a BN before it folds) in `weights` — kept as a FoldedKernel, computed
 * when first read — and lets `updateBias` update its bias in float64 (the layer has a
 * bias from then on).
 */
export function foldIntoLinear(
  weights: WeightEdits,
  layer: Node & { kind: LinearKind },
  factor: KernelFactor,
  updateBias: (f: LinearFold) => void,
  kernel = kernelName(layer),
  /** What the bias was computed from, kept on it (foldedBias.ts) when a BatchNormalization folded. */
  origin?: Omit<BatchNormOrigin, 'kernelBias'>,
): void {
  const kernelKey = weightKey(layer.name, kernel);
  const current = weights.get(kernelKey);
  if (!current) throw new Error(`missing weight '${kernelKey}'`);
  const channels = outputChannels(layer);
  const before = layer.attrs.use_bias ? weights.get(weightKey(layer.name, 'bias')) : undefined;
  const bias = layer.attrs.use_bias ? weight64(weights, layer.name, 'bias') : new Float64Array(channels);
  updateBias({ bias, kernel: () => current.data });
  weights.set(kernelKey, FoldedKernel.scale(current, factor));
  const folded = { shape: [channels], data: bias };
  const recorded: FoldedBias | undefined = origin && { ...folded, batchNorm: { ...origin, kernelBias: before ?? null } };
  weights.set(weightKey(layer.name, 'bias'), recorded ?? folded);
}
