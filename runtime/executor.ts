// The executor: an IR graph compiled once into a plan (steps in topological order,
// weights uploaded once as tensors), then run any number of times. Each step runs
// inside `tf.tidy`, or, for the inference kernels that free their own temporaries
// (Dense, and reshapes into the matmul form), without one; an intermediate is disposed
// right after its last consumer, so peak memory is a few activations, not all of them.

import * as tf from '@tensorflow/tfjs-core';
import { NncError } from '../src/diagnostics.js';
import { lastUses } from '../src/ir/graph.js';
import { nodeWeights } from '../src/ir/ops.js';
import { formatShape } from '../src/ir/shape.js';
import type { Graph, Node, NodeId, NodeOf, OpKind } from '../src/ir/types.js';
import type { HostTensor, WeightMap } from '../src/ir/tensors.js';
import { hostFloat32, weightKey } from '../src/ir/tensors.js';
import { Random } from './random.js';
import { KERNEL_VIEW, type Kernel, type KernelContext, type StateUpdate, type Weights, denseKernel, kernelOf, kernelView, matmulFormValues, toMatmulForm } from './kernels.js';
import { checkWeightMap, expectedWeights } from '../src/ir/weights.js';
import { deferredPadding, paddedConvolution, paddingIntoConvolution } from './paddingIntoConvolution.js';

interface Step {
  readonly node: Node;
  readonly kernel: Kernel<OpKind>;
  readonly weights: Weights;
  /** Values whose last consumer is this step: disposed after it runs. */
  readonly release: readonly NodeId[];
  /** Whether to run the kernel inside a `tf.tidy` in inference (always in training). */
  readonly tidy: boolean;
}

export interface RunOptions {
  /** Training mode (BatchNormalization on batch statistics, Dropout active). Default false. */
  readonly training?: boolean;
  /** Seed for Dropout masks in training mode. */
  readonly seed?: number;
}

export interface RunResult {
  readonly outputs: tf.Tensor[];
  /** New moving statistics computed in training mode; the caller assigns and disposes them. */
  readonly stateUpdates: StateUpdate[];
}

export interface ExecutorOptions {
  /** Keep weights as `tf.Variable`s so they can be trained. */
  readonly variables?: boolean;
  /** Names the weights' origin in error messages. */
  readonly weightsName?: string;
  /** In inference, run a ZeroPadding2D as the next convolution's padding (runtime/paddingIntoConvolution.ts). Default true; the benchmark turns it off to measure it. */
  readonly paddingIntoConvolution?: boolean;
}

export class Executor {
  readonly graph: Graph;
  readonly #steps: Step[] = [];
  /** The graph's Input nodes, in input order. */
  readonly #inputNodes: readonly Node[];
  readonly #tensors = new Map<string, tf.Tensor>();
  #disposed = false;

  constructor(graph: Graph, weights: WeightMap, options: ExecutorOptions = {}) {
    checkWeightMap(graph, weights, options.weightsName ?? 'the weights');
    this.graph = graph;
    this.#inputNodes = graph.inputs.map((id) => graph.nodes[id]);
    for (const key of expectedWeights(graph).keys()) {
      const host = weights.get(key)!;
      const values = tf.tensor(hostFloat32(host), [...host.shape], 'float32');
      this.#tensors.set(key, options.variables ? tf.variable(values, true, `${key}#${variableCounter++}`) : values);
      if (options.variables) values.dispose();
    }

    const released = lastUses(graph, new Set<NodeId>([...graph.outputs, ...graph.inputs]));
    const matmulForm = matmulFormValues(graph);
    const deferred = options.paddingIntoConvolution === false ? new Map<NodeId, NodeId>() : paddingIntoConvolution(graph);
    const paddedBy = new Map([...deferred].map(([pad, conv]) => [conv, graph.nodes[pad] as NodeOf<'ZeroPadding2D'>]));
    for (const node of graph.nodes) {
      if (node.kind === 'Input') continue;
      const padding = paddedBy.get(node.id);
      const { kernel, tidy } = deferred.has(node.id)
        ? { kernel: deferredPadding as Kernel<OpKind>, tidy: true }
        : padding
          ? { kernel: paddedConvolution(padding) as Kernel<OpKind>, tidy: true }
          : this.#kernelFor(node, matmulForm);
      const stepWeights: Record<string, tf.Tensor> = {};
      for (const spec of nodeWeights(graph, node)) stepWeights[spec.name] = this.#tensors.get(weightKey(node.name, spec.name))!;
      // A variable's data is replaced by `assign`, so a view of it would go stale: its Dense reshapes per call.
      if (node.kind === 'Dense' && !options.variables) stepWeights[KERNEL_VIEW] = kernelView(stepWeights.kernel);
      this.#steps.push({ node, kernel, weights: stepWeights, release: released[node.id], tidy });
    }
  }

