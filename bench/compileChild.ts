// The compile-time benchmark's child process: one tool, one model size, in a fresh
// process so that its peak memory is its own.
//
//   node --import tsx bench/compileChild.ts nnc|tfjs-layers REPEATS RUNS
//
// nnc: check (parse → CST → IR with shapes), initial weights on the host, optimize (the
// inference pipeline, folding in float64), out (every optimized weight as float32, as an
// upload or a bundle reads them: folded kernels are computed then). tfjs-layers: tf.sequential of the same layers
// (Dense(64, useBias false) → BatchNormalization → ReLU, repeated, input [64]), which
// builds and initializes its weights as tensors (wasm backend), then model.dispose().
// The first run is cold (and gives the peak memory); RUNS more are timed after it.
// Prints one JSON line.

import * as tfl from '@tensorflow/tfjs-layers';
import { check } from '../compiler/check.js';
import { optimize } from '../compiler/passes/pipeline.js';
import { initNodeBackend } from '../runtime/backends/node.js';
import { initializeWeights } from '../runtime/initializers.js';
import { hostFloat32 } from '../src/ir/tensors.js';
import { deepModel } from './frontend.js';
import { median } from './timing.js';

export interface CompileChildResult {
  readonly tool: 'nnc' | 'tfjs-layers';
  readonly layers: number;
  readonly runs: number;
  /** Per-stage medians over the timed runs, in ms (nnc: check, weights, optimize, out, compile = check + optimize, compileOut = compile + out; tfjs-layers: build). */
  readonly stages: Readonly<Record<string, number>>;
  readonly totalMs: number;
  readonly coldMs: number;
  /** RSS before the first run and the process's peak RSS after it, in bytes. */
  readonly rssBefore: number;
  readonly peakRss: number;
}

/** One nnc compile: stage times in ms; the optimized model is returned to keep it alive until measured. */
function compileWithNnc(text: string): { stages: Record<string, number>; layers: number; keep: unknown } {
  const t0 = performance.now();
  const result = check(text, 'deep.nn');
  const graph = result.models.get('Deep');
  if (!graph || result.diagnostics.length > 0) throw new Error('the Deep model did not check clean');
  const t1 = performance.now();
  const weights = initializeWeights(graph, 0);
  const t2 = performance.now();
  const optimized = optimize({ graph, weights });
  const t3 = performance.now();
  // What an upload or a bundle then reads: every weight of the optimized model as
  // float32 (folded kernels are computed here, when first read).
  const out = [...optimized.weights!.values()].map(hostFloat32);
  const t4 = performance.now();
  if (optimized.graph.nodes.some((n) => n.kind === 'BatchNormalization')) throw new Error('the optimizer left a BatchNormalization in the Deep model');
  const compile = t1 - t0 + (t3 - t2);
  return { stages: { check: t1 - t0, weights: t2 - t1, optimize: t3 - t2, out: t4 - t3, compile, compileOut: compile + (t4 - t3) }, layers: graph.nodes.length, keep: [optimized, out] };
}

function buildWithTfjsLayers(repeats: number): { stages: Record<string, number>; layers: number; keep: tfl.Sequential } {
  const t0 = performance.now();
  const layers: tfl.layers.Layer[] = [];
  for (let i = 0; i < repeats; i++) {
    layers.push(tfl.layers.dense({ units: 64, useBias: false, ...(i === 0 ? { inputShape: [64] } : {}) }), tfl.layers.batchNormalization(), tfl.layers.reLU());
  }
  const model = tfl.sequential({ layers });
  const t1 = performance.now();
  return { stages: { build: t1 - t0 }, layers: model.layers.length + 1, keep: model };
}

async function main(argv: readonly string[]): Promise<void> {
  const [tool, repeatsText, runsText] = argv;
  const repeats = Number(repeatsText);
  const runs = Number(runsText);
  if ((tool !== 'nnc' && tool !== 'tfjs-layers') || !(repeats > 0) || !(runs >= 0)) throw new Error('usage: compileChild.ts nnc|tfjs-layers REPEATS RUNS');
  if (tool === 'tfjs-layers') await initNodeBackend('wasm');
  const text = deepModel(repeats);
  const once = () => (tool === 'nnc' ? compileWithNnc(text) : buildWithTfjsLayers(repeats));
  const dispose = (keep: unknown) => {
    if (keep instanceof tfl.Sequential) keep.dispose();
  };

  const rssBefore = process.memoryUsage().rss;
  const cold = once();
  const peakRss = process.resourceUsage().maxRSS * 1024;
  dispose(cold.keep);
  const samples: Record<string, number>[] = [];
  for (let i = 0; i < runs; i++) {
    const run = once();
    dispose(run.keep);
    samples.push(run.stages);
  }
  const stageNames = Object.keys(cold.stages);
  const stages = Object.fromEntries(stageNames.map((s) => [s, runs > 0 ? median(samples.map((x) => x[s])) : cold.stages[s]]));
  // The whole run: every stage but the sums.
  const total = (x: Record<string, number>) => stageNames.filter((s) => s !== 'compile' && s !== 'compileOut').reduce((sum, s) => sum + x[s], 0);
  const totals = samples.map(total);
  const coldMs = total(cold.stages);
  const result: CompileChildResult = { tool, layers: cold.layers, runs, stages, totalMs: runs > 0 ? median(totals) : coldMs, coldMs, rssBefore, peakRss };
  process.stdout.write(JSON.stringify(result) + '\n');
}

await main(process.argv.slice(2));
