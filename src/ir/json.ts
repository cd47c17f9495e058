// The IR as JSON, for bundles. Writing is plain; reading treats the text as hostile:
// every node's kind, every attribute's type and range, and every structural invariant
// (through the verifier) is checked before a Graph is returned. Source locations are
// not serialized.
//
//   { "name": "FashionMLP", "inputs": [0], "outputs": [4],
//     "nodes": [ { "kind": "Input", "name": "pixels", "inputs": [], "attrs": {}, "shape": [null, 28, 28], "trainable": true }, ... ] }

import { GraphBuilder } from './graph.js';
import { NUMBER_RANGES, type NumberRange } from './numberRanges.js';
import { OPS } from './ops.js';
import { ACTIVATION_NAMES, CONSTRAINT_NAMES, INITIALIZER_NAMES, REGULARIZER_NAMES } from './types.js';
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
export const MAX_NODES = 1_000_000;
const MAX_DIM = 2 ** 31 - 1;

type Check = (value: unknown) => string | null;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const int = (min: number, max = MAX_DIM): Check => (v) => (isInt(v) && v >= min && v <= max ? null : `an integer in [${min}, ${max}]`);
const num: Check = (v) => (typeof v === 'number' && Number.isFinite(v) ? null : 'a finite number');
/** A finite number in one of the language's ranges (numberRanges.ts): what `.nn` itself would accept. */
const inRange = (r: NumberRange): Check => (v) => (typeof v === 'number' && Number.isFinite(v) && r.accept(v) ? null : `${r.expects}${r === NUMBER_RANGES.finite ? '' : ' (finite)'}`);
const { nonNegative, positive, unitInterval, probability, integer } = NUMBER_RANGES;
const bool: Check = (v) => (typeof v === 'boolean' ? null : 'true or false');
const oneOf = (values: readonly string[]): Check => (v) => (typeof v === 'string' && values.includes(v) ? null : `one of ${values.join(', ')}`);
const nullable = (check: Check): Check => (v) => (v === null ? null : check(v));
const pair = (min: number): Check => (v) => (Array.isArray(v) && v.length === 2 && v.every((x) => int(min)(x) === null) ? null : `a pair of integers ≥ ${min}`);
const axes: Check = (v) => (Array.isArray(v) && v.length > 0 && v.length <= 64 && v.every((x) => int(1, 64)(x) === null) ? null : 'a non-empty list of axes');
const dims: Check = (v) => (Array.isArray(v) && v.length > 0 && v.length <= 64 && v.every((x) => x === -1 || int(1)(x) === null) ? null : 'a list of dimensions');
const padding2: Check = (v) => (Array.isArray(v) && v.length === 2 && v.every((p) => pair(0)(p) === null) ? null : '[[top, bottom], [left, right]]');

const activation: Check = (v) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'an activation object';
  const { name, alpha, ...rest } = v as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return 'an activation object with only name and alpha';
  if (oneOf(ACTIVATION_NAMES)(name) !== null) return `an activation named one of ${ACTIVATION_NAMES.join(', ')}`;
  return alpha === undefined || num(alpha) === null ? null : 'an activation with a numeric alpha';
};

const callable = (names: readonly string[]): Check => (v) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'an object {name, args}';
  const { name, args } = v as Record<string, unknown>;
  if (oneOf(names)(name) !== null) return `one of ${names.join(', ')}`;
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return 'an object {name, args}';
  for (const value of Object.values(args)) {
    if (!(value === null || typeof value === 'boolean' || typeof value === 'string' || num(value) === null)) return 'args of numbers, strings, booleans or null';
  }
  return null;
};

const initializer = callable(INITIALIZER_NAMES);
const regularizer = nullable(callable(REGULARIZER_NAMES));
const constraint = nullable(callable(CONSTRAINT_NAMES));
const paddingMode = oneOf(['valid', 'same']);

const linearWeights = (kernel: string): Record<string, Check> => ({
  [`${kernel}_initializer`]: initializer,
  bias_initializer: initializer,
  [`${kernel}_regularizer`]: regularizer,
  bias_regularizer: regularizer,
  [`${kernel}_constraint`]: constraint,
  bias_constraint: constraint,
});
const pooling = { pool_size: pair(1), strides: pair(1), padding: paddingMode };

