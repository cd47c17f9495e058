// A folded bias's origin: the BatchNormalization tensors a fold computed it from.
//
//   BN after the layer (fuse-batchnorm-into-preceding):
//     s = γ / √(σ² + ε)        t = β − μ·s        b' = b·s + t      (float64, in this order)
//   γ = 1 without scale, β = 0 without center, b = 0 when the layer had no bias.
//
// The fold keeps, on the bias it writes, the BN's four tensors as it read them, its ε,
// the layer's bias before the fold, and the factor `s` it multiplied the kernel by (the
// same array: a bundle writer knows the kernel's factor is this BN's by identity). A
// bundle built from a quantized source stores the BN's own codes instead of `s` and `b'`
// and the loader computes both (runtime/bundle/batchNormCodes.ts), with the same
// operations, so the values are the same bits. Folds into the layer after the BN
// (b' = b + Wᵀ·t needs the kernel) record `after: false`; the writer keeps floats then.

import type { BatchNormOrigin, HostTensor } from '../../src/ir/tensors.js';

export type { BatchNormOrigin };

/** A bias a BatchNormalization fold wrote. */
export interface FoldedBias extends HostTensor {
  readonly batchNorm: BatchNormOrigin;
}
