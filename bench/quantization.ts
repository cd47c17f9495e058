// Quantized weights, measured (issue 22 points 1 and 4): how far uint8 and uint16 codes
// are from the folded float32 kernels, per tensor (one range per kernel, as
// tfjs-converter does) against per output channel (nnc's default), and how far each
// bundle's outputs are from the float32 bundle's.
//
// Table 1, every example and the zoo (examples/zoo/*.nn at full size, random weights: randomizedWeights,
// whose BatchNormalizations rescale channels by factors from 0.6 to 1.7): over all the
// optimized graph's kernels, ‖q − x‖ / ‖x‖ (relative RMS error) pooled, and that of the
// worst kernel.
// Table 2, every example and MobileNetV2: each bundle's weights decoded as the loader
// decodes them (bundleFiles, then openWeights), run on wasm in Node on N(0, 1) inputs
// (1,000, in batches), against the float32 bundle: the largest output difference and
// the top-1 agreement (argmax of each output row).
// Random weights throughout; bench/realQuantization.ts measures a real trained
// MobileNetV2 (a uint8 TensorFlow.js source) the same way, against tfjs-layers too.
//
//   npm run bench -- quantization

import { readFileSync } from 'node:fs';
import { initNodeBackend } from '../runtime/backends/node.js';
import { compileGraph } from '../src/api.js';
import { type BundleOptions, bundleFiles } from '../runtime/bundle/files.js';
import { openWeights, parseModelJson } from '../runtime/bundle/manifest.js';
import { type QuantizedDtype, channelAxis, dequantize, quantize } from '../runtime/bundle/quantize.js';
import { Model } from '../runtime/model.js';
import { randomInputs } from '../runtime/verify.js';
import { optimizeModel } from '../src/driver/index.js';
import { type WeightMap, hostFloat32 } from '../src/ir/tensors.js';
import type { Graph } from '../src/ir/types.js';
import { EXAMPLES, randomizedWeights } from '../test/helpers/models.js';
import { benchmarkGraph } from './prepare.js';
import type { BenchmarkSection, BenchmarkTable } from './section.js';

const sci = (x: number) => x.toExponential(2);

/** Every model of examples/zoo, full size. */
const ZOO: Readonly<Record<string, string>> = { MobileNetV2: 'mobilenet_v2', ResNet50: 'resnet50', DenseNet121: 'densenet121', InceptionV3: 'inception_v3' };

function graphOf(name: string): Graph {
  const file = ZOO[name];
  return file ? compileGraph(readFileSync(new URL(`../examples/zoo/${file}.nn`, import.meta.url), 'utf8'), name) : benchmarkGraph(name);
}

/** Pooled and worst relative RMS error of the kernels quantized as `dtype`, per channel or per tensor. */
function kernelError(weights: WeightMap, dtype: QuantizedDtype, perChannel: boolean): { pooled: number; worst: number; worstName: string } {
  let errorSquares = 0;
  let valueSquares = 0;
  let worst = 0;
  let worstName = '';
  for (const [key, tensor] of weights) {
    const axis = channelAxis(key, tensor.shape);
    if (axis === null) continue;
    const x = hostFloat32(tensor);
    const { bytes, quantization } = quantize(tensor, perChannel ? axis : null, dtype);
    const back = dequantize(bytes, dtype, tensor.shape, quantization);
    let e = 0;
    let v = 0;
    for (let i = 0; i < x.length; i++) {
      e += (back[i] - x[i]) ** 2;
      v += x[i] ** 2;
    }
    errorSquares += e;
    valueSquares += v;
    const relative = v > 0 ? Math.sqrt(e / v) : 0;
    if (relative > worst) [worst, worstName] = [relative, key];
  }
  return { pooled: Math.sqrt(errorSquares / valueSquares), worst, worstName };
}

