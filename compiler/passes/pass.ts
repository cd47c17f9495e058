// What an optimizer pass is: a pure function from a model (graph + optional weights)
// to a model, with a report of every decision it made. A pass never mutates what it
// is given; a precondition that fails becomes a reason in the report, never a crash.
// Weights are folded in float64 (a folded kernel is a FoldedKernel: its values are
// computed in float64 when first read); they become float32 only when stored (runtime
// upload, bundles).

import { GraphEditor } from '../../src/ir/rewrite.js';
import type { Graph, Node, NodeId } from '../../src/ir/types.js';
import type { HostTensor, WeightMap } from '../../src/ir/tensors.js';
import { weightKey } from '../../src/ir/tensors.js';
import { FoldedKernel, type KernelFactor } from './foldedKernel.js';

export type BuildMode = 'inference' | 'training';

export interface ModelState {
  readonly graph: Graph;
  /** Absent for structural runs (`nnc ir --after`, `nnc summary --optimize`). */
  readonly weights: WeightMap | null;
}

/** One decision about one layer. */
export interface PassNote {
  readonly pass: string;
  /** The layer the decision is about. */
  readonly layer: string;
  readonly kind: string;
  /** `folded`: merged into `into`; `removed`: dropped as an identity; `kept`: left as is, with `reason`. */
  readonly action: 'folded' | 'removed' | 'kept' | 'converted';
  readonly into?: string;
  readonly detail: string;
}

export interface PassResult extends ModelState {
  readonly notes: readonly PassNote[];
}

export interface Pass {
  readonly name: string;
  /** One line: what the pass does. */
  readonly summary: string;
  /** Builds the pass may run in. */
  readonly modes: readonly BuildMode[];
  run(state: ModelState, mode: BuildMode): PassResult;
}

/** What reading a weight needs: a weight map, or a pass's `WeightEdits`. */
export interface WeightReader {
  get(key: string): HostTensor | undefined;
}

/** A weight's values, as stored (not copied: read only). */
export function weightData(weights: WeightReader, layer: string, variable: string): Float32Array | Float64Array {
  const tensor = weights.get(weightKey(layer, variable));
  if (!tensor) throw new Error(`missing weight '${weightKey(layer, variable)}'`);
  return tensor.data;
}

/** A weight as float64 values (copied). */
export function weight64(weights: WeightReader, layer: string, variable: string): Float64Array {
  return new Float64Array(weightData(weights, layer, variable));
}

/**
 * A pass's edits to a weight map. Reads see the edits; the map is copied on the first
 * edit, so a pass that changes no weight copies nothing and returns the map it was given
 * (at 10,000 layers a copy is 16,000 entries, and the optimizer runs eleven passes).
 */
export class WeightEdits implements WeightReader {
  readonly #given: WeightMap;
  #edited: Map<string, HostTensor> | null = null;

  constructor(given: WeightMap) {
    this.#given = given;
  }

