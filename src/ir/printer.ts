// The IR as readable text (`nnc ir`): one line per node, in topological order.
//
//   model FashionMLP
//     input pixels: [None, 28, 28]
//     flatten = Flatten(pixels) -> [None, 784]
//     dense = Dense(batch_normalization, units=300, activation=elu, ...) -> [None, 300]  {kernel [784, 300], bias [300]}
//     output dense_2

import { formatLocation } from '../diagnostics.js';
import { nodeWeights } from './ops.js';
import { formatShape } from './shape.js';
import type { Activation, ArgValue, Callable, Graph, Node } from './types.js';

export interface PrintOptions {
  /** Append `# file:line:column` to nodes that came from a source (default true). */
  readonly locations?: boolean;
}

export function printGraph(graph: Graph, options: PrintOptions = {}): string {
  const withLocations = options.locations ?? true;
  const lines = [`model ${graph.name}`];
  for (const node of graph.nodes) {
    let line = `  ${printNode(graph, node)}`;
    if (withLocations && node.loc) line += `  # ${formatLocation(node.loc)}`;
    lines.push(line);
  }
  lines.push(`  output ${graph.outputs.map((id) => formatName(graph.nodes[id].name)).join(', ')}`);
  return lines.join('\n') + '\n';
}

export function printNode(graph: Graph, node: Node): string {
  if (node.kind === 'Input') return `input ${formatName(node.name)}: ${formatShape(node.shape)}`;
  const args = node.inputs.map((id) => formatName(graph.nodes[id].name));
  for (const [key, value] of Object.entries(node.attrs)) {
    if (value === null) continue;
    args.push(`${key}=${formatAttr(value)}`);
  }
  if (!node.trainable) args.push('trainable=false');
  let text = `${formatName(node.name)} = ${node.kind}(${args.join(', ')}) -> ${formatShape(node.shape)}`;
  const weights = nodeWeights(graph, node);
  if (weights.length > 0) {
    const listed = weights.map((w) => `${w.name} [${w.shape.join(', ')}]${w.trainable ? '' : ' (non-trainable)'}`);
    text += `  {${listed.join(', ')}}`;
  }
  return text;
}

/** A layer name as written: bare when it reads as one word, quoted otherwise (`name="a b"`). */
export function formatName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name) ? name : JSON.stringify(name);
}

/** An attribute value as the language would write it. */
export function formatAttr(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return /^[A-Za-z_][A-Za-z0-9_]*$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(formatAttr).join(', ')}]`;
  if (typeof value !== 'object') return String(value);
  if (isActivation(value)) return value.alpha === undefined ? value.name : `${value.name}(alpha=${String(value.alpha)})`;
  if (isCallable(value)) {
    const args = Object.entries(value.args).filter(([, v]) => v !== null);
    return args.length === 0 ? value.name : `${value.name}(${args.map(([k, v]) => `${k}=${formatAttr(v as ArgValue)}`).join(', ')})`;
  }
  return JSON.stringify(value);
}

function isActivation(value: object): value is Activation {
  return 'name' in value && !('args' in value);
}

function isCallable(value: object): value is Callable {
  return 'name' in value && 'args' in value;
}
