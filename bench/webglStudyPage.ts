// The page of the `webgl` section (bench/webglStudy.ts): MobileNetV2 at 224×224, batch 1,
// on WebGL. `runStudy()` profiles one predict of tfjs-layers and of nnc's optimized graph
// (the programs run, by kind, packed or not; uploads and downloads; tfjs's kernels) and
// times variants of nnc's run side by side with tfjs-layers: the runtime's WebGL choices
// (WebGL flags of tfjs's backend, the padding folded into the convolution) each against
// the baseline in the same rounds. Flags are set before a variant's run and restored
// after it; tfjs compiles a program per flag setting and caches each.

import * as tf from '@tensorflow/tfjs-core';
import { initBrowserBackend } from '../runtime/backends/browser.js';
import { Executor } from '../runtime/executor.js';
import { maxAbsDifference } from '../runtime/verify.js';
import { buildTfjsLayersModel } from '../test/helpers/tfjsLayers.js';
import { benchInput, timedRun } from './inferenceCells.js';
import { decodePreparedModels } from './preparedModels.js';
import { pairedRatio, timeInterleaved } from './timing.js';

/** A variant of the study: which model, the WebGL flags it runs with, nnc's options. */
export interface StudyVariant {
  readonly name: string;
  readonly model: 'layers' | 'nnc';
  readonly flags: Readonly<Record<string, boolean | number>>;
  /** nnc: fold ZeroPadding2D into the next convolution (runtime/paddingIntoConvolution.ts). */
  readonly paddingIntoConvolution?: boolean;
  /** nnc as the runtime now runs it (the changes kept): timed with (a) and the baseline for a/c before and after. */
  readonly current?: boolean;
}

export interface StudyPlan {
  readonly model: string;
  readonly variants: readonly StudyVariant[];
  /** Timed rounds after the warm-up. */
  readonly runs: number;
}

export interface Profile {
  readonly name: string;
  readonly programs: number;
  readonly packedOutputs: number;
  /** Program class → runs. */
  readonly byProgram: Record<string, number>;
  /** tfjs kernel → calls. */
  readonly byKernel: Record<string, number>;
  readonly uploads: number;
  readonly downloads: number;
  /** Programs compiled by this run (the cache was cold). */
  readonly compiled: number;
}

export interface StudyResult {
  readonly renderer: string;
  readonly profiles: Profile[];
  readonly timings: { name: string; median: number; p25: number; p75: number; maxAbsDiff: number; relativeDiff: number }[];
  /** Each variant against the first nnc variant (the baseline, timed in pairs with it); a/c for the baseline. */
  readonly ratios: { name: string; vsBaseline: { median: number; p25: number; p75: number }; ac: { median: number; p25: number; p75: number } | null }[];
}

interface WebglBackendInternals {
  runWebGLProgram(program: { constructor: { name: string }; packedOutput?: boolean }, ...rest: unknown[]): unknown;
  uploadToGPU(dataId: unknown): void;
  readSync(dataId: unknown): unknown;
  read(dataId: unknown): Promise<unknown>;
  binaryCache: Record<string, unknown>;
  texData: { get(dataId: unknown): { texture?: unknown; values?: unknown } | undefined };
}

function withFlags<T>(flags: Readonly<Record<string, boolean | number>>, run: () => T): T {
  const env = tf.env();
  const saved = Object.keys(flags).map((k) => [k, env.get(k)] as const);
  for (const [k, v] of Object.entries(flags)) env.set(k, v);
  try {
    return run();
  } finally {
    for (const [k, v] of saved) env.set(k, v);
  }
}

/** Counts what one predict makes the WebGL backend do. */
async function profile(name: string, predict: () => Promise<unknown>, backend: WebglBackendInternals): Promise<Profile> {
  const byProgram: Record<string, number> = {};
  let programs = 0;
  let packedOutputs = 0;
  let uploads = 0;
  let downloads = 0;
  const sequence: string[] = [];
  const original = { run: backend.runWebGLProgram, upload: backend.uploadToGPU, readSync: backend.readSync, read: backend.read };
  backend.runWebGLProgram = function (program, ...rest) {
    programs++;
    if (program.packedOutput) packedOutputs++;
    const kind = program.constructor.name.replace(/^_+|\d+$/g, '');
    byProgram[kind] = (byProgram[kind] ?? 0) + 1;
    sequence.push(`${kind}${program.packedOutput ? '' : ' (unpacked)'}`);
    return original.run.call(this, program, ...rest);
  };
  backend.uploadToGPU = function (dataId) {
    // Called for every input and output of every program: an upload only where the values are on the CPU, with no texture yet.
    const data = this.texData.get(dataId);
    if (data && !data.texture && data.values != null) uploads++;
    return original.upload.call(this, dataId);
  };
  backend.readSync = function (dataId) {
    downloads++;
    return original.readSync.call(this, dataId);
  };
  backend.read = function (dataId) {
    downloads++;
    return original.read.call(this, dataId);
  };
  const cachedBefore = Object.keys(backend.binaryCache).length;
  const byKernel: Record<string, number> = {};
  try {
    const info = await tf.profile(async () => {
      await predict();
    });
    for (const k of info.kernels) byKernel[k.name] = (byKernel[k.name] ?? 0) + 1;
  } finally {
    Object.assign(backend, { runWebGLProgram: original.run, uploadToGPU: original.upload, readSync: original.readSync, read: original.read });
  }
  console.log(`programs of ${name}: ${sequence.join(', ')}`);
  return { name, programs, packedOutputs, byProgram, byKernel, uploads, downloads, compiled: Object.keys(backend.binaryCache).length - cachedBefore };
}

