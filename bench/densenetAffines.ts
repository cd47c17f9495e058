// What DenseNet121's unfoldable BatchNormalizations cost, and what moving their factor
// through the ReLU gains (docs/zoo.md, "DenseNet121's BatchNormalizations"):
//
//   node --import tsx bench/densenetAffines.ts [--model DenseNet121|DenseNet121Small] [--runs N]
//
// Three graphs of examples/zoo/densenet121.nn with the same weights (test/helpers/
// models.ts randomizedWeights, seed 1: every γ > 0, as in trained DenseNets), run side by
// side on wasm at batch 1 (each round visits every variant, the first one rotating, as
// bench/timing.ts timeInterleaved; wall and CPU time; ratios are medians of per-round
// ratios, bench/timing.ts pairedRatio):
//   (c) the optimizer without move-batchnorm-scale-through-relu: 62 Affines x·s + t;
//   (m) the default optimizer: those 62 become x + t/s, s moved into the next kernel;
//   (r) (c) with the 62 Affines deleted — NOT the same function: the floor of what any
//       fold of them could reach, so 1 − r/c is their share of the inference time.
// Before timing, (m) is compared with (c) (1e-4 + 1e-4·|y|, nnc build's tolerance).

import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { optimize } from '../compiler/passes/pipeline.js';
import { compileGraph } from '../src/api.js';
import { GraphEditor } from '../src/ir/rewrite.js';
import type { Graph } from '../src/ir/types.js';
import type { WeightMap } from '../src/ir/tensors.js';
import { initNodeBackend } from '../runtime/backends/node.js';
import { Model } from '../runtime/model.js';
import { randomizedWeights } from '../test/helpers/models.js';
import { benchInput, timedRun } from './inferenceCells.js';
import { formatMs, pairedRatio, timingOf } from './timing.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const modelName = option('--model', 'DenseNet121');
const runs = Number(option('--runs', '15'));

/** `graph` without its Affine nodes (each consumer reads the Affine's input instead) and their weights. */
function withoutAffines(graph: Graph, weights: WeightMap): { graph: Graph; weights: WeightMap } {
  const editor = new GraphEditor(graph);
  const kept = new Map(weights);
  for (const node of graph.nodes) {
    if (node.kind !== 'Affine') continue;
    editor.bypass(node.id);
    kept.delete(`${node.name}/scale`);
    kept.delete(`${node.name}/offset`);
  }
  return { graph: editor.build(), weights: kept };
}

const count = (g: Graph, f: (n: Graph['nodes'][number]) => boolean) => g.nodes.filter(f).length;

await initNodeBackend('wasm');
if (tf.getBackend() !== 'wasm') throw new Error(`running on ${tf.getBackend()}, not wasm`);
const graph = compileGraph(readFileSync(new URL('../examples/zoo/densenet121.nn', import.meta.url), 'utf8'), modelName);
const weights = randomizedWeights(graph);
const plain = optimize({ graph, weights }, { passes: ['-move-batchnorm-scale-through-relu'] });
const moved = optimize({ graph, weights });
const removed = withoutAffines(plain.graph, plain.weights!);
const affines = (g: Graph, scale: boolean) => count(g, (n) => n.kind === 'Affine' && n.attrs.scale === scale);
console.log(`${modelName} on wasm, batch 1 (${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD'}, ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'threads' : 'no threads'})`);
console.log(`  (c) ${plain.graph.nodes.length - 1} ops, ${affines(plain.graph, true)} Affines x·s + t`);
console.log(`  (m) ${moved.graph.nodes.length - 1} ops, ${affines(moved.graph, true)} Affines x·s + t, ${affines(moved.graph, false)} x + t/s`);
console.log(`  (r) ${removed.graph.nodes.length - 1} ops, no Affine (not the same function)`);

