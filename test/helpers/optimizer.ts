// Helpers for optimizer tests: run the pipeline with the IR verifier after every pass,
// compare original and optimized graphs on the same random inputs, read pass notes,
// and set BatchNormalization statistics by hand.

import type { ExecutionContext } from 'ava';
import { optimize, type OptimizeOptions, type OptimizeResult } from '../../compiler/passes/pipeline.js';
import type { ModelState, PassNote } from '../../compiler/passes/pass.js';
import type { Graph, Node, OpKind } from '../../src/ir/types.js';
import type { HostTensor, WeightMap } from '../../src/ir/tensors.js';
import { assertValidGraph } from '../../src/ir/verify.js';
import { type Comparison, type ModelPair, type Tolerance, DEFAULT_TOLERANCE, compareModels, randomInputs } from '../../runtime/verify.js';
import { randomizedWeights } from './models.js';

/** The pipeline, with `assertValidGraph` after every pass (and the caller's own hook). */
export function optimizeVerified(state: ModelState, options: OptimizeOptions = {}): OptimizeResult {
  return optimize(state, {
    ...options,
    afterEach: (step) => {
      try {
        assertValidGraph(step.graph);
      } catch (e) {
        throw new Error(`after pass '${step.pass}': ${(e as Error).message}`);
      }
      options.afterEach?.(step);
    },
  });
}

/** Runs both models on `batches` random batches and compares every output element. */
export async function equivalence(
  original: ModelPair,
  optimized: ModelPair,
  options: { tolerance?: Tolerance; batches?: number; batchSize?: number; seed?: number } = {},
): Promise<Comparison> {
  const inputs = randomInputs(original.graph, options.batches ?? 2, options.batchSize ?? 8, options.seed ?? 11);
  return compareModels(original, optimized, inputs, 'wasm', options.tolerance ?? DEFAULT_TOLERANCE);
}

/**
 * Optimizes with the verifier after each pass and checks optimized ≡ original within
 * DEFAULT_TOLERANCE (1e-5 + 1e-5·|y|: float32 rounding of the folded layers); for a graph
 * with BatchNormalizations, also that their statistics are visible in the outputs (so the
 * comparison could not pass for an optimizer that dropped them).
 */
export async function optimizeAndCompare(t: ExecutionContext, graph: Graph, weights: WeightMap = randomizedWeights(graph, 2)): Promise<OptimizeResult> {
  const result = optimizeVerified({ graph, weights });
  const comparison = await equivalence({ graph, weights }, { graph: result.graph, weights: result.weights! });
  t.true(comparison.within, `optimized ≢ original: max abs ${comparison.maxAbsError}, max rel ${comparison.maxRelError}`);
  if (countKind(graph, 'BatchNormalization') > 0) {
    const blind = await equivalence({ graph, weights }, { graph, weights: identityBatchNorms(graph, weights) });
    t.false(blind.within, 'the BN statistics are visible in the outputs');
  }
  return result;
}

/**
 * The same weights with every BatchNormalization made the identity (γ = 1, β = 0,
 * μ = 0, σ² = 1 − ε, so s = 1 and t = 0). A comparison that cannot tell the original
 * from this would also pass for an optimizer that dropped the statistics.
 */
export function identityBatchNorms(graph: Graph, weights: WeightMap): Map<string, HostTensor> {
  const out = new Map(weights);
  for (const node of graph.nodes) {
    if (node.kind !== 'BatchNormalization') continue;
    const fill = (variable: string, value: number) => {
      const key = `${node.name}/${variable}`;
      const tensor = out.get(key);
      if (tensor) out.set(key, { shape: tensor.shape, data: new Float32Array(tensor.data.length).fill(value) });
    };
    fill('gamma', 1);
    fill('beta', 0);
    fill('moving_mean', 0);
    fill('moving_variance', 1 - node.attrs.epsilon);
  }
  return out;
}

export function kinds(graph: Graph): OpKind[] {
  return graph.nodes.map((n) => n.kind);
}

export function countKind(graph: Graph, kind: OpKind): number {
  return graph.nodes.filter((n) => n.kind === kind).length;
}

export function nodeNamed(graph: Graph, name: string): Node {
  const node = graph.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no node '${name}' in ${graph.name}`);
  return node;
}

export function allNotes(result: OptimizeResult): PassNote[] {
  return result.steps.flatMap((s) => s.notes);
}

/** The notes about one layer, from every pass run. */
export function notesAbout(result: OptimizeResult, layer: string): PassNote[] {
  return allNotes(result).filter((n) => n.layer === layer);
}

/** The note recording that `layer` was folded (by any pass but fold-bias), or undefined. */
export function foldOf(result: OptimizeResult, layer: string): PassNote | undefined {
  return notesAbout(result, layer).find((n) => n.action === 'folded');
}

/** A deep, comparable snapshot of a graph (locations reduced to their offsets). */
export function graphSnapshot(graph: Graph): string {
  return JSON.stringify(graph, (key, value) => (key === 'loc' ? (value ? [value.start, value.end] : null) : value));
}

/** A deep copy of a weight map: keys, shapes, array types and values. */
export interface WeightsSnapshot {
  readonly entries: readonly { key: string; shape: readonly number[]; type: string; data: Float64Array }[];
}

export function weightsSnapshot(weights: WeightMap | null): WeightsSnapshot | null {
  if (!weights) return null;
  return { entries: [...weights].map(([key, t]) => ({ key, shape: [...t.shape], type: t.data.constructor.name, data: Float64Array.from(t.data) })) };
}

type Entry = { key: string; shape: readonly number[]; type: string; data: ArrayLike<number> };

function entriesOf(weights: WeightsSnapshot | WeightMap): readonly Entry[] {
  if ('entries' in weights && Array.isArray(weights.entries)) return (weights as WeightsSnapshot).entries;
  return [...(weights as WeightMap)].map(([key, t]) => ({ key, shape: t.shape, type: t.data.constructor.name, data: t.data }));
}

/** Whether two weight maps or snapshots hold the same keys, shapes, types and values (bit for bit). */
export function sameWeights(a: WeightsSnapshot | WeightMap | null, b: WeightsSnapshot | WeightMap | null): boolean {
  if (a === null || b === null) return a === b;
  const [x, y] = [entriesOf(a), entriesOf(b)];
  if (x.length !== y.length) return false;
  return x.every((p, i) => {
    const q = y[i];
    if (p.key !== q.key || p.type !== q.type || p.shape.join() !== q.shape.join() || p.data.length !== q.data.length) return false;
    for (let j = 0; j < p.data.length; j++) if (!Object.is(p.data[j], q.data[j])) return false;
    return true;
  });
}

/** Whether a value and everything it holds (except locations) is frozen. */
export function deeplyFrozen(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (!Object.isFrozen(value)) return false;
  return Object.entries(value).every(([key, child]) => key === 'loc' || deeplyFrozen(child));
}
