// What a page downloads (issue 22 point 3): for each model, the gzip -9 bytes of the nnc
// bundle (the code of a WebGL page, as bench/webBuild.ts measures it, and
// weights.safetensors) beside its source, a TensorFlow.js layers model, plus the
// tfjs-layers code a page would ship with it (tfjs-core + tfjs-layers + WebGL, minified).
//
// Each source is written by tfjs-layers itself (`model.save`) from the model's weights
// (test/helpers/models.ts's randomizedWeights), float32 as saved, or uint8-quantized the
// way tfjs's weights manifest documents (`quantization: {dtype: 'uint8', scale, min}`,
// value = q · scale + min, one range per weight as tfjs-converter's --quantize_uint8
// does) and loaded back by tfjs-layers' `loadLayersModel` (which proves it valid). nnc
// imports the source files and builds with its defaults: optimized, and the source's
// precision kept (a uint8 source gives uint8 kernels, per output channel, after folding).
// Each file is compressed alone, as HTTP sends it; model.js carries the manifest (graph,
// quantization scales), so nnc's code column includes it.
//
//   npm run bench -- download

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { importModel } from '../compiler/import/importModel.js';
import { initNodeBackend } from '../runtime/backends/node.js';
import { makeBundle } from '../runtime/bundle/write.js';
import { compileGraph } from '../src/api.js';
import { optimizeModel } from '../src/driver/index.js';
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

/** The models of the table: every example, Géron's model and MobileNetV2 (examples/zoo) quantized too. */
export function downloadModels(quick: boolean): { name: string; graph: () => Graph; precision: SourcePrecision }[] {
  const mobileNet = () => compileGraph(readFileSync(new URL('../examples/zoo/mobilenet_v2.nn', import.meta.url), 'utf8'), 'MobileNetV2');
  if (quick) return [{ name: 'geron', graph: () => exampleGraph('geron'), precision: 'uint8' }];
  return [
    ...EXAMPLES.map((name) => ({ name, graph: () => exampleGraph(name), precision: 'float32' as const })),
    { name: 'geron', graph: () => exampleGraph('geron'), precision: 'uint8' },
    { name: 'geron', graph: () => exampleGraph('geron'), precision: 'uint16' },
    { name: 'MobileNetV2', graph: mobileNet, precision: 'float32' },
    { name: 'MobileNetV2', graph: mobileNet, precision: 'uint8' },
  ];
}

async function run(options: { quick: boolean }): Promise<BenchmarkTable> {
  await initNodeBackend('cpu');
  const peerCode = await peerBytes();
  const rows: string[][] = [];
  let worstTotal = 0;
  let worstWeights = 0;
  for (const { name, graph: makeGraph, precision } of downloadModels(options.quick)) {
    const graph = makeGraph();
    const files = await tfjsSourceFiles(graph, randomizedWeights(graph), precision);
    const sourceWeights = gzip(files.get('model.json')!) + gzip(files.get('group1-shard1of1.bin')!);
    const imported = importModel(files, 'model.json');
    const optimized = optimizeModel({ graph: imported.graph, weights: imported.weights });
    const bundle = await makeBundle(optimized.graph, optimized.weights, { sourceDtypes: imported.sourceDtypes, sourceQuantization: imported.sourceQuantization, outputNames: imported.graph.outputs.map((id) => imported.graph.nodes[id].name) });
    const code = new Map([['model.js', bundle.moduleJs], ...bundle.chunks]);
    const webglChunk = [...bundle.chunks.keys()].find((file) => file.startsWith('webgl-'))!;
    const page = new Set([...staticClosure(code, 'model.js'), ...staticClosure(code, webglChunk)]);
    const nncCode = [...page].reduce((sum, file) => sum + gzip(code.get(file)!), 0);
    const manifest = gzip(bundle.modelJson);
    // The quantization parameters are weights too (they travel in the manifest, inside model.js): counted beside the file.
    const parameters = bundle.manifest.weights.tensors.filter((t) => t.quantization).map((t) => t.quantization);
    const quantization = parameters.length > 0 ? gzip(JSON.stringify(parameters)) : 0;
    const nncWeights = gzip(bundle.weights);
    const nncTotal = nncCode + nncWeights;
    const peerTotal = peerCode + sourceWeights;
    worstTotal = Math.max(worstTotal, nncTotal / peerTotal);
    worstWeights = Math.max(worstWeights, (nncWeights + quantization) / sourceWeights);
    rows.push([
      name,
      precision,
      bundle.manifest.weights.dtype,
      kb(sourceWeights),
      kb(nncWeights),
      kb(quantization),
      kb(manifest),
      kb(peerCode),
      kb(nncCode),
      kb(peerTotal),
      kb(nncTotal),
      (nncTotal / peerTotal).toFixed(2),
      nncWeights + quantization <= sourceWeights && nncTotal <= peerTotal ? 'met' : nncTotal <= peerTotal ? 'total met, weights missed' : 'missed',
    ]);
  }
  return {
    title: 'Download (gzip -9, each file alone): nnc bundle (WebGL page code + weights.safetensors) beside the TensorFlow.js source + tfjs-core/layers/WebGL code (target: total and weights at most the peer\'s)',
    columns: ['model', 'source dtype', 'nnc dtype', 'source model.json + shard', 'nnc weights.safetensors', '+ quantization parameters', '(nnc manifest, inside model.js)', 'tfjs-layers code', 'nnc code', 'peer total', 'nnc total', 'nnc / peer', 'target'],
    rows,
    note: `random weights (randomizedWeights, seed 1); nnc builds with its defaults (optimized, source precision kept); worst total ratio ${worstTotal.toFixed(2)}, worst weights ratio ${worstWeights.toFixed(3)} (weights.safetensors + quantization parameters, gzipped as JSON, against model.json + shard)`,
  };
}

export const downloadSection: BenchmarkSection = { name: 'download', run };
