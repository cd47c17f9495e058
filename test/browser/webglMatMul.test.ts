// The bundle's WebGL matrix products with their shared dimension read from a shape
// uniform (runtime/bundle/backends/webglMatMul.ts) in real Chromium (WebGL2 on
// SwiftShader), against tfjs-backend-webgl's own programs on the same matrices in the
// same page: batch 1 and 2, A or B transposed, odd and even K, fused bias and ReLU; and
// the products that differ only in K compile one program.

import test from 'ava';
import { join } from 'node:path';
import { pageResult } from '../helpers/browser.js';

/** [a shape, b shape, transposeA, transposeB, fused bias + relu]. */
const CASES = [
  [[1, 3, 5], [1, 5, 4], false, false, false],
  [[1, 3, 300], [1, 300, 6], false, false, true],
  [[1, 3, 101], [1, 101, 6], false, false, true],
  [[2, 3, 7], [2, 7, 4], false, false, false],
  [[1, 5, 3], [1, 5, 4], true, false, false],
  [[2, 7, 3], [2, 4, 7], true, true, false],
  [[1, 3, 9], [1, 4, 9], false, true, true],
] as const;

const PAGE_SOURCE = `
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import { shareMatMulPrograms } from ${JSON.stringify(join(process.cwd(), 'runtime/bundle/backends/webglMatMul.ts'))};
(async () => { try {
  tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', true);
  await tf.setBackend('webgl');
  const cases = ${JSON.stringify(CASES)};
  const fill = (shape, k) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 1.618 + k)), shape);
  const run = () => Promise.all(cases.map(([as, bs, ta, tb, fused], k) => {
    const a = fill(as, k), b = fill(bs, k + 7);
    const n = tb ? bs[1] : bs[2];
    const y = fused ? tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias: fill([n], k + 3), activation: 'relu' }) : tf.matMul(a, b, ta, tb);
    return y.data().then((d) => Array.from(d));
  }));
  const theirs = await run();
  const before = Object.keys(tf.backend().binaryCache).length;
  shareMatMulPrograms(tf.backend());
  const ours = await run();
  const programs = Object.keys(tf.backend().binaryCache).length - before;
  window.result = { theirs, ours, programs, version: tf.env().getNumber('WEBGL_VERSION') };
} catch (e) { window.result = { error: String(e && e.stack || e) }; } })();
`;

interface Result {
  error?: string;
  theirs: number[][];
  ours: number[][];
  programs: number;
  version: number;
}
let result: Result;

test.before(async () => {
  result = await pageResult<Result>(PAGE_SOURCE, 'nnc-matmul-');
});

test('matrix products with the shared dimension as a uniform equal tfjs\'s within 1e-5, every case', (t) => {
  t.is(result.error, undefined);
  t.is(result.version, 2);
  CASES.forEach((c, k) => {
    t.is(result.ours[k].length, result.theirs[k].length);
    const diff = Math.max(...result.ours[k].map((x, i) => Math.abs(x - result.theirs[k][i])));
    t.true(diff <= 1e-5, `case ${k} ${JSON.stringify(c)}: ${diff}`);
  });
});

test('products that differ only in K share a program: 7 cases, 6 programs (cases 1 and 2 share one)', (t) => {
  // Unfused batch 1 (cases 0), fused batch 1 not transposed (1, 2 share), unfused batch 2 (3),
  // transposed A batch 1 (4), both transposed batch 2 (5), fused transposed B (6): 6 shaders;
  // tfjs's own compiled one per case (7). The count is of the programs compiled after the rewrite.
  t.is(result.programs, 6);
});
