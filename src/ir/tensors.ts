// Tensors held on the host (weights, inputs) and weight maps keyed `<layer>/<variable>`.

import { shapeSize } from './shape.js';

/** A tensor held on the host, e.g. a weight. Float64 where the optimizer folds, float32 elsewhere. */
export interface HostTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
  /**
   * Present on tensors whose values are computed when read (the optimizer's folded
   * kernels): the values as float32, computed without keeping a float64 copy.
   */
  toFloat32?(): Float32Array;
}

/** A host tensor's values as float32, as they are stored or uploaded. */
export function hostFloat32(tensor: HostTensor): Float32Array {
  return tensor.toFloat32 ? tensor.toFloat32() : float32(tensor.data);
}

/** A host tensor's number of values, without computing the values of a lazy one. */
export function hostLength(tensor: HostTensor): number {
  return tensor.toFloat32 ? shapeSize(tensor.shape) : tensor.data.length;
}

/** `data` as a Float32Array: itself when it is one, else a float32 copy (folded float64 weights, integer labels). */
export function float32(data: ArrayLike<number>): Float32Array {
  return data instanceof Float32Array ? data : new Float32Array(data);
}

/** Weights keyed `<layer>/<variable>`. */
export type WeightMap = ReadonlyMap<string, HostTensor>;

export function weightKey(layer: string, variable: string): string {
  return `${layer}/${variable}`;
}

/** Index of the first NaN or ±Infinity, or -1. */
export function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // v - v is 0 for finite v and NaN for NaN and ±Infinity.
    if (v - v !== 0) return i;
  }
  return -1;
}

/** The multi-index of flat position `index` in a C-ordered array, for messages: `[1, 2]`. */
export function multiIndexText(index: number, shape: readonly number[]): string {
  const coordinates: number[] = new Array(shape.length);
  let rest = index;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    coordinates[axis] = rest % shape[axis];
    rest = Math.floor(rest / shape[axis]);
  }
  return `[${coordinates.join(', ')}]`;
}

/** A weight's dtype as an imported model stored it (tfjs-converter's names); its values are float32 either way. */
export type SourceDtype = 'float32' | 'float16' | 'uint8' | 'uint16';

/**
 * How an imported model stored a quantized weight (tfjs-converter's affine uint8/uint16,
 * one range per tensor): value = q · scale + min. A bundle keeps the codes q (runtime/bundle/sourceCodes.ts).
 */
export interface SourceQuantization {
  readonly dtype: 'uint8' | 'uint16';
  readonly min: number;
  readonly scale: number;
}

/**
 * What a BatchNormalization fold records on the bias it writes (compiler/passes/foldedBias.ts
 * has the algebra): the BN's tensors as the fold read them, so that a bundle writer
 * (runtime/bundle/batchNormCodes.ts) can store the BN's source codes instead.
 */
export interface BatchNormOrigin {
  /** The BatchNormalization layer's name. */
  readonly layer: string;
  readonly epsilon: number;
  /** null when the BN has scale=false (γ = 1) / center=false (β = 0). */
  readonly gamma: HostTensor | null;
  readonly beta: HostTensor | null;
  readonly movingMean: HostTensor;
  readonly movingVariance: HostTensor;
  /** The layer's bias before the fold (null: none, b = 0). */
  readonly kernelBias: HostTensor | null;
  /** The factor the kernel was multiplied by (FoldedKernel's factor values: the same object). */
  readonly scale: Float64Array | number;
  /** Whether the BN came after the layer (b' = b·s + t), not before it. */
  readonly after: boolean;
}
