// Two graphs compared field by field: model name, inputs, outputs, and per node its
// kind, layer name, inputs, attributes, shape and trainability (source locations
// aside), then their Keras summaries. The first difference is named with its path.

import type { ExecutionContext } from 'ava';
import { summarize } from '../../compiler/summary.js';
import type { Graph } from '../../src/ir/types.js';

/** Where two plain values first differ (`nodes[3].attrs.kernel_size[1]: 3 vs 5`), or null. */
export function firstDifference(actual: unknown, expected: unknown, path = ''): string | null {
  if (typeof actual === 'number' && typeof expected === 'number') return Object.is(actual, expected) ? null : `${path}: ${actual} vs ${expected}`;
  if (actual === expected) return null;
  const show = (v: unknown) => JSON.stringify(v) ?? String(v);
  if (actual === null || expected === null || typeof actual !== 'object' || typeof expected !== 'object' || Array.isArray(actual) !== Array.isArray(expected)) {
    return `${path}: ${show(actual)} vs ${show(expected)}`;
  }
  if (Array.isArray(actual) && Array.isArray(expected) && actual.length !== expected.length) return `${path}: length ${actual.length} vs ${expected.length}`;
  const defined = (o: object) => Object.keys(o).filter((k) => (o as Record<string, unknown>)[k] !== undefined);
  const keys = new Set([...defined(actual), ...defined(expected)]);
  for (const key of keys) {
    const found = firstDifference((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], Array.isArray(actual) ? `${path}[${key}]` : `${path}.${key}`);
    if (found) return found;
  }
  return null;
}

/** The parts of a graph a round trip must keep: everything but source locations. */
export function graphFields(graph: Graph) {
  return {
    name: graph.name,
    inputs: graph.inputs,
    outputs: graph.outputs,
    nodes: graph.nodes.map((n) => ({ id: n.id, kind: n.kind, name: n.name, inputs: n.inputs, attrs: n.attrs, shape: n.shape, trainable: n.trainable })),
  };
}

/** Null when the graphs are the same (and so are their summaries), else the first difference. */
export function graphDifference(actual: Graph, expected: Graph): string | null {
  return firstDifference(graphFields(actual), graphFields(expected), 'graph') ?? firstDifference(summarize(actual), summarize(expected), 'summary');
}

export function assertSameGraph(t: ExecutionContext, actual: Graph, expected: Graph, label = expected.name): void {
  const difference = graphDifference(actual, expected);
  t.is(difference, null, `${label}: ${difference}`);
}
