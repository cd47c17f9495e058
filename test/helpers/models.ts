// Shared helpers for runtime tests: compile examples, make weights with non-trivial
// BatchNormalization statistics, and compare tensors.

import type { ExecutionContext } from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { compileGraph } from '../../src/api.js';
import type { Graph } from '../../src/ir/types.js';
import type { HostTensor } from '../../src/ir/tensors.js';
import { initializeWeights } from '../../runtime/initializers.js';
import { Random } from '../../runtime/random.js';

export const EXAMPLES = ['geron', 'geron_bn_before_activation', 'tagger', 'tiny_resnet', 'mobilenet_block'] as const;

/** The graph of examples/NAME.nn (found from this file, whatever the working directory). */
export function exampleGraph(name: string): Graph {
  return compileGraph(readFileSync(new URL(`../../examples/${name}.nn`, import.meta.url), 'utf8'));
}

export function graphOf(source: string): Graph {
  return compileGraph(source);
}

/**
 * Initial weights with BatchNormalization statistics and affine parameters drawn at
 * random (gamma, variance in [0.5, 1.5); beta, mean ~ N(0, 0.3²)), so that BN changes
 * the numbers and a wrong formula cannot pass unnoticed.
 */
export function randomizedWeights(graph: Graph, seed = 1): Map<string, HostTensor> {
  const weights = initializeWeights(graph, seed);
  const random = new Random(seed).fork('bn-statistics');
  for (const [key, tensor] of weights) {
    const variable = key.slice(key.lastIndexOf('/') + 1);
    const data = new Float32Array(tensor.data.length);
    if (variable === 'gamma' || variable === 'moving_variance') for (let i = 0; i < data.length; i++) data[i] = 0.5 + random.uniform();
    else if (variable === 'beta' || variable === 'moving_mean' || variable === 'bias') for (let i = 0; i < data.length; i++) data[i] = 0.3 * random.normal();
    else continue;
    weights.set(key, { shape: tensor.shape, data });
  }
  return weights;
}

/** A batch of standard-normal inputs for the graph's (first) input. */
export function randomInput(graph: Graph, batch: number, seed = 3): tf.Tensor {
  const shape = [batch, ...(graph.nodes[graph.inputs[0]].shape.slice(1) as number[])];
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** nnc against tfjs-layers: float32 rounding, both sides running the same tfjs kernels with the ops in a different order. */
export const LAYERS_TOLERANCE = 1e-5;

/**
 * `ours` has the reference's shape and equals it within `tolerance`; and the comparison
 * is not trivially met: the values spread far wider than the tolerance.
 */
export function assertMatches(t: ExecutionContext, ours: tf.Tensor, theirs: tf.Tensor, tolerance: number, label = 'output'): void {
  t.deepEqual(ours.shape, theirs.shape, `${label}: shape`);
  const diff = maxAbsDiff(ours, theirs);
  t.true(diff <= tolerance, `${label}: max abs diff ${diff}`);
  const values = ours.dataSync();
  t.true(Math.max(...values) - Math.min(...values) > 1e-2, `${label} spreads wider than the tolerance`);
}

/** runtime/verify.ts's maxAbsDifference, under the name the tests use. */
export { maxAbsDifference as hostMaxAbsDiff } from '../../runtime/verify.js';
