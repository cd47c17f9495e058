// The activations tfjs's fused kernels (_FusedMatMul, FusedConv2D,
// FusedDepthwiseConv2D) compute inside a linear layer's kernel, in tfjs's spelling.
// The one description of "fusable": the fuse-activations pass merges only these into
// a linear layer, and the runtime passes them to the fused kernels.

import type { Activation } from '../attributes.js';

export interface FusedActivation {
  readonly activation: 'linear' | 'relu' | 'relu6' | 'elu' | 'sigmoid' | 'leakyrelu';
  readonly leakyreluAlpha?: number;
}

/** The tfjs fused-kernel form of an activation, or null when tfjs has none (then it runs as its own op). */
export function fusedActivation(a: Activation): FusedActivation | null {
  switch (a.name) {
    case 'linear':
    case 'relu':
    case 'relu6':
    case 'sigmoid':
      return { activation: a.name };
    case 'elu':
      // tfjs's fused elu has α = 1.
      return a.alpha === undefined || a.alpha === 1 ? { activation: 'elu' } : null;
    case 'leaky_relu':
      return { activation: 'leakyrelu', leakyreluAlpha: a.alpha ?? 0.2 };
    default:
      return null;
  }
}
