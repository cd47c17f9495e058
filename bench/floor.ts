// The floor of issue 7, variant (d): an optimized graph as one straight-line function of
// direct tfjs-core calls — the same fused kernels the executor's kernel table picks for
// each node (runtime/kernels.ts, inference mode), with the weights pre-uploaded as
// tensors, and each intermediate disposed right after its last use (as the executor
// does: on WebGL that lets the next op reuse the texture, on wasm the memory). No plan,
// no tf.tidy, no input checks. Whatever (c) costs beyond (d) is the executor's overhead.
// For Géron's optimized model the generated body is
//
//   const v1 = tf.reshape(x, [-1, 784]);
//   const v2 = tf.fused.matMul({ a: v1, b: w[0], bias: w[1], activation: 'relu' });
//   v1.dispose();
//   const v3 = tf.fused.matMul({ a: v2, b: w[2], bias: w[3], activation: 'relu' });
//   v2.dispose();
//   const t4 = tf.fused.matMul({ a: v3, b: w[4], bias: w[5], activation: 'linear' });
//   const v4 = tf.softmax(t4, -1);
//   t4.dispose();
//   v3.dispose();
//   return v4;
//
// Only the ops and forms the example models' optimized graphs contain are covered;
// anything else throws rather than falling back on the executor's kernels.

import * as tf from '@tensorflow/tfjs-core';
import { nodeWeights } from '../src/ir/ops.js';
import type { Activation, Graph, HostTensor, Node, WeightMap } from '../src/ir/types.js';
import { hostFloat32, weightKey } from '../src/ir/types.js';
import { fusedActivation } from '../runtime/activations.js';
import { shapeSize } from '../src/ir/shape.js';

export interface Floor {
  /** The generated function body, one line per node: what (d) runs. */
  readonly source: string;
  /** Runs the model on `x`; the caller owns (and disposes) the result. */
  run(x: tf.Tensor): tf.Tensor;
  /** Frees the weight tensors. */
  dispose(): void;
}

/** The direct call of an activation tfjs cannot fuse into the preceding kernel, on `value`. */
function unfusedActivation(value: string, a: Activation): string {
  switch (a.name) {
    case 'linear':
      return value;
    case 'softmax':
      return `tf.softmax(${value}, -1)`;
    case 'tanh':
      return `tf.tanh(${value})`;
    case 'selu':
      return `tf.selu(${value})`;
    case 'softplus':
      return `tf.softplus(${value})`;
    case 'relu':
      return `tf.relu(${value})`;
    case 'relu6':
      return `tf.relu6(${value})`;
    case 'sigmoid':
      return `tf.sigmoid(${value})`;
    default:
      throw new Error(`the floor has no direct form of activation '${a.name}'`);
  }
}

/** A node's direct calls: `call`, then (for an activation tfjs cannot fuse) `then` applied to its result. */
interface DirectCall {
  readonly call: string;
  readonly then?: Activation;
}

function fusedArgs(a: Activation): { activation: string; leakyreluAlpha?: number } {
  const fused = fusedActivation(a);
  return fused ? { activation: fused.activation, leakyreluAlpha: fused.leakyreluAlpha } : { activation: 'linear' };
}

/** `activation: 'relu'` (and the alpha when leaky), as the kernels pass them. */
function activationFields(a: Activation): string {
  const { activation, leakyreluAlpha } = fusedArgs(a);
  return `activation: '${activation}'${leakyreluAlpha === undefined ? '' : `, leakyreluAlpha: ${leakyreluAlpha}`}`;
}