const variants = [
  { name: '(c) optimizer without the pass', model: new Model(plain.graph, plain.weights!, 'wasm') },
  { name: '(m) with move-batchnorm-scale-through-relu', model: new Model(moved.graph, moved.weights!, 'wasm') },
  { name: '(r) the 62 Affines removed', model: new Model(removed.graph, removed.weights, 'wasm') },
];
const { data, shape } = benchInput(graph, 1);
const runners = variants.map((v) => timedRun((x) => v.model.predict(x) as tf.Tensor, data, shape));
const [c, m] = [await runners[0](), await runners[1]()];
let worst = 0;
for (let i = 0; i < c.length; i++) worst = Math.max(worst, Math.abs(m[i] - c[i]) / (1e-4 + 1e-4 * Math.abs(c[i])));
console.log(`  (m) against (c): max |Δ|/(1e-4 + 1e-4·|y|) = ${worst.toPrecision(3)} over ${c.length} outputs (must be ≤ 1)`);
if (!(worst <= 1)) throw new Error('(m) differs from (c): not timed');

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
const loadBefore = load();
// Each round visits every variant once, the first one rotating (as timeInterleaved), and
// records each run's wall time and the process's CPU time (user + system): wasm without
// threads computes on this thread, so CPU time is the work done, which other processes
// on a shared machine disturb far less than the wall clock (they only slow it through
// caches and memory bandwidth).
const warmup = 2;
const wall = variants.map((): number[] => []);
const cpu = variants.map((): number[] => []);
for (let round = 0; round < warmup + runs; round++) {
  for (let i = 0; i < variants.length; i++) {
    const which = (round + i) % variants.length;
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    await runners[which]();
    const elapsed = performance.now() - start;
    const used = process.cpuUsage(cpuStart);
    if (round < warmup) continue;
    wall[which].push(elapsed);
    cpu[which].push((used.user + used.system) / 1000);
  }
}
console.log(`  ${runs} rounds after ${warmup} warm-up rounds, load average ${loadBefore} → ${load()}`);
for (const [clock, samples] of [['wall', wall], ['CPU', cpu]] as const) {
  const timings = samples.map(timingOf);
  console.log(`  ${clock} time per predict:`);
  for (const [i, v] of variants.entries()) console.log(`    ${v.name.padEnd(44)} median ${formatMs(timings[i].median)} (p25–p75 ${formatMs(timings[i].p25)}–${formatMs(timings[i].p75)})`);
  const ratio = (a: number, b: number) => {
    const r = pairedRatio(timings[a], timings[b]);
    return `${r.median.toFixed(3)} (p25–p75 ${r.p25.toFixed(3)}–${r.p75.toFixed(3)})`;
  };
  console.log(`    c/m (the pass's speed-up): ${ratio(0, 1)}`);
  console.log(`    c/r (the Affines removed): ${ratio(0, 2)}`);
  const share = pairedRatio(timings[2], timings[0]);
  const moved = pairedRatio(timings[1], timings[0]);
  console.log(`    the 62 Affines' share of (c), 1 − r/c: ${((1 - share.median) * 100).toFixed(1)}% (p25–p75 ${((1 - share.p75) * 100).toFixed(1)}–${((1 - share.p25) * 100).toFixed(1)}%)`);
  console.log(`    the 62 adds' share of (m), 1 − r/m: ${((1 - pairedRatio(timings[2], timings[1]).median) * 100).toFixed(1)}%; the pass saves 1 − m/c = ${((1 - moved.median) * 100).toFixed(1)}% of (c)`);
}
for (const v of variants) v.model.dispose();

// The 62 ops alone, on tensors of their shapes (random values), in CPU time: x·s + t as
// the Affine kernel runs it (tf.mul, then tf.add, runtime/kernels.ts scaleShift) against
// x + t/s (tf.add). Each repetition runs all 62 of one kind, alternating the kinds.
const affineNodes = plain.graph.nodes.filter((n) => n.kind === 'Affine');
const inputs = affineNodes.map((n) => {
  const shape = [1, ...(n.shape.slice(1) as number[])];
  const channels = shape[shape.length - 1];
  return { x: tf.randomNormal(shape), s: tf.randomUniform([channels], 0.5, 1.5), t: tf.randomNormal([channels]) };
});
const elements = inputs.reduce((sum, { x }) => sum + x.size, 0);
const opsCpu = { multiplyAdd: [] as number[], add: [] as number[] };
const opReps = Number(option('--op-reps', '40'));
for (let rep = 0; rep < opReps + 2; rep++) {
  for (const kind of rep % 2 === 0 ? (['multiplyAdd', 'add'] as const) : (['add', 'multiplyAdd'] as const)) {
    const cpuStart = process.cpuUsage();
    for (const { x, s, t } of inputs) {
      // wasm computes each op when called, on this thread: nothing to read back (a read
      // of 10 M values would cost more than the ops).
      tf.dispose(kind === 'add' ? tf.add(x, t) : tf.tidy(() => tf.add(tf.mul(x, s), t)));
    }
    const used = process.cpuUsage(cpuStart);
    if (rep >= 2) opsCpu[kind].push((used.user + used.system) / 1000);
  }
}
const cpuC = timingOf(cpu[0]).median;
const [ma, ad] = [timingOf(opsCpu.multiplyAdd), timingOf(opsCpu.add)];
console.log(`  the 62 ops alone (${(elements / 1e6).toFixed(2)} M elements in all), CPU time per predict's worth, ${opReps} repetitions:`);
console.log(`    x·s + t (mul, add): median ${formatMs(ma.median)} (p25–p75 ${formatMs(ma.p25)}–${formatMs(ma.p75)}): ${((ma.median / cpuC) * 100).toFixed(1)}% of (c)'s median CPU time`);
console.log(`    x + t/s (add):      median ${formatMs(ad.median)} (p25–p75 ${formatMs(ad.p25)}–${formatMs(ad.p75)}): ${((ad.median / cpuC) * 100).toFixed(1)}% of (c)'s median CPU time`);
for (const { x, s, t } of inputs) tf.dispose([x, s, t]);
