// Proof by execution that two graphs compute the same function: run both on the same
// inputs and compare every output element, numpy-allclose style:
//   |optimized − original| ≤ atol + rtol·|original|
// The relative error is reported over elements larger than atol (smaller ones are
// judged by atol alone: their relative error says nothing). NaN anywhere is a failure
// and shows as the maximum error; equal infinities are exact.

import type { Graph } from '../src/ir/types.js';
import type { HostTensor, WeightMap } from '../src/ir/tensors.js';
import type { BackendName } from './backend.js';
import { Model } from './model.js';
import { Random } from './random.js';
import { shapeSize } from '../src/ir/shape.js';

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

/** 1e-5: float32 rounding of weights folded in float64, accumulated over a few layers. */
export const DEFAULT_TOLERANCE: Tolerance = { atol: 1e-5, rtol: 1e-5 };

export interface Comparison {
  readonly maxAbsError: number;
  readonly maxRelError: number;
  /** Elements compared. */
  readonly elements: number;
  /** Elements outside the tolerance. */
  readonly failures: number;
  readonly within: boolean;
}

function relativeError(error: number, reference: number): number {
  if (error === 0 || Number.isNaN(error)) return error;
  return Number.isFinite(reference) ? error / Math.abs(reference) : Infinity;
}

/** The largest |a[i] − b[i]|: Infinity when the lengths differ, NaN when any value is NaN. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Compares outputs elementwise; outputs must match in number and shape, or all their elements fail. */
export function compareHost(reference: readonly HostTensor[], candidate: readonly HostTensor[], tolerance: Tolerance = DEFAULT_TOLERANCE): Comparison {
  let maxAbsError = 0;
  let maxRelError = 0;
  let elements = 0;
  let failures = 0;
  // A missing, extra or differently shaped output fails every element it has.
  const mismatch = (count: number) => {
    failures += Math.max(count, 1);
    elements += count;
    maxAbsError = Infinity;
  };
  for (let o = 0; o < Math.max(reference.length, candidate.length); o++) {
    const ref = reference[o];
    const cand = candidate[o];
    if (!ref || !cand || cand.data.length !== ref.data.length || cand.shape.join() !== ref.shape.join()) {
      mismatch(Math.max(ref?.data.length ?? 0, cand?.data.length ?? 0));
      continue;
    }
    for (let i = 0; i < ref.data.length; i++) {
      const a = ref.data[i];
      const b = cand.data[i];
      // Equal values are exact (±Infinity included); NaN on either side is an error
      // of NaN: never within, and Math.max keeps it as the maximum.
      const error = a === b ? 0 : Math.abs(a - b);
      elements++;
      // An infinite reference allows no error (its rtol·|y| would allow any).
      const bound = Number.isFinite(a) ? tolerance.atol + tolerance.rtol * Math.abs(a) : 0;
      if (!(error <= bound)) failures++;
      maxAbsError = Math.max(maxAbsError, error);
      if (!(Math.abs(a) <= tolerance.atol)) maxRelError = Math.max(maxRelError, relativeError(error, a));
    }
  }
  return { maxAbsError, maxRelError, elements, failures, within: failures === 0 };
}

export interface ModelPair {
  readonly graph: Graph;
  readonly weights: WeightMap;
}

/** Random inputs for a graph: standard normal values, `batches` batches of `batchSize`. */
export function randomInputs(graph: Graph, batches: number, batchSize: number, seed: number): HostTensor[][] {
  const random = new Random(seed).fork('verify-inputs');
  const sets: HostTensor[][] = [];
  for (let b = 0; b < batches; b++) {
    sets.push(
      graph.inputs.map((id) => {
        const shape = [batchSize, ...(graph.nodes[id].shape.slice(1) as number[])];
        const data = new Float32Array(shapeSize(shape));
        for (let i = 0; i < data.length; i++) data[i] = random.normal();
        return { shape, data };
      }),
    );
  }
  return sets;
}

/** Runs both models on every input set and compares all outputs. */
export async function compareModels(original: ModelPair, optimized: ModelPair, inputSets: readonly HostTensor[][], backend: BackendName, tolerance: Tolerance = DEFAULT_TOLERANCE): Promise<Comparison> {
  const a = new Model(original.graph, original.weights, backend);
  const b = new Model(optimized.graph, optimized.weights, backend);
  const reference: HostTensor[] = [];
  const candidate: HostTensor[] = [];
  try {
    for (const inputs of inputSets) {
      reference.push(...(await a.predictHost(inputs)));
      candidate.push(...(await b.predictHost(inputs)));
    }
  } finally {
    a.dispose();
    b.dispose();
  }
  return compareHost(reference, candidate, tolerance);
}

export function formatComparison(label: string, c: Comparison, tolerance: Tolerance): string {
  const verdict = c.within ? 'OK' : `FAILED (${c.failures} of ${c.elements} elements outside)`;
  return `${label}: max abs error ${c.maxAbsError.toExponential(2)}, max rel error ${c.maxRelError.toExponential(2)} over ${c.elements} values; tolerance ${tolerance.atol.toExponential()} + ${tolerance.rtol.toExponential()}·|y|: ${verdict}`;
}
