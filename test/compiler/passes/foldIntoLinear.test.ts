// Folding a per-channel factor into a linear layer: the kernel is scaled along its
// output channels (lazily, read back here), and the bias updated in float64; a layer
// without a bias gets one. Expected values are worked out by hand.

import test from 'ava';
import { foldIntoLinear } from '../../../compiler/passes/foldIntoLinear.js';
import { isLinearLayer } from '../../../compiler/passes/linearLayers.js';
import { WeightEdits } from '../../../compiler/passes/weightEdits.js';
import { graphOf } from '../../helpers/check.js';

function dense(args: string) {
  const node = graphOf(`model M {\n  input x: [2]\n  Dense(${args})\n}\n`).nodes[1];
  if (!isLinearLayer(node)) throw new Error('expected a linear layer');
  return node;
}

test('a factor per output channel scales the kernel columns; the fold updates the bias', (t) => {
  // Dense kernel [2 inputs, 2 units], row-major: [[1, 2], [3, 4]]; factor [10, 0.5] per unit.
  const kernel = { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) };
  const edits = new WeightEdits(new Map([['dense/kernel', kernel], ['dense/bias', { shape: [2], data: new Float32Array([1, -1]) }]]));
  let seen: number[] = [];
  foldIntoLinear(edits, dense('2'), { values: new Float64Array([10, 0.5]), stride: 1 }, ({ bias, kernel: read }) => {
    seen = [...read()];
    bias[0] += 5; // 1 + 5 = 6
    bias[1] *= 2; // −1 · 2 = −2
  });
  t.deepEqual(seen, [1, 2, 3, 4]);
  t.deepEqual([...edits.get('dense/kernel')!.data], [10, 1, 30, 2]);
  t.deepEqual([...edits.get('dense/bias')!.data], [6, -2]);
  t.true(edits.get('dense/bias')!.data instanceof Float64Array);
});

test('a layer without a bias gets one, starting from zeros', (t) => {
  const edits = new WeightEdits(new Map([['dense/kernel', { shape: [2, 1], data: new Float32Array([2, 3]) }]]));
  foldIntoLinear(edits, dense('1, use_bias=false'), { values: 4, stride: 1 }, ({ bias }) => {
    bias[0] += 0.25;
  });
  t.deepEqual([...edits.get('dense/kernel')!.data], [8, 12]);
  t.deepEqual(edits.get('dense/bias'), { shape: [1], data: new Float64Array([0.25]) });
});
