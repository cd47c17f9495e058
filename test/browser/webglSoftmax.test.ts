// The bundle's one-program WebGL Softmax (runtime/bundle/backends/webglSoftmax.ts) in real
// Chromium (WebGL2 on SwiftShader) against tfjs-backend-webgl's own Softmax kernel, on
// the same logits in the same page: tfjs's kernel first, then the bundle's registered in
// its place. Rows odd and even, columns odd and even, rank 1 to 3, large logits, and
// a shape past WHOLE_ROW_WORK (the two-program path).

import test from 'ava';
import { join } from 'node:path';
import { WHOLE_ROW_WORK } from '../../runtime/bundle/backends/webglSoftmax.js';
import { pageResult, webglTestPage } from '../helpers/browser.js';

const SHAPES: readonly (readonly number[])[] = [[1, 10], [3, 10], [2, 7], [1, 1], [10], [2, 3, 5], [1, 1000], [40, 1000]];

const PAGE_SOURCE = webglTestPage(
  `import { softmaxConfig } from ${JSON.stringify(join(process.cwd(), 'runtime/bundle/backends/webglSoftmax.ts'))};`,
  `  const shapes = ${JSON.stringify(SHAPES)};
  // Logits up to ±60: exp would overflow float32 without the maximum subtracted.
  const logits = shapes.map((shape, k) => { const n = shape.reduce((a, b) => a * b, 1); return tf.tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + k) * 60), shape); });
  const theirs = [];
  for (const x of logits) theirs.push(Array.from(await tf.softmax(x).data()));
  tf.unregisterKernel('Softmax', 'webgl');
  tf.registerKernel(softmaxConfig);
  const ours = [];
  const programs = [];
  // The programs each softmax runs, by class: its own, and the packing or unpacking of its input.
  const backend = tf.backend();
  const run = backend.runWebGLProgram.bind(backend);
  let ran = [];
  backend.runWebGLProgram = (program, ...rest) => { ran.push(program.constructor.name); return run(program, ...rest); };
  for (const x of logits) {
    ran = [];
    const y = tf.softmax(x);
    programs.push(ran);
    ours.push(Array.from(await y.data()));
  }
  const input = await Promise.all(logits.map((x) => x.data().then((d) => Array.from(d))));
  window.result = { theirs, ours, programs, input, backend: tf.getBackend() };`,
);

interface Result {
  error?: string;
  backend: string;
  theirs: number[][];
  ours: number[][];
  programs: string[][];
  input: number[][];
}

let result: Result;

test.before(async () => {
  result = await pageResult<Result>(PAGE_SOURCE, 'nnc-softmax-');
});

/** Softmax over the last axis in float64, from the logits the page read back. */
function softmax64(values: readonly number[], columns: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < values.length; r += columns) {
    const row = values.slice(r, r + columns);
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    out.push(...e.map((v) => v / s));
  }
  return out;
}

const maxAbsDiff = (a: readonly number[], b: readonly number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));

test('the bundle\'s WebGL Softmax equals tfjs\'s WebGL Softmax within 1e-6 (and a float64 softmax within 1e-6), for every shape', (t) => {
  t.is(result.error, undefined);
  t.is(result.backend, 'webgl');
  SHAPES.forEach((shape, k) => {
    const columns = shape[shape.length - 1];
    t.is(result.ours[k].length, result.theirs[k].length, `[${shape}]`);
    t.true(result.ours[k].every(Number.isFinite), `[${shape}]: finite`);
    t.true(maxAbsDiff(result.ours[k], result.theirs[k]) <= 1e-6, `[${shape}]: ours against tfjs's, ${maxAbsDiff(result.ours[k], result.theirs[k])}`);
    t.true(maxAbsDiff(result.ours[k], softmax64(result.input[k], columns)) <= 1e-6, `[${shape}]: ours against float64, ${maxAbsDiff(result.ours[k], softmax64(result.input[k], columns))}`);
  });
});

test('one shader program for a softmax up to WHOLE_ROW_WORK, two beyond it', (t) => {
  t.is(result.error, undefined);
  const small = SHAPES.findIndex((s) => s.length === 2 && s[0] === 1 && s[1] === 10);
  t.deepEqual(result.programs[small].filter((p) => p.startsWith('Softmax')), ['SoftmaxRowsProgram']);
  const large = SHAPES.findIndex((s) => s[0] === 40);
  t.true((40 * 1000 * 1000) / 2 > WHOLE_ROW_WORK);
  t.deepEqual(result.programs[large].filter((p) => p.startsWith('Softmax')), ['SoftmaxStatsProgram', 'SoftmaxDivideProgram']);
  t.log(result.programs.map((p, k) => `[${SHAPES[k]}]: ${p.join(', ')}`).join('; '));
});
