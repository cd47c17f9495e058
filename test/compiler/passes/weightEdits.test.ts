// WeightEdits: reads see the edits, the given map is never changed, and a pass that
// edits nothing gets back the very map it was given (no copy).

import test from 'ava';
import { WeightEdits, weight64, weightData } from '../../../compiler/passes/weightEdits.js';
import type { HostTensor, WeightMap } from '../../../src/ir/tensors.js';

const kernel: HostTensor = { shape: [2], data: new Float32Array([0.5, -2]) };
const bias: HostTensor = { shape: [1], data: new Float32Array([3]) };

test('without edits, the result is the given map itself', (t) => {
  const given: WeightMap = new Map([['dense/kernel', kernel]]);
  const edits = new WeightEdits(given);
  t.is(edits.get('dense/kernel'), kernel);
  t.is(edits.result(), given);
});

test('edits are seen by reads and leave the given map as it was', (t) => {
  const given: WeightMap = new Map([
    ['dense/kernel', kernel],
    ['dense/bias', bias],
  ]);
  const edits = new WeightEdits(given);
  const scaled: HostTensor = { shape: [2], data: new Float64Array([1, -4]) };
  edits.set('dense/kernel', scaled);
  edits.delete('dense/bias');
  t.is(edits.get('dense/kernel'), scaled);
  t.is(edits.get('dense/bias'), undefined);
  t.deepEqual([...edits.result().keys()], ['dense/kernel']);
  t.deepEqual([...given.keys()], ['dense/kernel', 'dense/bias']);
  t.is(given.get('dense/kernel'), kernel);
});

test('weightData reads in place; weight64 copies to float64; a missing weight names its key', (t) => {
  const given: WeightMap = new Map([['dense/kernel', kernel]]);
  t.is(weightData(given, 'dense', 'kernel'), kernel.data);
  const copy = weight64(given, 'dense', 'kernel');
  t.true(copy instanceof Float64Array);
  t.deepEqual([...copy], [0.5, -2]);
  t.throws(() => weightData(given, 'dense', 'bias'), { message: "missing weight 'dense/bias'" });
});
