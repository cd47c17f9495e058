// What each op of the IR means, asked by kind: its output shape from its inputs'
// shapes, and the weights it declares, both read from its layer definition
// (src/ir/layers/). The compiler's shape inference, the verifier, the optimizer passes,
// the summary, the initializers and the runtime all ask here.

import type { Shape } from './attributes.js';
import type { LayerDef, ShapeResult, ShapedInput } from './layers/define.js';
import { type LinearKind, layerDef } from './layers/index.js';
import { formatShape } from './shape.js';
import type { Graph, Node, OpKind, WeightSpec } from './types.js';

/** The definition of a kind the graph holds; a kind nothing defines is a bug (graphs from JSON are checked). */
function defOf(kind: string): LayerDef {
  const def = layerDef(kind);
  if (!def) throw new Error(`unknown op kind '${kind}'`);
  return def;
}

/** Infer the output shape of a node of kind `kind` (typed entry point for callers holding a union). */
export function inferShape(kind: OpKind, attrs: unknown, inputs: readonly ShapedInput[]): ShapeResult {
  const result = defOf(kind).inferShape(attrs, inputs);
  // Sums and products of safe dimensions (padding, depth_multiplier) can leave the exact range.
  if ('shape' in result && result.shape.some((d, i) => i > 0 && !Number.isSafeInteger(d))) {
    // Not printed: such a dimension is already rounded.
    const from = inputs.map((input) => `'${input.name}' ${formatShape(input.shape)}`).join(', ');
    return { error: `${kind} of ${from} would have an output dimension beyond 2^53 - 1, which cannot be represented exactly` };
  }
  return result;
}

/** The weights of a node, trainability resolved (`trainable=false` layers and moving statistics are non-trainable). */
export function nodeWeights(graph: Graph, node: Node): readonly WeightSpec[] {
  const inputShapes = node.inputs.map((id) => graph.nodes[id].shape);
  return declaredWeights(node.kind, node.attrs, inputShapes, node.trainable);
}

/** The variables a layer of `kind` owns with these attributes and input shapes, in its definition's order. */
export function declaredWeights(kind: OpKind, attrs: unknown, inputShapes: readonly Shape[], trainable: boolean): readonly WeightSpec[] {
  const variables = defOf(kind).variables;
  const specs: WeightSpec[] = [];
  const a = attrs as Record<string, never>;
  // Explicit literals rather than spreads: this runs for every layer in lowering and
  // summaries, and a spread here was the front end's hottest line.
  for (const v of variables) {
    if (v.when && !v.when(attrs)) continue;
    const isState = v.state === true;
    specs.push({
      name: v.name,
      shape: v.shape(attrs, inputShapes),
      trainable: trainable && !isState,
      isState,
      initializer: typeof v.initializer === 'string' ? a[v.initializer] : v.initializer,
      regularizer: v.regularizer === undefined ? null : a[v.regularizer],
      constraint: v.constraint === undefined ? null : a[v.constraint],
      domain: v.domain,
    });
  }
  return specs;
}

/** Whether a node is of a kind with the `linear` trait (Dense, Conv2D, DepthwiseConv2D). */
export function isLinearLayer(node: Node): node is Node & { kind: LinearKind } {
  return layerDef(node.kind)?.traits.linear !== undefined;
}

/** The kernel variable of a linear layer (`kernel`, `depthwise_kernel`), as its definition names it. */
export function kernelName(node: Node & { kind: LinearKind }): string {
  return defOf(node.kind).traits.linear!.kernel;
}
