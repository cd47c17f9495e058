// Accuracy of nnc's bundles of a real trained model (issue 22 point 4, on trained
// weights rather than bench/quantization.ts's random ones): nsfwjs's MobileNetV2 as it
// ships, a TensorFlow.js layers model with uint8 weights, one range per tensor
// (test/fixtures/tfjs-real/nsfwjs-mobilenet-v2, see its SOURCE.md).
//
// nnc builds it as a user does (`nnc build model.json --dtype float32|float16|uint16|uint8`,
// in process, optimized: all 52 BatchNormalizations folded; uint8 and uint16 per output
// channel, after folding) and each bundle is loaded from disk by nnc's Node loader
// (`loadBundle`, wasm), so the figures follow whatever format the build writes. Each
// bundle's outputs are compared with (a) the source model run by tfjs-layers'
// `loadLayersModel` of the same two files (what the page would have shipped) and (b)
// nnc's float32 bundle: the largest difference of the softmax outputs and the top-1
// agreement (argmax per row), over N inputs of uniform noise in [0, 1) at 224×224×3
// (the model's preprocessing gives pixels / 255), in batches; on a loaded machine it
// stops after 10 minutes of comparisons and the note says how many inputs ran.
//
// Uniform noise is not a natural image: the table also says how the reference's top-1
// classes spread over the 5 classes and how confident it is on them, since agreement on
// near one-hot outputs is easier than on close calls.
//
//   npm run bench -- quantization-real

import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initNodeBackend } from '../runtime/backends/node.js';
import type { LoadedModel } from '../runtime/bundle/loadedModel.js';
import { loadBundle } from '../runtime/bundle/node.js';
import { main } from '../src/cli/main.js';
import { tfjsLayersModel } from '../test/helpers/tfjsFixtures.js';
import { REAL_MOBILENET_V2, realMobileNetV2Files } from './download.js';
import type { BenchmarkSection, BenchmarkTable } from './section.js';

const DTYPES = ['float32', 'float16', 'uint16', 'uint8'] as const;
const sci = (x: number) => x.toExponential(2);

/** Uniform [0, 1) from a seeded generator (mulberry32): the same inputs in every run. */
function uniform(count: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return out;
}

const argmaxRows = (data: Float32Array, width: number) => Array.from({ length: data.length / width }, (_, r) => {
  let best = 0;
  for (let i = 1; i < width; i++) if (data[r * width + i] > data[r * width + best]) best = i;
  return best;
});

interface Comparison {
  maxDiff: number;
  agree: number;
}

function compare(into: Comparison, got: Float32Array, want: Float32Array, width: number): void {
  for (let i = 0; i < got.length; i++) into.maxDiff = Math.max(into.maxDiff, Math.abs(got[i] - want[i]));
  const a = argmaxRows(got, width);
  const w = argmaxRows(want, width);
  into.agree += a.filter((c, i) => c === w[i]).length;
}

async function run(options: { quick: boolean }): Promise<BenchmarkTable> {
  await initNodeBackend('wasm');
  const scratch = mkdtempSync(join(tmpdir(), 'nnc-bench-real-'));
  const total = options.quick ? 8 : 1000;
  const batch = options.quick ? 4 : 20;
  // 1,000 inputs take about 8 minutes on a quiet 2-core machine (5 models, about 0.5 s an input); on a loaded one, far more: stop after this budget and say how many ran.
  const budgetSeconds = options.quick ? 60 : 600;
  try {
    // --quick: a smoke run, two builds (each is an esbuild of model.js) instead of four.
    const dtypes = options.quick ? (['float32', 'uint8'] as const) : DTYPES;
    const bundles = new Map<string, LoadedModel>();
    for (const dtype of dtypes) {
      let log = '';
      const io = { stdout: (text: string) => void (log += text), stderr: (text: string) => void (log += text), isTTY: false };
      const out = join(scratch, dtype);
      const code = await main(['build', new URL('model.json', REAL_MOBILENET_V2).pathname, '--out', out, '--dtype', dtype, '--no-verify'], io);
      if (code !== 0) throw new Error(`nnc build --dtype ${dtype} failed:\n${log}`);
      bundles.set(dtype, await loadBundle(out, { backend: 'wasm' }));
    }
    const source = await tfjsLayersModel(realMobileNetV2Files());
    const vsSource = new Map(dtypes.map((d) => [d, { maxDiff: 0, agree: 0 }]));
    const vsFloat32 = new Map(dtypes.map((d) => [d, { maxDiff: 0, agree: 0 }]));
    const classes = [0, 0, 0, 0, 0];
    let confidence = 0;
    let lowConfidence = 0;
    let smallestMargin = Infinity;
    let rows = 0;
    const started = performance.now();
    for (let b = 0; b * batch < total && (performance.now() - started) / 1000 < budgetSeconds; b++) {
      const n = Math.min(batch, total - b * batch);
      const shape = [n, 224, 224, 3];
      const x = uniform(n * 224 * 224 * 3, 1000 + b);
      const want = tf.tidy(() => (source.predict(tf.tensor(x, shape)) as tf.Tensor).dataSync() as Float32Array);
      const width = want.length / n;
      const outputs = new Map<string, Float32Array>();
      for (const [dtype, model] of bundles) outputs.set(dtype, await model.predict(x, shape));
      for (const dtype of dtypes) {
        compare(vsSource.get(dtype)!, outputs.get(dtype)!, want, width);
        compare(vsFloat32.get(dtype)!, outputs.get(dtype)!, outputs.get('float32')!, width);
      }
      for (let r = 0; r < n; r++) {
        const row = want.subarray(r * width, (r + 1) * width);
        const top = Math.max(...row);
        classes[row.indexOf(top)]++;
        confidence += top;
        if (top < 0.9) lowConfidence++;
        // How close the reference's call is: a bundle whose outputs differ by less than half of it cannot change the top-1.
        const second = Math.max(...row.filter((_, i) => i !== row.indexOf(top)));
        smallestMargin = Math.min(smallestMargin, top - second);
      }
      rows += n;
      if (b % 10 === 0) process.stderr.write(`quantization-real: ${rows}/${total} inputs, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    }
    const seconds = (performance.now() - started) / 1000;
    for (const model of bundles.values()) model.dispose();
    source.dispose();
    const cell = (c: Comparison) => `${sci(c.maxDiff)}, ${c.agree}/${rows}`;
    return {
      title: 'Real trained MobileNetV2 (nsfwjs, uint8 source): each nnc bundle against the source run by tfjs-layers and against nnc\'s float32 bundle (wasm, Node): largest softmax difference, top-1 agreement',
      columns: ['nnc build --dtype', 'against tfjs-layers (source)', 'against nnc float32'],
      rows: dtypes.map((d) => [d, cell(vsSource.get(d)!), d === 'float32' ? '(reference)' : cell(vsFloat32.get(d)!)]),
      note:
        `${rows} inputs${rows < total ? ` (of ${total}: the ${budgetSeconds} s budget ran out)` : ''} of uniform noise in [0, 1) at 224×224×3 (seeded), batches of ${batch}, ${seconds.toFixed(0)} s for the comparisons; ` +
        `tfjs-layers' top-1 classes on them: ${classes.join(' / ')} (classes 0–4), mean top-1 probability ${(confidence / rows).toFixed(3)}, ${lowConfidence} rows under 0.9, ` +
        `smallest top-1 − top-2 margin ${sci(smallestMargin)} (a difference under half of it cannot change a top-1): ` +
        'noise is not an image, and agreement on clear calls says little about close ones',
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export const realQuantizationSection: BenchmarkSection = { name: 'quantization-real', run };