  /**
   * A node's kernel, and whether it needs a `tf.tidy` in inference. In inference, a value
   * only Dense layers consume stays in the matmul form between them (runtime/kernels.ts);
   * the kernels on both sides of it say so. Both free what they create themselves.
   */
  #kernelFor(node: Node, matmulForm: ReadonlySet<NodeId>): { kernel: Kernel<OpKind>; tidy: boolean } {
    if (node.kind === 'Dense') return { kernel: denseKernel(node, { input: matmulForm.has(node.inputs[0]), output: matmulForm.has(node.id) }) as Kernel<OpKind>, tidy: false };
    if (matmulForm.has(node.id)) return { kernel: toMatmulForm as Kernel<OpKind>, tidy: false };
    const kernel = kernelOf(node.kind);
    if (!kernel) throw new Error(`no kernel for op '${node.kind}' (node '${node.name}')`);
    return { kernel, tidy: true };
  }

  /** The tensor of a weight, `<layer>/<variable>`. */
  weight(key: string): tf.Tensor {
    const tensor = this.#tensors.get(key);
    if (!tensor) throw new Error(`no weight '${key}'`);
    return tensor;
  }

  /** Checks inputs against the graph's Input nodes: count, rank, every non-batch dimension, dtype. */
  checkInputs(inputs: readonly tf.Tensor[]): void {
    const expected = this.#inputNodes;
    if (inputs.length !== expected.length) {
      throw new NncError(`model '${this.graph.name}' takes ${expected.length} input${expected.length > 1 ? 's' : ''} (${expected.map((n) => n.name).join(', ')}), got ${inputs.length}`);
    }
    // Plain loops, no closures: this runs on every predict.
    for (let i = 0; i < inputs.length; i++) {
      const tensor = inputs[i];
      const node = expected[i];
      let fits = tensor.rank === node.shape.length;
      for (let axis = 0; fits && axis < node.shape.length; axis++) fits = node.shape[axis] === null || node.shape[axis] === tensor.shape[axis];
      if (!fits) throw new NncError(`input '${node.name}' expects shape ${formatShape(node.shape)}, got ${formatShape(tensor.shape)}`);
      if (tensor.shape[0] < 1) throw new NncError(`input '${node.name}' has an empty batch`);
      if (tensor.dtype !== 'float32') throw new NncError(`input '${node.name}' must be float32, got ${tensor.dtype}`);
    }
    // Layers that merge inputs would broadcast a batch of 1 silently, or fail inside a kernel.
    for (let i = 1; i < inputs.length; i++) {
      if (inputs[i].shape[0] !== inputs[0].shape[0]) {
        throw new NncError(`the inputs of model '${this.graph.name}' have different batch sizes: '${expected[0].name}' has ${inputs[0].shape[0]} examples, '${expected[i].name}' has ${inputs[i].shape[0]}; every input needs one row per example`);
      }
    }
  }

  /**
   * Runs the plan. Inputs are not disposed; outputs belong to the caller.
   * The hot path of every predict: values live in an array indexed by node id, the
   * random generator is created only if a kernel asks for a seed (Dropout in training).
   */
  run(inputs: readonly tf.Tensor[], options: RunOptions = {}): RunResult {
    if (this.#disposed) throw new Error('this model has been disposed');
    this.checkInputs(inputs);
    const seed = options.seed ?? 0;
    let random: Random | null = null;
    const stateUpdates: StateUpdate[] = [];
    const context: KernelContext = { training: options.training ?? false, nextSeed: () => (random ??= new Random(seed)).nextUint32(), stateUpdates };
    const values: (tf.Tensor | undefined)[] = new Array(this.graph.nodes.length);
    const inputIds = this.graph.inputs;
    for (let i = 0; i < inputIds.length; i++) values[inputIds[i]] = inputs[i];
    try {
      for (const step of this.#steps) {
        const ids = step.node.inputs;
        const args: tf.Tensor[] = new Array(ids.length);
        for (let i = 0; i < ids.length; i++) args[i] = values[ids[i]]!;
        values[step.node.id] = step.tidy || context.training ? tf.tidy(() => step.kernel(step.node, args, step.weights, context)) : step.kernel(step.node, args, step.weights, context);
        for (const id of step.release) {
          values[id]!.dispose();
          values[id] = undefined;
        }
      }
    } catch (e) {
      values.forEach((tensor, id) => {
        if (tensor && !inputIds.includes(id)) tensor.dispose();
      });
      for (const update of stateUpdates) update.value.dispose();
      throw e;
    }
    // Outputs belong to the caller: one that is a graph input (an identity model) or
    // appears twice is cloned, so disposing outputs never frees an input or twice.
    const outputIds = this.graph.outputs;
    const outputs: tf.Tensor[] = new Array(outputIds.length);
    for (let i = 0; i < outputIds.length; i++) {
      const tensor = values[outputIds[i]]!;
      outputs[i] = inputs.includes(tensor) || outputs.includes(tensor) ? tf.clone(tensor) : tensor;
    }
    return { outputs, stateUpdates };
  }

  /** Assigns new values to weights (kept as variables or replaced as tensors). */
  assign(key: string, value: tf.Tensor): void {
    const current = this.weight(key);
    if (current instanceof tf.Variable) {
      current.assign(value);
      return;
    }
    this.#tensors.set(key, tf.keep(value.clone()));
    current.dispose();
    this.#rebindStepWeights(key);
  }

  #rebindStepWeights(key: string): void {
    const slash = key.lastIndexOf('/');
    const layer = key.slice(0, slash);
    const variable = key.slice(slash + 1);
    const index = this.#steps.findIndex((s) => s.node.name === layer);
    if (index < 0) return;
    const step = this.#steps[index];
    const value = this.#tensors.get(key)!;
    const weights = { ...step.weights, [variable]: value };
    if (variable === 'kernel' && step.weights[KERNEL_VIEW]) {
      step.weights[KERNEL_VIEW].dispose();
      weights[KERNEL_VIEW] = kernelView(value);
    }
    this.#steps[index] = { ...step, weights };
  }

  /** Replaces every weight with host values (checked like a weights file). */
  setWeights(weights: WeightMap, what = 'the weights'): void {
    checkWeightMap(this.graph, weights, what);
    for (const [key, host] of weights) {
      const value = tf.tensor(hostFloat32(host), [...host.shape], 'float32');
      this.assign(key, value);
      value.dispose();
    }
  }

  /** Reads every weight back to the host, keyed `<layer>/<variable>`. */
  async getWeights(): Promise<Map<string, HostTensor>> {
    const out = new Map<string, HostTensor>();
    for (const [key, tensor] of this.#tensors) {
      out.set(key, { shape: [...tensor.shape], data: (await tensor.data()) as Float32Array });
    }
    return out;
  }

  /** Frees every tensor the executor owns. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const tensor of this.#tensors.values()) tensor.dispose();
    this.#tensors.clear();
    for (const step of this.#steps) step.weights[KERNEL_VIEW]?.dispose();
  }
}

let variableCounter = 0;

