// The floor of issue 7, variant (d): an optimized graph as one straight-line function of
// direct tfjs-core calls — the same kernels, with the same attributes and in the same
// tensor forms, as the executor's kernel table runs for each node in inference
// (runtime/kernels.ts: Dense as the bare `_FusedMatMul` kernel, values only Dense layers
// consume kept in the matmul form [1, rows, features], convolutions as `FusedConv2D` /
// `FusedDepthwiseConv2D`), with the weights pre-uploaded as tensors, and each
// intermediate disposed right after its last use (as the executor does: on WebGL that
// lets the next op reuse the texture, on wasm the memory). No plan, no tf.tidy, no input
// checks. Whatever (c) costs beyond (d) is the executor's overhead. For Géron's
// optimized model the generated body is
//
//   const v1 = tf.reshape(x, [1, -1, 784]);
//   const v2 = tf.engine().runKernel('_FusedMatMul', { a: v1, b: w[0], bias: w[1] }, {"transposeA":false,"transposeB":false,"activation":"relu","leakyreluAlpha":0});
//   v1.dispose();
//   const v3 = tf.engine().runKernel('_FusedMatMul', { a: v2, b: w[2], bias: w[3] }, {…"activation":"relu"…});
//   v2.dispose();
//   const t4_0 = tf.engine().runKernel('_FusedMatMul', { a: v3, b: w[4], bias: w[5] }, {…"activation":"linear"…});
//   const t4_1 = tf.softmax(t4_0, -1);
//   t4_0.dispose();
//   const v4 = tf.reshape(t4_1, [-1, 10]);
//   t4_1.dispose();
//   v3.dispose();
//   return v4;
//
// Only the ops and forms the example models' optimized graphs contain are covered;
// anything else throws rather than falling back on the executor's kernels.

import * as tf from '@tensorflow/tfjs-core';
import { lastUses } from '../src/ir/graph.js';
import { nodeWeights } from '../src/ir/ops.js';
import type { Activation, Dim, Graph, Node } from '../src/ir/types.js';
import type { HostTensor, WeightMap } from '../src/ir/tensors.js';
import { hostFloat32, weightKey } from '../src/ir/tensors.js';
import { fusedActivation } from '../src/ir/layers/fusedActivations.js';
import { fusedConvAttrs, fusedMatMulAttrs, matmulFormValues } from '../runtime/kernels.js';
import { kernelActivation } from '../runtime/activations.js';
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

/**
 * A node's direct calls: `call` on its inputs, then each of `then` applied to the result
 * of the one before (a reshape, an activation tfjs cannot fuse into the kernel).
 */
interface DirectCalls {
  readonly call: string;
  readonly then?: readonly ((value: string) => string)[];
}

/** The activation applied after a fused kernel, when tfjs cannot fuse it. */
function afterKernel(a: Activation): ((value: string) => string)[] {
  return fusedActivation(a) ? [] : [(value) => unfusedActivation(value, a)];
}

/**
 * The calls for `node`, its inputs named by `args` and its weights by `weight`. Values in
 * the matmul form ([1, rows, features], runtime/kernels.ts) are those of `matmulForm`,
 * as in the executor: Dense runs as the bare `_FusedMatMul` kernel on them, its kernel
 * weight uploaded as [1, in, units].
 */
