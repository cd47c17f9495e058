// The bundle's WebGL mean over height and width (runtime/bundle/backends/webglMean.ts) in
// real Chromium (WebGL2 on SwiftShader), against a float64 mean and tfjs-backend-webgl's
// own Mean kernel in the same page: batch 1 to 3, odd and even H, W and C, keepDims, and
// negative axes; other means go to tfjs's kernel and equal it; one program per shape.

import test from 'ava';
import { join } from 'node:path';
import { pageResult, webglTestPage } from '../helpers/browser.js';

/** [shape, axes, keepDims]. */
const CASES = [
  [[1, 7, 7, 1280], [1, 2], false],
  [[2, 7, 7, 6], [1, 2], false],
  [[3, 5, 4, 3], [1, 2], true],
  [[1, 1, 1, 5], [1, 2], false],
  [[2, 3, 3, 1], [-3, -2], false],
  [[2, 4, 6, 8], [2, 1], true],
  [[2, 3, 4, 5], [3], false],
  [[2, 3, 4, 5], [1], true],
  [[4, 6], [1], false],
] as const;

const PAGE_SOURCE = webglTestPage(
  `import { meanConfig } from ${JSON.stringify(join(process.cwd(), 'runtime/bundle/backends/webglMean.ts'))};`,
  `  const cases = ${JSON.stringify(CASES)};
  const values = (shape, k) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 1.618 + k) * 10 + k);
  // The input comes out of a packed op (as a convolution's would), not straight from the CPU.
  const run = () => Promise.all(cases.map(([shape, axes, keepDims], k) => {
    const x = tf.relu(tf.tensor(values(shape, k), shape));
    const y = tf.mean(x, axes, keepDims);
    return y.data().then((d) => ({ shape: y.shape, values: Array.from(d) }));
  }));
  const theirs = await run();
  tf.unregisterKernel('Mean', 'webgl');
  tf.registerKernel(meanConfig);
  const before = new Set(Object.keys(tf.backend().binaryCache));
  const ours = await run();
  const programs = Object.keys(tf.backend().binaryCache).filter((k) => !before.has(k)).map((k) => k.slice(0, k.indexOf('_')));
  window.result = { theirs, ours, programs };`,
);

interface Output {
  shape: number[];
  values: number[];
}
interface Result {
  error?: string;
  theirs: Output[];
  ours: Output[];
  programs: string[];
}
let result: Result;

test.before(async () => {
  result = await pageResult<Result>(PAGE_SOURCE, 'nnc-mean-');
});

/** The float64 mean of relu(values) over `axes`, in row-major order of the kept axes. */
function float64Mean(shape: readonly number[], axes: readonly number[], k: number): number[] {
  const rank = shape.length;
  const reduced = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  const size = shape.reduce((a, b) => a * b, 1);
  const keptShape = shape.filter((_, i) => !reduced.has(i));
  const sums = new Float64Array(keptShape.reduce((a, b) => a * b, 1));
  const counts = new Float64Array(sums.length);
  for (let i = 0; i < size; i++) {
    let rest = i;
    let out = 0;
    const index = new Array<number>(rank);
    for (let d = rank - 1; d >= 0; d--) {
      index[d] = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
    }
    for (let d = 0; d < rank; d++) if (!reduced.has(d)) out = out * shape[d] + index[d];
    sums[out] += Math.max(0, Math.fround(Math.sin(i * 1.618 + k) * 10 + k));
    counts[out] += 1;
  }
  return Array.from(sums, (s, i) => s / counts[i]);
}

test('the mean over height and width equals a float64 mean within 1e-5 relative, and tfjs\'s shapes, every case', (t) => {
  t.is(result.error, undefined);
  CASES.forEach(([shape, axes], k) => {
    const expected = float64Mean(shape, axes, k);
    t.deepEqual(result.ours[k].shape, result.theirs[k].shape, `case ${k}`);
    t.is(result.ours[k].values.length, expected.length, `case ${k}`);
    const worst = Math.max(...result.ours[k].values.map((x, i) => Math.abs(x - expected[i]) / Math.max(1, Math.abs(expected[i]))));
    t.true(worst <= 1e-5, `case ${k} ${JSON.stringify(shape)} ${JSON.stringify(axes)}: ${worst}`);
  });
});

test('the means it does not take (other axes, other ranks) are tfjs\'s own, value for value', (t) => {
  for (const k of [6, 7, 8]) t.deepEqual(result.ours[k].values, result.theirs[k].values, `case ${k}`);
});

test('each height-and-width mean is one program: 6 shapes, 6 programs', (t) => {
  // Cases 0–5 take the one-program mean, one program each (H, W, C and the batch are
  // constants of the shader); 6–8 reuse what tfjs's kernel compiled in the first run. The
  // page reads packed outputs through tfjs's decode program (a bundle reads them without
  // one: webglPackedTransfer.ts), and keepDims reshapes the packed [B, C] (cases 2 and 5).
  const counts: Record<string, number> = {};
  for (const name of result.programs) counts[name] = (counts[name] ?? 0) + 1;
  t.is(counts.SpatialMeanProgram, 6);
  t.deepEqual(Object.keys(counts).sort(), ['DecodeMatrixPackedProgram', 'SpatialMeanProgram', ...(counts.ReshapePackedProgram ? ['ReshapePackedProgram'] : [])].sort());
});
