// The IR as JSON, for bundles. Writing is plain; reading treats the text as hostile:
// every node's kind, every attribute's type and range (each attribute's check in its
// layer definition), and every structural invariant (through the verifier) is checked
// before a Graph is returned. Source locations are
// not serialized. An attribute its definition marks `addedLater` (Conv2D's `groups`,
// GlobalAveragePooling2D's `keepdims`) may be missing from a bundle written before it
// existed and reads as the default it stands for; every other one must be there.
//
//   { "name": "FashionMLP", "inputs": [0], "outputs": [4],
//     "nodes": [ { "kind": "Input", "name": "pixels", "inputs": [], "attrs": {}, "shape": [null, 28, 28], "trainable": true }, ... ] }

import { GraphBuilder } from './graph.js';
import type { AttrDef } from './layers/define.js';
import { layerDef } from './layers/index.js';
import { irInt } from './layers/paramTypes.js';
import type { Graph, OpKind } from './types.js';
import { verifyGraph } from './verify.js';

export interface GraphJson {
  readonly name: string;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly nodes: readonly {
    readonly kind: string;
    readonly name: string;
    readonly inputs: readonly number[];
    readonly attrs: Readonly<Record<string, unknown>>;
    readonly shape: readonly (number | null)[];
    readonly trainable: boolean;
  }[];
}

export function graphToJson(graph: Graph): GraphJson {
  return {
    name: graph.name,
    inputs: [...graph.inputs],
    outputs: [...graph.outputs],
    nodes: graph.nodes.map((n) => ({ kind: n.kind, name: n.name, inputs: [...n.inputs], attrs: n.attrs as Record<string, unknown>, shape: [...n.shape], trainable: n.trainable })),
  };
}

/** Bounds that keep a hostile graph from asking for absurd work. */
const MAX_NODES = 1_000_000;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const dim = irInt(1);

/** A JSON object (not null, not an array). */
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a graph from parsed JSON; throws an Error whose message says what is wrong and where. */
export function graphFromJson(json: unknown): Graph {
  if (!isRecord(json)) throw new Error('the graph is not an object');
  const { name, inputs, outputs, nodes } = json;
  if (typeof name !== 'string' || name === '') throw new Error('the graph has no name');
  if (!Array.isArray(nodes)) throw new Error("the graph has no 'nodes' list");
  if (nodes.length > MAX_NODES) throw new Error(`the graph has ${nodes.length} nodes, more than ${MAX_NODES}`);
  if (!Array.isArray(inputs) || !inputs.every(isInt)) throw new Error("the graph's 'inputs' are not a list of node ids");
  if (!Array.isArray(outputs) || !outputs.every(isInt)) throw new Error("the graph's 'outputs' are not a list of node ids");

  const builder = new GraphBuilder();
  nodes.forEach((node, index) => {
    const where = `node ${index}${isRecord(node) && typeof node.name === 'string' ? ` '${node.name}'` : ''}`;
    if (!isRecord(node)) throw new Error(`${where} is not an object`);
    const { kind, name: nodeName, inputs: nodeInputs, attrs, shape, trainable } = node;
    const def = typeof kind === 'string' ? layerDef(kind) : undefined;
    if (!def) throw new Error(`${where} has unknown kind ${JSON.stringify(kind)}`);
    if (typeof nodeName !== 'string' || nodeName === '') throw new Error(`${where} has no name`);
    if (!Array.isArray(nodeInputs) || !nodeInputs.every((i) => isInt(i) && i >= 0 && i < index)) throw new Error(`${where} has inputs that are not earlier nodes`);
    if (!Array.isArray(shape) || shape.length === 0 || shape.length > 64 || shape[0] !== null || !shape.slice(1).every((d) => dim(d) === null)) {
      throw new Error(`${where} has an invalid shape ${JSON.stringify(shape)}`);
    }
    if (typeof trainable !== 'boolean') throw new Error(`${where} has no 'trainable' flag`);
    if (!isRecord(attrs)) throw new Error(`${where} has no attributes object`);
    const schema = def.attrs as Readonly<Record<string, AttrDef<unknown>>>;
    for (const key of Object.keys(attrs)) if (!Object.hasOwn(schema, key)) throw new Error(`${where} (${kind}) has unknown attribute '${key}'`);
    const filled: Record<string, unknown> = { ...attrs };
    for (const [key, { check, since, storedDefault }] of Object.entries(schema)) {
      if (!Object.hasOwn(attrs, key)) {
        // Only an attribute its definition marks as added later (`addedLater`) may be
        // missing: the bundle predates it and means Keras's default.
        if (since === undefined) throw new Error(`${where} (${kind}) lacks attribute '${key}'`);
        filled[key] = storedDefault;
        continue;
      }
      const problem = check(attrs[key]);
      if (problem) throw new Error(`${where} (${kind}) attribute '${key}' must be ${problem}, found ${JSON.stringify(attrs[key])}`);
    }
    builder.add({ kind: kind as OpKind, name: nodeName, inputs: nodeInputs as number[], attrs: filled as never, shape: shape as (number | null)[], trainable });
  });
  const graph = builder.build(name, inputs as number[], outputs as number[]);
  const problems = verifyGraph(graph);
  if (problems.length > 0) throw new Error(`the graph is inconsistent: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`);
  return graph;
}
