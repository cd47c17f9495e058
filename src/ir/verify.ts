// The IR's invariants, checked after lowering and after every optimizer pass in tests.
// Each violation names the node, its kind and its source location.
//
//  1. nodes[i].id === i, and every input refers to an earlier node (topological, acyclic);
//  2. each node's number of inputs fits its op (Input: none; most: one; Add/Concatenate: two or more);
//  3. layer names are non-empty and unique;
//  4. graph.inputs are exactly the Input nodes; graph.outputs is non-empty and in range;
//  5. shapes: batch dimension symbolic (null) and first, every other dimension a positive safe integer;
//  6. each stored shape equals the shape its op infers from its inputs' shapes;
//  7. every weight has a shape of positive integers and at most 2^53 elements;
//  8. every non-Input node contributes to an output (no dead nodes).

import { formatLocation } from '../diagnostics.js';
import { reachesOutputs } from './graph.js';
import { layerDef } from './layers/index.js';
import { shapesEqual } from './layers/shapeRules.js';
import { inferShape, nodeWeights } from './ops.js';
import { elementCount, formatShape } from './shape.js';
import type { Graph, Node } from './types.js';

export function verifyGraph(graph: Graph): string[] {
  const problems: string[] = [];
  const at = (node: Node, message: string) => {
    const where = node.loc ? ` at ${formatLocation(node.loc)}` : '';
    problems.push(`node ${node.id} '${node.name}' (${node.kind})${where}: ${message}`);
  };

  const names = new Map<string, number>();
  graph.nodes.forEach((node, index) => {
    if (node.id !== index) at(node, `id ${node.id} does not match its position ${index}`);
    const def = layerDef(node.kind);
    if (!def) {
      at(node, `unknown op kind '${node.kind}'`);
      return;
    }
    for (const input of node.inputs) {
      if (!Number.isInteger(input) || input < 0 || input >= index) at(node, `input ${input} is not an earlier node`);
    }
    const arity = def.inputs;
    const count = node.inputs.length;
    if ((arity === 'none' && count !== 0) || (arity === 'one' && count !== 1) || (arity === 'many' && count < 2)) {
      at(node, `takes ${arity === 'none' ? 'no inputs' : arity === 'one' ? 'exactly one input' : 'two or more inputs'}, has ${count}`);
    }
    if (node.name === '') at(node, 'has an empty name');
    const previous = names.get(node.name);
    if (previous !== undefined) at(node, `name is already used by node ${previous}`);
    names.set(node.name, node.id);

    if (node.shape.length === 0 || node.shape[0] !== null) at(node, `shape ${formatShape(node.shape)} must start with the batch dimension (None)`);
    if (node.shape.slice(1).some((d) => !Number.isSafeInteger(d) || (d as number) < 1)) {
      at(node, `shape ${formatShape(node.shape)} has a dimension that is not a positive integer`);
    }
  });
  if (problems.length > 0) return problems; // later checks index inputs and need a sound structure

  for (const node of graph.nodes) {
    if (node.kind === 'Input') continue;
    const inputs = node.inputs.map((id) => ({ name: graph.nodes[id].name, shape: graph.nodes[id].shape }));
    const inferred = inferShape(node.kind, node.attrs, inputs);
    if ('error' in inferred) at(node, inferred.error);
    else if (!shapesEqual(inferred.shape, node.shape)) at(node, `stored shape ${formatShape(node.shape)} differs from inferred ${formatShape(inferred.shape)}`);
    for (const weight of nodeWeights(graph, node)) {
      if (weight.shape.some((d) => !Number.isSafeInteger(d) || d < 1)) at(node, `weight '${weight.name}' has shape [${weight.shape.join(', ')}]`);
      else if (elementCount(weight.shape) === null) at(node, `weight '${weight.name}' has more than 2^53 elements`);
    }
  }

  const inputIds = graph.nodes.filter((n) => n.kind === 'Input').map((n) => n.id);
  if (inputIds.length !== graph.inputs.length || inputIds.some((id, i) => graph.inputs[i] !== id)) {
    problems.push(`graph inputs [${graph.inputs.join(', ')}] are not the Input nodes [${inputIds.join(', ')}]`);
  }
  if (graph.outputs.length === 0) problems.push('graph has no outputs');
  if (graph.outputs.some((id) => !Number.isInteger(id) || id < 0 || id >= graph.nodes.length)) {
    problems.push(`graph outputs [${graph.outputs.join(', ')}] are out of range`);
    return problems;
  }

  const live = reachesOutputs(graph);
  for (const node of graph.nodes) {
    if (!live[node.id] && node.kind !== 'Input') at(node, 'does not contribute to any output');
  }
  return problems;
}

/** Throws with every violation listed; for tests and for checking a loaded bundle. */
export function assertValidGraph(graph: Graph): void {
  const problems = verifyGraph(graph);
  if (problems.length > 0) throw new Error(`invalid IR for model '${graph.name}':\n  ${problems.join('\n  ')}`);
}
