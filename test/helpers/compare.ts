// Comparison helpers with no Node import (tf, types only), so that pages bundled for
// Chromium (bench/inferencePage.ts through test/helpers/tfjsLayers.ts) can use them;
// test/helpers/models.ts re-exports them for the tests.

import type { ExecutionContext } from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import type { Graph } from '../../src/ir/types.js';

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