  get(key: string): HostTensor | undefined {
    return (this.#edited ?? this.#given).get(key);
  }

  set(key: string, tensor: HostTensor): void {
    this.#edit().set(key, tensor);
  }

  delete(key: string): void {
    this.#edit().delete(key);
  }

  /** The weights after the edits: the given map itself when there were none. */
  result(): WeightMap {
    return this.#edited ?? this.#given;
  }

  #edit(): Map<string, HostTensor> {
    return (this.#edited ??= new Map(this.#given));
  }
}

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

export const BATCH_NORM_VARIABLES = ['gamma', 'beta', 'moving_mean', 'moving_variance'] as const;

/** Removes a folded BatchNormalization's variables from a weight map being edited. */
export function deleteBatchNormWeights(weights: WeightEdits, layer: string): void {
  for (const variable of BATCH_NORM_VARIABLES) weights.delete(weightKey(layer, variable));
}

/** The node consuming `id` in the editor's graph, if it has exactly one consumer and is not also an output. Otherwise why not. */
export function soleConsumer(editor: GraphEditor, id: NodeId): { node: Node } | { reason: string } {
  const { graph } = editor;
  const node = graph.nodes[id];
  const users = editor.consumersOf(id);
  if (editor.isOutput(id)) return { reason: `'${node.name}' is a model output, so its value must stay as it is` };
  if (users.length !== 1) return { reason: `'${node.name}' feeds ${users.length} consumers (${users.map((u) => graph.nodes[u].name).join(', ')}), so changing it would change the others` };
  return { node: graph.nodes[users[0]] };
}

/** "a Flatten", "an Add": a kind with its indefinite article, for notes. */
export function article(kind: string): string {
  return `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}`;
}

export const LINEAR_LAYERS = ['Dense', 'Conv2D', 'DepthwiseConv2D'] as const;
export type LinearKind = (typeof LINEAR_LAYERS)[number];

export function isLinearLayer(node: Node): node is Node & { kind: LinearKind } {
  return (LINEAR_LAYERS as readonly string[]).includes(node.kind);
}

/** The kernel variable of a linear layer. */
export function kernelName(node: Node & { kind: LinearKind }): 'kernel' | 'depthwise_kernel' {
  return node.kind === 'DepthwiseConv2D' ? 'depthwise_kernel' : 'kernel';
}

/** Output channels of a linear layer (the size of its bias). */
export function outputChannels(node: Node & { kind: LinearKind }): number {
  return node.shape[node.shape.length - 1] as number;
}

/** What a rewriting pass has at hand for each node it visits. */
export interface Rewrite {
  /** The graph as the pass received it. */
  readonly graph: Graph;
  readonly editor: GraphEditor;
  /** The weights, to read and edit (for passes that edit weights); null in structural runs. */
  readonly weights: WeightEdits | null;
  /** Records a decision about `node` in the pass's notes. */
  note(node: Node, action: PassNote['action'], detail: string, into?: string): void;
}

/**
 * The skeleton of every pass: visits each node of the graph in order with an editor, the
 * weights (a copy to edit when `editsWeights`) and a note-taker, then builds the result.
 */
export function rewriteNodes(pass: Pass, { graph, weights }: ModelState, editsWeights: boolean, visit: (node: Node, r: Rewrite) => void): PassResult {
  const editor = new GraphEditor(graph);
  const out = weights && editsWeights ? new WeightEdits(weights) : null;
  const notes: PassNote[] = [];
  const rewrite: Rewrite = {
    graph,
    editor,
    weights: out,
    note: (node, action, detail, into) => notes.push({ pass: pass.name, layer: node.name, kind: node.kind, action, ...(into === undefined ? {} : { into }), detail }),
  };
  for (const node of graph.nodes) visit(node, rewrite);
  return { graph: editor.build(), weights: out ? out.result() : weights, notes };
}

export type BatchNormNode = Node & { kind: 'BatchNormalization' };

/** What a BatchNormalization pass gets for each BN of the graph, in order. */
export interface BatchNormVisit extends Rewrite {
  readonly bn: BatchNormNode;
  /** Records that the BN stays where it is, and why. */
  kept(detail: string): void;
  /** Records what became of the BN. */
  done(action: 'folded' | 'converted', into: string, detail: string): void;
}

/** `rewriteNodes` for the BatchNormalization passes: visits each BN, with note-takers about it. */
export function rewriteBatchNorms(pass: Pass, state: ModelState, visit: (v: BatchNormVisit) => void): PassResult {
  return rewriteNodes(pass, state, true, (bn, r) => {
    if (bn.kind !== 'BatchNormalization') return;
    // Spelled out, not `{ ...r }`: a spread per BN was a tenth of a fold's time.
    const { graph, editor, weights, note } = r;
    visit({ graph, editor, weights, note, bn, kept: (detail) => note(bn, 'kept', detail), done: (action, into, detail) => note(bn, action, detail, into) });
  });
}

/** What a fold into a linear layer updates in place, and what it may read. */
export interface LinearFold {
  /** The layer's bias in float64, to update (zeros when the layer had none). */
  readonly bias: Float64Array;
  /** The layer's current kernel values, read only (a folded kernel's are computed then). */
  kernel(): Float32Array | Float64Array;
}

/**
 * Folds `factor` into `layer`'s kernel in `weights` — kept as a FoldedKernel, computed
 * when first read — and lets `updateBias` update its bias in float64 (the layer has a
 * bias from then on).
 */
export function foldIntoLinear(weights: WeightEdits, layer: Node & { kind: LinearKind }, factor: KernelFactor, updateBias: (f: LinearFold) => void): void {
  const kernelKey = weightKey(layer.name, kernelName(layer));
  const current = weights.get(kernelKey);
  if (!current) throw new Error(`missing weight '${kernelKey}'`);
  const channels = outputChannels(layer);
  const bias = layer.attrs.use_bias ? weight64(weights, layer.name, 'bias') : new Float64Array(channels);
  updateBias({ bias, kernel: () => current.data });
  weights.set(kernelKey, FoldedKernel.scale(current, factor));
  weights.set(weightKey(layer.name, 'bias'), { shape: [channels], data: bias });
}

/**
 * Removes `bn` from the graph and folds it into `layer` (Dense/Conv): `fold` gives, from
 * the BN's `s` and `t`, the kernel's factor and updates the bias (see `foldIntoLinear`);
 * the layer keeps a bias from then on.
 */
export function absorbBatchNorm(
  v: BatchNormVisit,
  layer: Node & { kind: LinearKind },
  fold: (affine: { scale: Float64Array; shift: Float64Array }) => { factor: KernelFactor; updateBias: (f: LinearFold) => void },
): void {
  v.editor.update(layer.id, layer.kind, { ...layer.attrs, use_bias: true } as never);
  v.editor.bypass(v.bn.id);
  const out = v.weights;
  if (!out) return;
  const { factor, updateBias } = fold(batchNormAffine(out, v.bn));
  foldIntoLinear(out, layer, factor, updateBias);
  deleteBatchNormWeights(out, v.bn.name);
}
