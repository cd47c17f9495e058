// BatchNormalization as an affine map, against values worked out by hand:
// s = γ / √(σ² + ε), t = β − μ·s (Keras's inference formula, keras/layers/normalization).

import test from 'ava';
import { batchNormAffine, deleteBatchNormWeights } from '../../../compiler/passes/batchNormAlgebra.js';
import { WeightEdits } from '../../../compiler/passes/weightEdits.js';
import type { Node } from '../../../src/ir/types.js';
import type { WeightMap } from '../../../src/ir/tensors.js';
import { graphOf } from '../../helpers/check.js';

function batchNorm(args: string): Node & { kind: 'BatchNormalization' } {
  const node = graphOf(`model M {\n  input x: [2]\n  BatchNormalization(${args})\n}\n`).nodes[1];
  if (node.kind !== 'BatchNormalization') throw new Error('expected a BatchNormalization');
  return node as Node & { kind: 'BatchNormalization' };
}

function statistics(values: Record<string, number[]>): WeightMap {
  return new Map(Object.entries(values).map(([variable, data]) => [`batch_normalization/${variable}`, { shape: [data.length], data: new Float32Array(data) }]));
}

test('scale and shift per channel', (t) => {
  // Channel 0: γ 6, σ² + ε = 8 + 1 = 9 → s = 6 / 3 = 2; β 0.5, μ 1 → t = 0.5 − 2 = −1.5.
  // Channel 1: γ 1, σ² + ε = 0.25 + 1 = 1.25 → s = 1 / √1.25; β −1, μ −2 → t = −1 + 2·s.
  const weights = statistics({ gamma: [6, 1], beta: [0.5, -1], moving_mean: [1, -2], moving_variance: [8, 0.25] });
  const { scale, shift } = batchNormAffine(weights, batchNorm('epsilon=1'));
  const s1 = 1 / Math.sqrt(1.25);
  t.deepEqual([...scale], [2, s1]);
  t.deepEqual([...shift], [-1.5, -1 + 2 * s1]);
});

test('without scale (γ) and center (β), γ is 1 and β is 0', (t) => {
  // s = 1 / √(3 + 1) = 0.5; t = 0 − 4 · 0.5 = −2, and for channel 1: s = 1 / √(0 + 1) = 1, t = −1.
  const weights = statistics({ moving_mean: [4, 1], moving_variance: [3, 0] });
  const { scale, shift } = batchNormAffine(weights, batchNorm('epsilon=1, scale=false, center=false'));
  t.deepEqual([...scale], [0.5, 1]);
  t.deepEqual([...shift], [-2, -1]);
});

test("deleting a folded BN's weights removes its four variables and nothing else", (t) => {
  const given = statistics({ gamma: [1], beta: [0], moving_mean: [0], moving_variance: [1] });
  const other = { shape: [1], data: new Float32Array([7]) };
  const edits = new WeightEdits(new Map([...given, ['dense/bias', other]]));
  deleteBatchNormWeights(edits, 'batch_normalization');
  t.deepEqual([...edits.result().keys()], ['dense/bias']);
});