/** Every attribute of every kind, with its type. Unknown or missing attributes are errors. */
const SCHEMAS: { readonly [K in OpKind]: Readonly<Record<string, Check>> } = {
  Input: {},
  Dense: { units: int(1), activation, use_bias: bool, ...linearWeights('kernel') },
  Conv2D: { filters: int(1), kernel_size: pair(1), strides: pair(1), padding: paddingMode, dilation_rate: pair(1), activation, use_bias: bool, ...linearWeights('kernel') },
  DepthwiseConv2D: { kernel_size: pair(1), strides: pair(1), padding: paddingMode, depth_multiplier: int(1), dilation_rate: pair(1), activation, use_bias: bool, ...linearWeights('depthwise') },
  BatchNormalization: {
    axis: axes,
    momentum: inRange(probability),
    epsilon: inRange(positive),
    center: bool,
    scale: bool,
    beta_initializer: initializer,
    gamma_initializer: initializer,
    moving_mean_initializer: initializer,
    moving_variance_initializer: initializer,
    beta_regularizer: regularizer,
    gamma_regularizer: regularizer,
    beta_constraint: constraint,
    gamma_constraint: constraint,
    synchronized: bool,
  },
  Activation: { activation },
  ReLU: { max_value: nullable(inRange(nonNegative)), negative_slope: inRange(nonNegative), threshold: inRange(nonNegative) },
  ELU: { alpha: num },
  LeakyReLU: { negative_slope: inRange(nonNegative) },
  Softmax: { axis: int(1, 64) },
  Dropout: { rate: inRange(unitInterval), seed: nullable(inRange(integer)) },
  Flatten: {},
  Reshape: { target_shape: dims },
  Rescaling: { scale: num, offset: num },
  ZeroPadding2D: { padding: padding2 },
  MaxPooling2D: pooling,
  AveragePooling2D: pooling,
  GlobalAveragePooling2D: {},
  Add: {},
  Concatenate: { axis: int(1, 64) },
  Affine: { axis: axes },
};

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
    if (typeof kind !== 'string' || !Object.hasOwn(OPS, kind)) throw new Error(`${where} has unknown kind ${JSON.stringify(kind)}`);
    if (typeof nodeName !== 'string' || nodeName === '') throw new Error(`${where} has no name`);
    if (!Array.isArray(nodeInputs) || !nodeInputs.every((i) => isInt(i) && i >= 0 && i < index)) throw new Error(`${where} has inputs that are not earlier nodes`);
    if (!Array.isArray(shape) || shape.length === 0 || shape.length > 64 || shape[0] !== null || !shape.slice(1).every((d) => int(1)(d) === null)) {
      throw new Error(`${where} has an invalid shape ${JSON.stringify(shape)}`);
    }
    if (typeof trainable !== 'boolean') throw new Error(`${where} has no 'trainable' flag`);
    if (!isRecord(attrs)) throw new Error(`${where} has no attributes object`);
    const schema = SCHEMAS[kind as OpKind];
    for (const key of Object.keys(attrs)) if (!Object.hasOwn(schema, key)) throw new Error(`${where} (${kind}) has unknown attribute '${key}'`);
    for (const [key, check] of Object.entries(schema)) {
      if (!Object.hasOwn(attrs, key)) throw new Error(`${where} (${kind}) lacks attribute '${key}'`);
      const problem = check(attrs[key]);
      if (problem) throw new Error(`${where} (${kind}) attribute '${key}' must be ${problem}, found ${JSON.stringify(attrs[key])}`);
    }
    builder.add({ kind: kind as OpKind, name: nodeName, inputs: nodeInputs as number[], attrs: attrs as never, shape: shape as (number | null)[], trainable });
  });
  const graph = builder.build(name, inputs as number[], outputs as number[]);
  const problems = verifyGraph(graph);
  if (problems.length > 0) throw new Error(`the graph is inconsistent: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`);
  return graph;
}
