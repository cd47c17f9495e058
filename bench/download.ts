// What a page downloads (issue 22 point 3): for each model, the gzip -9 bytes of the nnc
// bundle (the code of a WebGL page, as bench/webBuild.ts measures it, and the weight
// files) beside its source, a TensorFlow.js layers model, plus the tfjs-layers code a
// page would ship with it (tfjs-core + tfjs-layers + WebGL, minified).
//
// The example and zoo sources are written by tfjs-layers itself (`model.save`) from the
// model's random weights (test/helpers/models.ts's randomizedWeights), float32 as saved,
// or uint8-quantized the way tfjs's weights manifest documents (`quantization: {dtype:
// 'uint8', scale, min}`, value = q · scale + min, one range per weight as
// tfjs-converter's --quantize_uint8 does) and loaded back by tfjs-layers'
// `loadLayersModel` (which proves it valid). One source is a real trained model as a
// page ships it: nsfwjs's MobileNetV2, uint8 per tensor
// (test/fixtures/tfjs-real/nsfwjs-mobilenet-v2), built at nnc's default dtype and at
// float32 and float16.
//
// nnc builds each source as a user does (`nnc build SOURCE/model.json`, in process,
// optimized; the source's precision kept unless --dtype says otherwise), and the
// figures are the files it wrote, measured on disk: the page's code is model.js (which
// embeds the manifest) and the chunks it imports, its weights every other file but
// model.json and the .wasm binaries. So the section follows whatever format the build
// writes. Each file is compressed alone, as HTTP sends it.
//
//   npm run bench -- download

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { gzipSync } from 'node:zlib';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initNodeBackend } from '../runtime/backends/node.js';
import { compileGraph } from '../src/api.js';
import { main } from '../src/cli/main.js';
import type { Graph } from '../src/ir/types.js';
import type { HostTensor } from '../src/ir/tensors.js';
import { EXAMPLES, exampleGraph, randomizedWeights } from '../test/helpers/models.js';
import { buildTfjsLayersModel } from '../test/helpers/tfjsLayers.js';
import type { BenchmarkSection, BenchmarkTable } from './section.js';
import { peerBytes, staticClosure } from './webBuild.js';

const gzip = (data: string | Uint8Array) => gzipSync(data, { level: 9 }).length;
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;

export type SourcePrecision = 'float32' | 'uint8' | 'uint16';

