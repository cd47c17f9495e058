// runtime/verify: the elementwise comparison behind `nnc verify` and the optimizer
// tests, |candidate − reference| ≤ atol + rtol·|reference|, on hand-made outputs.

import test from 'ava';
import { initNodeBackend } from '../../runtime/backends/node.js';
import { compareHost, compareModels, DEFAULT_TOLERANCE, formatComparison, randomInputs } from '../../runtime/verify.js';
import type { HostTensor } from '../../src/ir/tensors.js';
import { graphOf, randomizedWeights } from '../helpers/models.js';

const tensor = (values: number[], shape = [values.length]): HostTensor => ({ shape, data: Float32Array.from(values) });
const tolerance = { atol: 1e-3, rtol: 1e-2 };

test('within: each element against atol + rtol·|reference|', (t) => {
  // Bounds: 1e-3 + 1e-2·|y| = 0.001, 0.011, 1.001.
  const reference = tensor([0, 1, 100]);
  t.true(compareHost([reference], [tensor([0.0009, 1.0109, 100.9])], tolerance).within);
  const c = compareHost([reference], [tensor([0.0011, 1, 101.1])], tolerance);
  t.false(c.within);
  t.is(c.failures, 2);
  t.is(c.elements, 3);
  t.true(Math.abs(c.maxAbsError - 1.1) < 1e-4);
  // Relative error only over |y| > atol: 1.1/100, not 0.0011/0.
  t.true(Math.abs(c.maxRelError - 0.011) < 1e-6);
});

test('NaN fails and stays the maximum error, wherever it appears', (t) => {
  for (const values of [
    [NaN, 0.5, 0],
    [0, 0.5, NaN],
  ]) {
    const c = compareHost([tensor([0, 0, 0])], [tensor(values)], tolerance);
    t.false(c.within);
    t.true(Number.isNaN(c.maxAbsError), `${values}: ${c.maxAbsError}`);
  }
  const both = compareHost([tensor([NaN])], [tensor([NaN])], tolerance);
  t.false(both.within, 'NaN is never close, not even to NaN');
});

test('equal infinities are exact; different ones fail', (t) => {
  t.true(compareHost([tensor([Infinity, -Infinity])], [tensor([Infinity, -Infinity])], tolerance).within);
  const c = compareHost([tensor([Infinity])], [tensor([-Infinity])], tolerance);
  t.false(c.within);
  t.is(c.maxAbsError, Infinity);
});

test('missing, extra or reshaped outputs fail', (t) => {
  const a = tensor([1, 2, 3, 4], [2, 2]);
  t.false(compareHost([a, a], [a], tolerance).within, 'missing output');
  t.false(compareHost([a], [a, a], tolerance).within, 'extra output');
  t.false(compareHost([a], [tensor([1, 2, 3, 4], [4, 1])], tolerance).within, 'same values, other shape');
  t.false(compareHost([a], [tensor([1, 2, 3])], tolerance).within, 'fewer values');
  t.true(compareHost([a, a], [a, a], tolerance).within);
});

test('formatComparison prints both errors, the tolerance and the verdict', (t) => {
  const ok = compareHost([tensor([1, 2])], [tensor([1, 2.001])], tolerance);
  t.is(formatComparison('x', ok, tolerance), 'x: max abs error 1.00e-3, max rel error 5.00e-4 over 2 values; tolerance 1e-3 + 1e-2·|y|: OK');
  const bad = compareHost([tensor([1, 2])], [tensor([1, 3])], tolerance);
  t.regex(formatComparison('x', bad, tolerance), /FAILED \(1 of 2 elements outside\)$/);
});

test('randomInputs: batches of standard normal values shaped like the inputs, reproducible', (t) => {
  const graph = graphOf(`model M { input x: [4, 3]\n Flatten }`);
  const sets = randomInputs(graph, 3, 5, 1);
  t.is(sets.length, 3);
  t.deepEqual(sets[0][0].shape, [5, 4, 3]);
  t.deepEqual(Array.from(randomInputs(graph, 3, 5, 1)[2][0].data), Array.from(sets[2][0].data));
  t.notDeepEqual(Array.from(sets[1][0].data), Array.from(sets[0][0].data));
  const all = sets.flatMap((s) => Array.from(s[0].data));
  const mean = all.reduce((x, y) => x + y, 0) / all.length;
  t.true(Math.abs(mean) < 0.4 && all.some((v) => v < -1) && all.some((v) => v > 1));
});

test('compareModels tells two different weight sets apart, and a model from itself not', async (t) => {
  await initNodeBackend('wasm');
  const graph = graphOf(`model M { input x: [6]\n Dense(4)\n BatchNormalization }`);
  const a = randomizedWeights(graph, 1);
  const b = randomizedWeights(graph, 2);
  const inputs = randomInputs(graph, 2, 4, 0);
  const same = await compareModels({ graph, weights: a }, { graph, weights: a }, inputs, 'wasm', DEFAULT_TOLERANCE);
  t.true(same.within);
  t.is(same.maxAbsError, 0);
  t.is(same.elements, 2 * 4 * 4);
  t.false((await compareModels({ graph, weights: a }, { graph, weights: b }, inputs, 'wasm', DEFAULT_TOLERANCE)).within);
});
