// Run in the page: the model on WebGL (CPU if the browser has none), with the
// imported weights or the initializers' (seed 0), on a random input or the drawing.

import * as tf from '@tensorflow/tfjs-core';
import { initBrowserBackend } from '../../runtime/backends/browser.js';
import { initializeWeights } from '../../runtime/initializers.js';
import { Model } from '../../runtime/model.js';
import { Random } from '../../runtime/random.js';
import type { HostTensor, WeightMap } from '../ir/tensors.js';
import type { Graph } from '../ir/types.js';

export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export interface RunResult {
  readonly backend: string;
  readonly inputs: readonly HostTensor[];
  readonly outputs: readonly HostTensor[];
  readonly firstMs: number;
  readonly steadyMs: number;
  readonly report: string;
}

/** One input of batch 1 per model input: the drawing for a 28×28 model, else uniform [0, 1) values from seed 0. */
function inputsFor(graph: Graph, drawing: Float32Array | null): HostTensor[] {
  const random = new Random(0);
  return graph.inputs.map((id) => {
    const shape = [1, ...graph.nodes[id].shape.slice(1).map((d) => d ?? 1)];
    const size = shape.reduce((a, b) => a * b, 1);
    if (drawing && drawing.length === size) return { shape, data: drawing };
    return { shape, data: Float32Array.from({ length: size }, () => random.uniform()) };
  });
}

async function timedPredict(model: Model, inputs: readonly HostTensor[]): Promise<{ outputs: HostTensor[]; ms: number }> {
  const start = performance.now();
  const outputs = await model.predictHost(inputs.length === 1 ? inputs[0] : inputs);
  return { outputs, ms: performance.now() - start };
}

function describe(graph: Graph, outputs: readonly HostTensor[]): string[] {
  return outputs.map((output, i) => {
    const name = graph.nodes[graph.outputs[i]].name;
    const values = [...output.data];
    const lines = [`${name} [${output.shape.join(', ')}], sum ${values.reduce((a, b) => a + b, 0).toFixed(6)}:`];
    const named = values.length === 10 && graph.nodes[graph.inputs[0]].shape.slice(1, 3).join('x') === '28x28';
    const order = values.map((v, k) => [v, k] as const).sort((a, b) => b[0] - a[0]);
    for (const [v, k] of order.slice(0, Math.min(values.length, 10))) lines.push(`  ${String(k).padStart(3)} ${named ? FASHION_MNIST_CLASSES[k].padEnd(12) : ''} ${v.toPrecision(6)}`);
    if (values.length > 10) lines.push(`  … ${values.length - 10} more`);
    return lines.join('\n');
  });
}

export async function runModel(graph: Graph, imported: WeightMap | null, drawing: Float32Array | null): Promise<RunResult> {
  const backend = await initBrowserBackend('webgl');
  const weights = imported ?? initializeWeights(graph, 0);
  const model = new Model(graph, weights, backend);
  try {
    const inputs = inputsFor(graph, drawing);
    const first = await timedPredict(model, inputs);
    const steady = await timedPredict(model, inputs);
    const report = [
      `backend: ${tf.getBackend()}; weights: ${imported ? 'from the opened file' : 'initial (seed 0; BatchNormalization statistics are trivial)'}; input: ${drawing ? 'the drawing' : 'uniform [0, 1), seed 0'}`,
      `first predict ${first.ms.toFixed(1)} ms (compiles the WebGL programs), then ${steady.ms.toFixed(1)} ms`,
      ...describe(graph, steady.outputs),
    ].join('\n');
    return { backend, inputs, outputs: steady.outputs, firstMs: first.ms, steadyMs: steady.ms, report };
  } finally {
    model.dispose();
  }
}