/** model.json and its shard, as tfjs-layers saves `graph` with `weights`; quantized as tfjs's manifest documents when asked. */
export async function tfjsSourceFiles(graph: Graph, weights: ReadonlyMap<string, HostTensor>, precision: SourcePrecision): Promise<Map<string, Uint8Array>> {
  const model = buildTfjsLayersModel(graph, weights);
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } })));
  const data = saved!.weightData!;
  const floats = new Float32Array((Array.isArray(data) ? data[0] : data) as ArrayBuffer);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const spec of saved!.weightSpecs!) {
    const values = floats.subarray(offset, (offset += spec.shape.reduce((a, b) => a * b, 1)));
    if (precision === 'float32') {
      parts.push(new Uint8Array(values.slice().buffer));
      specs.push(spec);
      continue;
    }
    // One affine range per weight: min and scale span it over 2^bits − 1 steps.
    const levels = precision === 'uint8' ? 255 : 65535;
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const scale = max > min ? (max - min) / levels : 1;
    const codes = Array.from(values, (v) => Math.round((v - min) / scale));
    parts.push(precision === 'uint8' ? Uint8Array.from(codes) : new Uint8Array(Uint16Array.from(codes).buffer));
    specs.push({ ...spec, quantization: { dtype: precision, scale, min } });
  }
  const shard = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  parts.reduce((at, p) => (shard.set(p, at), at + p.byteLength), 0);
  const modelJson = { format: 'layers-model', generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`, convertedBy: null, modelTopology: saved!.modelTopology, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: specs }] };
  // The proof that tfjs reads it: tfjs-layers' own loader on the same JSON and bytes.
  const check = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData: shard.buffer }));
  check.dispose();
  model.dispose();
  return new Map([
    ['model.json', new TextEncoder().encode(JSON.stringify(modelJson))],
    ['group1-shard1of1.bin', shard],
  ]);
}

/** The real trained model of issue 22 (test/fixtures/tfjs-real/nsfwjs-mobilenet-v2, see its SOURCE.md): model.json and its uint8 shard as nsfwjs ships them. */
export const REAL_MOBILENET_V2 = new URL('../test/fixtures/tfjs-real/nsfwjs-mobilenet-v2/', import.meta.url);

export function realMobileNetV2Files(): Map<string, Uint8Array> {
  return new Map(['model.json', 'group1-shard1of1'].map((f) => [f, new Uint8Array(readFileSync(new URL(f, REAL_MOBILENET_V2)))]));
}

interface DownloadModel {
  readonly name: string;
  /** The source's precision, as its manifest says. */
  readonly precision: SourcePrecision;
  /** The TensorFlow.js source: model.json and its shard. */
  readonly source: () => Promise<Map<string, Uint8Array>>;
  /** `nnc build --dtype`; undefined: nnc's default (the source's precision kept). */
  readonly dtype?: 'float32' | 'float16';
}

/** The models of the table: every example, Géron's model quantized, the zoo's MobileNetV2 (random weights) and the real trained MobileNetV2 at its default dtype, float32 and float16. */
export function downloadModels(quick: boolean): DownloadModel[] {
  const written = (name: string, graph: () => Graph, precision: SourcePrecision): DownloadModel => ({
    name,
    precision,
    source: () => {
      const g = graph();
      return tfjsSourceFiles(g, randomizedWeights(g), precision);
    },
  });
  const mobileNet = () => compileGraph(readFileSync(new URL('../examples/zoo/mobilenet_v2.nn', import.meta.url), 'utf8'), 'MobileNetV2');
  if (quick) return [written('geron', () => exampleGraph('geron'), 'uint8')];
  const real = (dtype?: 'float32' | 'float16'): DownloadModel => ({ name: 'MobileNetV2, trained (nsfwjs)', precision: 'uint8', source: async () => realMobileNetV2Files(), dtype });
  return [
    ...EXAMPLES.map((name) => written(name, () => exampleGraph(name), 'float32')),
    written('geron', () => exampleGraph('geron'), 'uint8'),
    written('geron', () => exampleGraph('geron'), 'uint16'),
    written('MobileNetV2, zoo (random weights)', mobileNet, 'float32'),
    written('MobileNetV2, zoo (random weights)', mobileNet, 'uint8'),
    real(),
    real('float32'),
    real('float16'),
  ];
}

/** What `nnc build` wrote to `dir`, measured on disk (gzip -9, each file alone): whatever files the build writes, so the figures follow its format. */
export function measureBundle(dir: string): { code: number; weights: number; weightFiles: string[]; manifest: number; quantization: number; dtype: string } {
  const names = readdirSync(dir);
  const read = (f: string) => new Uint8Array(readFileSync(join(dir, f)));
  const js = new Map(names.filter((f) => f.endsWith('.js')).map((f) => [f, new TextDecoder().decode(read(f))]));
  const webglChunk = [...js.keys()].find((f) => f.startsWith('webgl-'))!;
  // The WebGL page: model.js (which embeds the manifest) and the chunks it and the WebGL backend's chunk import.
  const page = new Set([...staticClosure(js, 'model.js'), ...staticClosure(js, webglChunk)]);
  const code = [...page].reduce((sum, f) => sum + gzip(js.get(f)!), 0);
  // Every other file the page fetches: the weights (weights.safetensors and any data file beside it); model.json travels inside model.js, the .wasm only on wasm.
  const weightFiles = names.filter((f) => !f.endsWith('.js') && !f.endsWith('.wasm') && f !== 'model.json');
  const weights = weightFiles.reduce((sum, f) => sum + gzip(read(f)), 0);
  const json = JSON.parse(new TextDecoder().decode(read('model.json')));
  // Quantization parameters written in the manifest (inside model.js) are weights too: counted beside the weight files. Parameters stored in a binary file are in `weights` already.
  const parameters = ((json.weights?.tensors ?? []) as { quantization?: unknown }[]).filter((t) => t.quantization).map((t) => t.quantization);
  return { code, weights, weightFiles, manifest: gzip(read('model.json')), quantization: parameters.length > 0 ? gzip(JSON.stringify(parameters)) : 0, dtype: String(json.weights?.dtype ?? '?') };
}

async function run(options: { quick: boolean }): Promise<BenchmarkTable> {
  await initNodeBackend('cpu');
  const peerCode = await peerBytes();
  const scratch = mkdtempSync(join(tmpdir(), 'nnc-bench-download-'));
  const rows: string[][] = [];
  let worstTotal = 0;
  let worstWeights = 0;
  const weightFiles = new Set<string>();
  try {
    for (const [index, { name, precision, source, dtype }] of downloadModels(options.quick).entries()) {
      const files = await source();
      const sourceWeights = [...files.values()].reduce((sum, bytes) => sum + gzip(bytes), 0);
      const sourceDir = join(scratch, `source-${index}`);
      const out = join(scratch, `bundle-${index}`);
      mkdirSync(sourceDir);
      for (const [file, bytes] of files) writeFileSync(join(sourceDir, file), bytes);
      // nnc build as a user runs it (in process): optimized, the source's precision unless --dtype.
      let log = '';
      const io = { stdout: (text: string) => void (log += text), stderr: (text: string) => void (log += text), isTTY: false };
      const code = await main(['build', join(sourceDir, 'model.json'), '--out', out, '--no-verify', ...(dtype ? ['--dtype', dtype] : [])], io);
      if (code !== 0) throw new Error(`nnc build of ${name} failed:\n${log}`);
      const bundle = measureBundle(out);
      bundle.weightFiles.forEach((f) => weightFiles.add(f));
      const nncTotal = bundle.code + bundle.weights;
      const peerTotal = peerCode + sourceWeights;
      const nncWeights = bundle.weights + bundle.quantization;
      // The target is about what nnc builds by default; a --dtype row shows a choice's cost.
      if (dtype === undefined) {
        worstTotal = Math.max(worstTotal, nncTotal / peerTotal);
        worstWeights = Math.max(worstWeights, nncWeights / sourceWeights);
      }
      rows.push([
        name,
        precision,
        dtype ?? 'default',
        bundle.dtype,
        kb(sourceWeights),
        kb(bundle.weights),
        kb(bundle.quantization),
        kb(bundle.manifest),
        kb(peerCode),
        kb(bundle.code),
        kb(peerTotal),
        kb(nncTotal),
        (nncTotal / peerTotal).toFixed(2),
        nncWeights <= sourceWeights && nncTotal <= peerTotal ? 'met' : nncTotal <= peerTotal ? 'total met, weights missed' : 'missed',
      ]);
      process.stderr.write(`download: ${rows.at(-1)!.join(' | ')}\n`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return {
    title: 'Download (gzip -9, each file alone): nnc bundle (WebGL page code + weight files, as nnc build writes them) beside the TensorFlow.js source + tfjs-core/layers/WebGL code (target: total and weights at most the peer\'s)',
    columns: ['model', 'source dtype', 'nnc build --dtype', 'nnc manifest dtype', 'source model.json + shard', `nnc ${[...weightFiles].sort().join(' + ')}`, '+ quantization parameters in the manifest', '(nnc manifest, inside model.js)', 'tfjs-layers code', 'nnc code', 'peer total', 'nnc total', 'nnc / peer', 'target'],
    rows,
    note: `examples, Géron's and the zoo's MobileNetV2: random weights (randomizedWeights, seed 1), sources written by tfjs-layers; "MobileNetV2, trained (nsfwjs)": the real uint8 model of test/fixtures/tfjs-real (its model.json and shard as shipped). nnc runs \`nnc build SOURCE/model.json --no-verify [--dtype D]\` (optimized) and every file it writes is measured on disk; at nnc's default dtype, worst total ratio ${worstTotal.toFixed(2)}, worst weights ratio ${worstWeights.toFixed(3)} (weight files + quantization parameters of the manifest, gzipped as JSON, against model.json + shard)`,
  };
}

export const downloadSection: BenchmarkSection = { name: 'download', run };
