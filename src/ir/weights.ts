// The weights a graph expects, and checking a weight map against them: every name,
// shape and dtype, with every mismatch reported at once.

import { NncError, didYouMean, error } from '../diagnostics.js';
import { nodeWeights } from './ops.js';
import type { Graph, WeightSpec } from './types.js';
import type { WeightMap } from './tensors.js';
import { hostLength, weightKey } from './tensors.js';
import { formatShape, shapeSize } from './shape.js';

/** Every weight of the graph, keyed `<layer>/<variable>`, in graph order. */
export function expectedWeights(graph: Graph): Map<string, WeightSpec> {
  const expected = new Map<string, WeightSpec>();
  for (const node of graph.nodes) {
    for (const spec of nodeWeights(graph, node)) expected.set(weightKey(node.name, spec.name), spec);
  }
  return expected;
}


/**
 * Weight maps already found to fit a graph, with the tensors they held then. A build
 * hands one pair to several stages (read, optimize, verify, bundle, load); each stage
 * after the first only confirms that the map still holds the very same tensors (a map
 * edited since, through a mutable reference, is checked again in full).
 */
const fitting = new WeakMap<WeightMap, { readonly graph: Graph; readonly tensors: readonly unknown[] }>();

function stillFits(graph: Graph, weights: WeightMap): boolean {
  const seen = fitting.get(weights);
  if (!seen || seen.graph !== graph || seen.tensors.length !== weights.size) return false;
  let i = 0;
  for (const tensor of weights.values()) if (tensor !== seen.tensors[i++]) return false;
  return true;
}

/**
 * Throws one NncError listing every missing, unexpected and mis-shaped weight, naming
 * each weight with its expected and found shape. `what` names the weights' origin.
 */
export function checkWeightMap(graph: Graph, weights: WeightMap, what: string): void {
  if (stillFits(graph, weights)) return;
  const expected = expectedWeights(graph);
  const problems: string[] = [];
  for (const [key, spec] of expected) {
    const found = weights.get(key);
    if (!found) {
      problems.push(`missing weight '${key}' (expected shape ${formatShape(spec.shape)})${didYouMean(key, [...weights.keys()].filter((k) => !expected.has(k)))}`);
      continue;
    }
    if (found.shape.length !== spec.shape.length || found.shape.some((d, i) => d !== spec.shape[i])) {
      problems.push(`weight '${key}' has shape ${formatShape(found.shape)}, expected ${formatShape(spec.shape)}`);
    } else if (hostLength(found) !== shapeSize(spec.shape)) {
      problems.push(`weight '${key}' holds ${hostLength(found)} values, but its shape ${formatShape(spec.shape)} needs ${shapeSize(spec.shape)}`);
    }
    // (A tensor computed when read, a folded kernel, is float64 by construction.)
    if (!found.toFloat32 && !(found.data instanceof Float32Array) && !(found.data instanceof Float64Array)) {
      problems.push(`weight '${key}' is not floating point`);
    }
  }
  for (const key of weights.keys()) {
    if (!expected.has(key)) problems.push(`unexpected weight '${key}': model '${graph.name}' has no such weight${didYouMean(key, [...expected.keys()].filter((k) => !weights.has(k)))}`);
  }
  if (problems.length > 0) {
    const count = problems.length;
    throw new NncError([error(`${what} does not fit model '${graph.name}' (${count} problem${count > 1 ? 's' : ''}):\n  ${problems.join('\n  ')}`)]);
  }
  fitting.set(weights, { graph, tensors: [...weights.values()] });
}

