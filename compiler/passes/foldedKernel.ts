// A folded kernel: the kernel a fold started from and the per-channel factors the folds
// multiplied it by, in order, kept until its values are first read.
//
//   value[i] = (…((source[i] · f₁[c₁(i)]) · f₂[c₂(i)]) …) · fₙ[cₙ(i)]     cₖ(i) = ⌊i / strideₖ⌋ mod |fₖ|
//
// in float64, one product per fold in fold order: exactly what folding eagerly into
// float64 arrays computes, so the values (and their float32 rounding when stored) are
// the same bits. What changes is when: the optimizer allocates and writes no kernel, and
// a value is computed once, where it is consumed (upload, bundle) — at 10,000 layers,
// writing 110 MB of float64 kernels inside `optimize` was most of its time.

import { shapeSize } from '../../src/ir/shape.js';
import type { HostTensor } from '../../src/ir/tensors.js';

/** A factor of a folded kernel: one value per channel (or one scalar for every element). */
export interface KernelFactor {
  readonly values: Float64Array | number;
  /** Element i belongs to channel ⌊i / stride⌋ mod values.length. */
  readonly stride: number;
}

export class FoldedKernel implements HostTensor {
  readonly shape: readonly number[];
  /** The values the first fold started from (stored weights: float32, or float64). */
  readonly source: Float32Array | Float64Array;
  readonly factors: readonly KernelFactor[];
  #data: Float64Array | undefined;

  constructor(shape: readonly number[], source: Float32Array | Float64Array, factors: readonly KernelFactor[]) {
    if (source.length !== shapeSize(shape)) throw new Error(`a folded kernel of shape [${shape.join(', ')}] needs ${shapeSize(shape)} values, not ${source.length}`);
    this.shape = shape;
    this.source = source;
    this.factors = factors;
  }

  /** `tensor` times `factor`: a new FoldedKernel (the source and earlier factors are shared, not copied). */
  static scale(tensor: HostTensor, factor: KernelFactor): FoldedKernel {
    return tensor instanceof FoldedKernel ? new FoldedKernel(tensor.shape, tensor.source, [...tensor.factors, factor]) : new FoldedKernel(tensor.shape, tensor.data, [factor]);
  }

  /** The values in float64, computed on the first read and kept. */
  get data(): Float64Array {
    if (!this.#data) {
      this.#data = new Float64Array(this.source.length);
      this.#compute(this.#data, 0);
    }
    return this.#data;
  }

  /** The float64 values if they have been read already. */
  get known(): Float64Array | undefined {
    return this.#data;
  }

  /**
   * The values rounded to float32 (once, from float64), computed a chunk at a time so
   * that no float64 copy of the kernel is made.
   */
  toFloat32(): Float32Array {
    if (this.#data) return new Float32Array(this.#data);
    const out = new Float32Array(this.source.length);
    for (let start = 0; start < out.length; start += CHUNK.length) {
      const part = CHUNK.subarray(0, Math.min(CHUNK.length, out.length - start));
      this.#compute(part, start);
      out.set(part, start);
    }
    return out;
  }

  /** Values start … start + out.length − 1 into `out`. */
  #compute(out: Float64Array, start: number): void {
    out.set(this.source.subarray(start, start + out.length));
    // Factor by factor in fold order: each element gets the same float64 products, in the
    // same order, as when every fold wrote its own float64 kernel.
    for (const { values, stride } of this.factors) {
      if (typeof values === 'number') {
        for (let i = 0; i < out.length; i++) out[i] *= values;
        continue;
      }
      const channels = values.length;
      let c = Math.floor(start / stride) % channels;
      // The first run is what is left of the channel `start` falls in.
      for (let i = 0, run = stride - (start % stride); i < out.length; run = stride, c = c + 1 === channels ? 0 : c + 1) {
        const v = values[c];
        const end = Math.min(i + run, out.length);
        for (; i < end; i++) out[i] *= v;
      }
    }
  }
}

/** The buffer float32 values are computed through, a chunk at a time (128 KiB, shared: one allocation, not one per kernel). */
const CHUNK = new Float64Array(1 << 14);