/** The calls for `node`, its inputs named by `args` and its weights by `weight`. */
function callFor(node: Node, args: readonly string[], weight: (name: string) => string | undefined): DirectCall {
  const [x] = args;
  switch (node.kind) {
    case 'Flatten':
      return { call: `tf.reshape(${x}, [-1, ${shapeSize(node.shape.slice(1) as number[])}])` };
    case 'Reshape':
      return { call: `tf.reshape(${x}, [-1, ${node.shape.slice(1).join(', ')}])` };
    case 'Dense': {
      const kernel = weight('kernel');
      const bias = weight('bias');
      const call = `tf.fused.matMul({ a: ${x}, b: ${kernel}${bias ? `, bias: ${bias}` : ''}, ${activationFields(node.attrs.activation)} })`;
      return { call, then: fusedActivation(node.attrs.activation) ? undefined : node.attrs.activation };
    }
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      const a = node.attrs;
      const filter = weight(node.kind === 'Conv2D' ? 'kernel' : 'depthwise_kernel');
      const bias = weight('bias');
      const op = node.kind === 'Conv2D' ? 'conv2d' : 'depthwiseConv2d';
      const call = `tf.fused.${op}({ x: ${x}, filter: ${filter}, strides: [${a.strides.join(', ')}], pad: '${a.padding}', dilations: [${a.dilation_rate.join(', ')}]${bias ? `, bias: ${bias}` : ''}, ${activationFields(a.activation)} })`;
      return { call, then: fusedActivation(a.activation) ? undefined : a.activation };
    }
    case 'ReLU': {
      const { max_value, negative_slope, threshold } = node.attrs;
      if (negative_slope !== 0 || threshold !== 0 || (max_value !== null && max_value !== 6)) break;
      return { call: max_value === 6 ? `tf.relu6(${x})` : `tf.relu(${x})` };
    }
    case 'Activation':
      if (node.attrs.activation.name === 'linear') return { call: `tf.clone(${x})` };
      return { call: unfusedActivation(x, node.attrs.activation) };
    case 'Softmax':
      if (node.attrs.axis !== node.shape.length - 1) break;
      return { call: `tf.softmax(${x}, -1)` };
    case 'Add':
      return { call: args.length === 2 ? `tf.add(${args[0]}, ${args[1]})` : `tf.addN([${args.join(', ')}])` };
    case 'GlobalAveragePooling2D':
      return { call: `tf.mean(${x}, [1, 2])` };
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const { pool_size, strides, padding } = node.attrs;
      return { call: `tf.${node.kind === 'MaxPooling2D' ? 'maxPool' : 'avgPool'}(${x}, [${pool_size.join(', ')}], [${strides.join(', ')}], '${padding}')` };
    }
    default:
      break;
  }
  throw new Error(`the floor has no direct form of ${node.kind} node '${node.name}' (this optimized graph needs a hand-written floor)`);
}

/** The straight-line body and the weights it reads, in `w[i]` order. */
export function floorSource(graph: Graph): { source: string; weightKeys: string[] } {
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) throw new Error('the floor covers single-input, single-output graphs');
  const names = new Map<number, string>([[graph.inputs[0], 'x']]);
  const lastUse = new Map<number, number>();
  for (const node of graph.nodes) for (const input of node.inputs) lastUse.set(input, node.id);
  const weightKeys: string[] = [];
  const lines: string[] = [];
  for (const node of graph.nodes) {
    if (node.kind === 'Input') continue;
    const declared = new Set(nodeWeights(graph, node).map((w) => w.name));
    const weight = (name: string) => {
      if (!declared.has(name)) return undefined;
      weightKeys.push(weightKey(node.name, name));
      return `w[${weightKeys.length - 1}]`;
    };
    const args = node.inputs.map((id) => names.get(id)!);
    const value = `v${node.id}`;
    names.set(node.id, value);
    const { call, then } = callFor(node, args, weight);
    // An activation applied after the fused kernel: name the kernel's output to free it.
    if (then) lines.push(`const t${node.id} = ${call};`, `const ${value} = ${unfusedActivation(`t${node.id}`, then)};`, `t${node.id}.dispose();`);
    else lines.push(`const ${value} = ${call};`);
    // Free every intermediate at its last use, as the executor does (never the input).
    const freed = [...new Set(node.inputs)].filter((id) => lastUse.get(id) === node.id && !graph.inputs.includes(id));
    if (freed.length > 0) lines.push(freed.map((id) => `${names.get(id)}.dispose();`).join(' '));
  }
  lines.push(`return ${names.get(graph.outputs[0])};`);
  return { source: lines.join('\n'), weightKeys };
}

/** Compiles the floor of `graph` and uploads its weights (float64 host weights become float32). */
export function compileFloor(graph: Graph, weights: WeightMap): Floor {
  const { source, weightKeys } = floorSource(graph);
  const fn = new Function('tf', 'w', 'x', source) as (t: typeof tf, w: readonly tf.Tensor[], x: tf.Tensor) => tf.Tensor;
  const tensors = weightKeys.map((key) => {
    const host = weights.get(key) as HostTensor;
    return tf.tensor(hostFloat32(host), [...host.shape], 'float32');
  });
  return {
    source,
    run: (x) => fn(tf, tensors, x),
    dispose: () => tf.dispose(tensors),
  };
}