function webglRenderer(): string {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return 'no WebGL2 context';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

async function runStudy(plan: StudyPlan): Promise<StudyResult> {
  tf.enableProdMode();
  const backendName = await initBrowserBackend('webgl');
  if (backendName !== 'webgl') throw new Error(`asked for webgl, running on ${tf.getBackend()}`);
  const backend = tf.backend() as unknown as WebglBackendInternals;
  const [json, bytes] = await Promise.all([fetch('models.json').then((r) => r.text()), fetch('models.bin').then((r) => r.arrayBuffer())]);
  const model = decodePreparedModels(json, bytes).find((m) => m.name === plan.model);
  if (!model) throw new Error(`models.json has no model '${plan.model}'`);
  const { data, shape } = benchInput(model.graph, 1);
  const layers = buildTfjsLayersModel(model.graph, model.weights);
  const executors = new Map<boolean, Executor>();
  const executor = (fold: boolean) => {
    if (!executors.has(fold)) executors.set(fold, new Executor(model.optimized, model.optimizedWeights, { paddingIntoConvolution: fold }));
    return executors.get(fold)!;
  };
  const runners = plan.variants.map((v) => {
    const predict =
      v.model === 'layers' ? (x: tf.Tensor) => layers.predict(x, { batchSize: 1 }) as tf.Tensor : (x: tf.Tensor) => executor(v.paddingIntoConvolution ?? false).run([x]).outputs[0];
    const run = timedRun((x) => withFlags(v.flags, () => predict(x)), data, shape);
    return () => run();
  });

  // First runs (compile every variant's programs), checked against tfjs-layers'.
  const outputs: Float32Array[] = [];
  for (let i = 0; i < runners.length; i++) {
    console.log(`first run of ${plan.variants[i].name}`);
    outputs.push(await runners[i]());
  }
  const reference = outputs[plan.variants.findIndex((v) => v.model === 'layers')];
  const diffs = outputs.map((o) => maxAbsDifference(o, reference));
  const scale = reference.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

  // Profiles of warm runs (programs already compiled), with the counting wrappers.
  const profiles: Profile[] = [];
  for (let i = 0; i < runners.length; i++) profiles.push(await profile(plan.variants[i].name, runners[i], backend));
  console.log('profiled; timing');

  // a/c: tfjs-layers, nnc's baseline and nnc as it runs now (the changes kept, the
  // variant flagged `current`) side by side. Then each change against the baseline in
  // its own pairs of runs, back to back, so that the load of a shared machine (which
  // moves over the minutes a round of every variant would take) lands on both runs of a
  // pair alike.
  const a = plan.variants.findIndex((v) => v.model === 'layers');
  const baseline = plan.variants.findIndex((v) => v.model === 'nnc');
  const current = plan.variants.findIndex((v) => v.current);
  const trio = await timeInterleaved([runners[a], runners[baseline], runners[current]], { warmup: 0, runs: plan.runs });
  const timings: StudyResult['timings'] = [];
  const ratios: StudyResult['ratios'] = [];
  const push = (i: number, t: { median: number; p25: number; p75: number }, vsBaseline: StudyResult['ratios'][number]['vsBaseline'], acRatio: StudyResult['ratios'][number]['ac']) => {
    timings.push({ name: plan.variants[i].name, median: t.median, p25: t.p25, p75: t.p75, maxAbsDiff: diffs[i], relativeDiff: diffs[i] / scale });
    ratios.push({ name: plan.variants[i].name, vsBaseline, ac: acRatio });
  };
  push(a, trio[0], pairedRatio(trio[0], trio[1]), null);
  push(baseline, trio[1], { median: 1, p25: 1, p75: 1 }, pairedRatio(trio[0], trio[1]));
  push(current, trio[2], pairedRatio(trio[2], trio[1]), pairedRatio(trio[0], trio[2]));
  for (let i = 0; i < runners.length; i++) {
    if (i === a || i === baseline || i === current) continue;
    console.log(`timing ${plan.variants[i].name} against the baseline`);
    const [base, change] = await timeInterleaved([runners[baseline], runners[i]], { warmup: 0, runs: plan.runs });
    push(i, change, pairedRatio(change, base), null);
  }
  for (const e of executors.values()) e.dispose();
  layers.dispose();
  return { renderer: webglRenderer(), profiles, timings, ratios };
}

(globalThis as unknown as { runStudy: typeof runStudy }).runStudy = runStudy;