function callFor(node: Node, args: readonly string[], inputDim: Dim, weight: (name: string, matmul?: boolean) => string | undefined, matmulForm: ReadonlySet<number>): DirectCalls {
  const [x] = args;
  const lastDim = node.shape[node.shape.length - 1];
  switch (node.kind) {
    case 'Flatten':
      if (matmulForm.has(node.id)) return { call: `tf.reshape(${x}, [1, -1, ${lastDim}])` };
      return { call: `tf.reshape(${x}, [-1, ${shapeSize(node.shape.slice(1) as number[])}])` };
    case 'Reshape':
      if (matmulForm.has(node.id)) return { call: `tf.reshape(${x}, [1, -1, ${lastDim}])` };
      return { call: `tf.reshape(${x}, [-1, ${node.shape.slice(1).join(', ')}])` };
    case 'Dense': {
      const kernel = weight('kernel', true);
      const bias = weight('bias');
      const matMul = (a: string) => `tf.engine().runKernel('_FusedMatMul', { a: ${a}, b: ${kernel}${bias ? `, bias: ${bias}` : ''} }, ${JSON.stringify(fusedMatMulAttrs(node.attrs.activation))})`;
      const then = [...afterKernel(node.attrs.activation), ...(matmulForm.has(node.id) ? [] : [(value: string) => `tf.reshape(${value}, [-1, ${node.shape.slice(1).join(', ')}])`])];
      if (matmulForm.has(node.inputs[0])) return { call: matMul(x), then };
      return { call: `tf.reshape(${x}, [1, -1, ${inputDim}])`, then: [matMul, ...then] };
    }
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      const filter = weight(node.kind === 'Conv2D' ? 'kernel' : 'depthwise_kernel');
      const bias = weight('bias');
      const kernel = node.kind === 'Conv2D' ? 'FusedConv2D' : 'FusedDepthwiseConv2D';
      const call = `tf.engine().runKernel('${kernel}', { x: ${x}, filter: ${filter}${bias ? `, bias: ${bias}` : ''} }, ${JSON.stringify(fusedConvAttrs(node))})`;
      return { call, then: afterKernel(node.attrs.activation) };
    }
    case 'Conv1D': {
      // As runtime/kernels.ts: over a height-1 image, the kernel uploaded as [1, k, in, f]
      // (the executor views it so on each call).
      const { padding, groups } = node.attrs;
      if (padding === 'causal' || groups !== 1) break;
      const bias = weight('bias');
      const filter = weight('kernel', true);
      const attrs = { strides: [1, node.attrs.strides], pad: padding, dataFormat: 'NHWC', dilations: [1, node.attrs.dilation_rate], ...kernelActivation(node.attrs.activation) };
      return {
        call: `tf.reshape(${x}, [${x}.shape[0], 1, -1, ${inputDim}])`,
        then: [
          (image) => `tf.engine().runKernel('FusedConv2D', { x: ${image}, filter: ${filter}${bias ? `, bias: ${bias}` : ''} }, ${JSON.stringify(attrs)})`,
          (value) => `tf.reshape(${value}, [-1, ${node.shape[1]}, ${node.attrs.filters}])`,
          ...afterKernel(node.attrs.activation),
        ],
      };
    }
    case 'GlobalAveragePooling1D':
      return { call: `tf.mean(${x}, 1, ${node.attrs.keepdims})` };
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
    case 'ZeroPadding2D': {
      const [[top, bottom], [left, right]] = node.attrs.padding;
      return { call: `tf.pad(${x}, [[0, 0], [${top}, ${bottom}], [${left}, ${right}], [0, 0]])` };
    }
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

/** A weight the floor reads: its key, and whether it is uploaded with a leading 1 (a Dense kernel's [1, in, units] matmul form, a Conv1D kernel as [1, k, in, f]). */
export interface FloorWeight {
  readonly key: string;
  readonly matmul: boolean;
}

/** The straight-line body and the weights it reads, in `w[i]` order. */
export function floorSource(graph: Graph): { source: string; weights: FloorWeight[] } {
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) throw new Error('the floor covers single-input, single-output graphs');
  const names = new Map<number, string>([[graph.inputs[0], 'x']]);
  const released = lastUses(graph, new Set(graph.inputs));
  const matmulForm = matmulFormValues(graph);
  const weights: FloorWeight[] = [];
  const lines: string[] = [];
  for (const node of graph.nodes) {
    if (node.kind === 'Input') continue;
    const declared = new Set(nodeWeights(graph, node).map((w) => w.name));
    const weight = (name: string, matmul = false) => {
      if (!declared.has(name)) return undefined;
      weights.push({ key: weightKey(node.name, name), matmul });
      return `w[${weights.length - 1}]`;
    };
    const args = node.inputs.map((id) => names.get(id)!);
    const input = graph.nodes[node.inputs[0]];
    const { call, then = [] } = callFor(node, args, input.shape[input.shape.length - 1], weight, matmulForm);
    // Each call after the first names the one before's result, to free it right after.
    const value = `v${node.id}`;
    let previous = then.length === 0 ? value : `t${node.id}_0`;
    lines.push(`const ${previous} = ${call};`);
    then.forEach((next, i) => {
      const name = i === then.length - 1 ? value : `t${node.id}_${i + 1}`;
      lines.push(`const ${name} = ${next(previous)};`, `${previous}.dispose();`);
      previous = name;
    });
    names.set(node.id, value);
    // Free every intermediate at its last use, as the executor does (never the input).
    const freed = released[node.id];
    if (freed.length > 0) lines.push(freed.map((id) => `${names.get(id)}.dispose();`).join(' '));
  }
  lines.push(`return ${names.get(graph.outputs[0])};`);
  return { source: lines.join('\n'), weights };
}

/** Compiles the floor of `graph` and uploads its weights (float64 host weights become float32). */
export function compileFloor(graph: Graph, weights: WeightMap): Floor {
  const floor = floorSource(graph);
  const fn = new Function('tf', 'w', 'x', floor.source) as (t: typeof tf, w: readonly tf.Tensor[], x: tf.Tensor) => tf.Tensor;
  const tensors = floor.weights.map(({ key, matmul }) => {
    const host = weights.get(key) as HostTensor;
    return tf.tensor(hostFloat32(host), matmul ? [1, ...host.shape] : [...host.shape], 'float32');
  });
  return {
    source: floor.source,
    run: (x) => fn(tf, tensors, x),
    dispose: () => tf.dispose(tensors),
  };
}
