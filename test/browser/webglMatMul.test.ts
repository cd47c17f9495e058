// The bundle's WebGL matrix products with their shared dimension read from a shape
// uniform (runtime/bundle/backends/webglMatMul.ts) in real Chromium (WebGL2 on
// SwiftShader), against tfjs-backend-webgl's own programs on the same matrices in the
// same page: batch 1 and 2, A or B transposed, odd and even K, fused bias with ReLU,
// ReLU6, linear or ELU; and the products that differ only in K, or in a fused ReLU,
// ReLU6 or linear activation, compile one program.

import test from 'ava';
import { join } from 'node:path';
import { pageResult, webglTestPage } from '../helpers/browser.js';

/** [a shape, b shape, transposeA, transposeB, the activation fused with a bias, or none]. */
const CASES = [
  [[1, 3, 5], [1, 5, 4], false, false, null],
  [[1, 3, 300], [1, 300, 6], false, false, 'relu'],
  [[1, 3, 101], [1, 101, 6], false, false, 'relu'],
  [[2, 3, 7], [2, 7, 4], false, false, null],
  [[1, 5, 3], [1, 5, 4], true, false, null],
  [[2, 7, 3], [2, 4, 7], true, true, null],
  [[1, 3, 9], [1, 4, 9], false, true, 'relu'],
  [[1, 4, 50], [1, 50, 6], false, false, 'relu6'],
  [[1, 4, 20], [1, 20, 3], false, false, 'linear'],
  [[1, 3, 8], [1, 8, 5], false, false, 'elu'],
] as const;

const PAGE_SOURCE = webglTestPage(
  `import { shareMatMulPrograms } from ${JSON.stringify(join(process.cwd(), 'runtime/bundle/backends/webglMatMul.ts'))};`,
  `  const cases = ${JSON.stringify(CASES)};
  const fill = (shape, k) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 1.618 + k)), shape);
  const run = () => Promise.all(cases.map(([as, bs, ta, tb, fused], k) => {
    const a = fill(as, k), b = fill(bs, k + 7);
    const n = tb ? bs[1] : bs[2];
    // Scaled so that some outputs pass 6 (ReLU6's bound) and some are negative.
    const y = fused ? tf.fused.matMul({ a: tf.mul(a, 10), b, transposeA: ta, transposeB: tb, bias: fill([n], k + 3), activation: fused }) : tf.matMul(a, b, ta, tb);
    return y.data().then((d) => Array.from(d));
  }));
  const theirs = await run();
  const before = Object.keys(tf.backend().binaryCache).length;
  shareMatMulPrograms(tf.backend());
  const ours = await run();
  const programs = Object.keys(tf.backend().binaryCache).length - before;
  window.result = { theirs, ours, programs, version: tf.env().getNumber('WEBGL_VERSION') };`,
);

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

test('products that differ only in K or in a ReLU, ReLU6 or linear activation share a program: 10 cases, 7 programs', (t) => {
  // Unfused batch 1 (case 0), fused batch 1 not transposed with ReLU, ReLU6 or linear (1, 2,
  // 7, 8 share), unfused batch 2 (3), transposed A batch 1 (4), both transposed batch 2 (5),
  // fused transposed B (6), ELU (9, tfjs's shader): 7 shaders; tfjs's own compiled one per
  // case (10). The count is of the programs compiled after the rewrite (the multiplication
  // by 10 was compiled in the first run).
  t.is(result.programs, 7);
});

test('the ReLU6 and ReLU cases have outputs on both sides of their bounds, so the activations are exercised', (t) => {
  const relu6 = result.theirs[7];
  t.true(relu6.some((x) => x === 6) && relu6.some((x) => x === 0) && relu6.some((x) => x > 0 && x < 6), JSON.stringify(relu6));
  const linear = result.theirs[8];
  t.true(linear.some((x) => x < 0), JSON.stringify(linear));
});