function kernelTable(quick: boolean, models?: readonly string[]): BenchmarkTable {
  const names = models ?? (quick ? ['geron'] : [...EXAMPLES, ...Object.keys(ZOO)]);
  const rows: string[][] = [];
  for (const name of names) {
    const graph = graphOf(name);
    const { weights } = optimizeModel({ graph, weights: randomizedWeights(graph) });
    const u8t = kernelError(weights, 'U8', false);
    const u8c = kernelError(weights, 'U8', true);
    const u16t = kernelError(weights, 'U16', false);
    const u16c = kernelError(weights, 'U16', true);
    process.stderr.write(`quantization: ${name} kernels: uint8 per tensor ${sci(u8t.pooled)}, per channel ${sci(u8c.pooled)}\n`);
    rows.push([name, sci(u8t.pooled), sci(u8c.pooled), (u8t.pooled / u8c.pooled).toFixed(2), `${sci(u8t.worst)} (${u8t.worstName})`, `${sci(u8c.worst)} (${u8c.worstName})`, sci(u16t.pooled), sci(u16c.pooled)]);
  }
  return {
    title: 'Quantization error of the optimized (folded) kernels: relative RMS error ‖q − x‖/‖x‖, per tensor against per output channel',
    columns: ['model', 'uint8 per tensor', 'uint8 per channel', 'ratio', 'worst kernel, per tensor', 'worst kernel, per channel', 'uint16 per tensor', 'uint16 per channel'],
    rows,
    note: 'random weights (randomizedWeights, seed 1), all kernels pooled; ratio = per-tensor error / per-channel error',
  };
}

const argmaxRows = (data: Float32Array, width: number) => Array.from({ length: data.length / width }, (_, r) => {
  let best = 0;
  for (let i = 1; i < width; i++) if (data[r * width + i] > data[r * width + best]) best = i;
  return best;
});

/** Each bundle's outputs against the float32 bundle's on the same random inputs. */
async function outputTable(quick: boolean, models?: readonly string[]): Promise<BenchmarkTable> {
  const backend = await initNodeBackend('wasm');
  const names = models ? models.filter((m) => m === 'MobileNetV2' || (EXAMPLES as readonly string[]).includes(m)) : quick ? ['geron'] : [...EXAMPLES, 'MobileNetV2'];
  const variants: [string, BundleOptions][] = [['float16', { dtype: 'float16' }], ['uint16', { dtype: 'uint16' }], ['uint8 per channel', { dtype: 'uint8' }], ['uint8 per tensor', { dtype: 'uint8', quantization: 'per-tensor' }]];
  const rows: string[][] = [];
  for (const name of names) {
    const graph: Graph = graphOf(name);
    const optimized = optimizeModel({ graph, weights: randomizedWeights(graph) });
    const decoded = async (options: BundleOptions) => {
      const files = await bundleFiles(optimized.graph, optimized.weights, options);
      const { manifest, graph: g } = parseModelJson(files.modelJson);
      return new Model(g, await openWeights(manifest, g, files.weights, 'weights'), backend);
    };
    const reference = await decoded({ dtype: 'float32' });
    const models = await Promise.all(variants.map(([, options]) => decoded(options)));
    const total = quick ? 32 : 1000;
    const batch = name === 'MobileNetV2' ? 25 : 250;
    const maxDiff = variants.map(() => 0);
    const agree = variants.map(() => 0);
    let rowsSeen = 0;
    for (let b = 0; b * batch < total; b++) {
      const [inputs] = randomInputs(graph, 1, Math.min(batch, total - b * batch), 100 + b);
      const run = async (m: Model) => (await m.predictHost(inputs)).map((y) => ({ data: hostFloat32(y), width: y.shape[y.shape.length - 1] }));
      const want = await run(reference);
      for (const [v, m] of models.entries()) {
        const got = await run(m);
        got.forEach((o, k) => {
          for (let i = 0; i < o.data.length; i++) maxDiff[v] = Math.max(maxDiff[v], Math.abs(o.data[i] - want[k].data[i]));
          const a = argmaxRows(o.data, o.width);
          const w = argmaxRows(want[k].data, want[k].width);
          agree[v] += a.filter((c, i) => c === w[i]).length;
          if (v === 0) rowsSeen += a.length;
        });
      }
    }
    [reference, ...models].forEach((m) => m.dispose());
    rows.push([name, String(total), ...variants.map((_, v) => `${sci(maxDiff[v])}, ${agree[v]}/${rowsSeen}`)]);
    process.stderr.write(`quantization: ${rows.at(-1)!.join(' | ')}\n`);
  }
  return {
    title: 'Outputs of each bundle against the float32 bundle (wasm, Node): largest difference, top-1 agreement',
    columns: ['model', 'inputs', ...variants.map(([label]) => label)],
    rows,
    note: 'random weights (randomizedWeights, seed 1); inputs N(0, 1); top-1 = argmax of each output row (every output, every position)',
  };
}

/** `--models A,B` limits both tables to those models (`npm run bench -- quantization --models MobileNetV2`). */
async function run(options: { quick: boolean; models?: readonly string[] }): Promise<BenchmarkTable[]> {
  return [kernelTable(options.quick, options.models), await outputTable(options.quick, options.models)];
}

export const quantizationSection: BenchmarkSection = { name: 'quantization', run };
