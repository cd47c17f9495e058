// Compile time (issue 7 point 2): parse → IR → optimize for the Deep model of 100, 1,000
// and 10,000 layers (bench/frontend.ts's `deepModel`: Dense(64, use_bias=false) → BN →
// ReLU, repeated), beside tfjs-layers building the same model with tf.sequential. Each
// tool and size runs in a fresh child process (bench/compileChild.ts), so the peak memory
// is that compile's alone. Growth ratio: the 10,000-layer compile time (check + optimize)
// over the 1,000-layer one (linear scaling gives 10; target ≤ 12). The weights nnc folds
// are drawn by its initializers, timed apart: a real build reads them from a file, while
// tfjs-layers' build always initializes its own, so "nnc + weights" is the figure to set
// beside tfjs-layers'.
//
//   npm run bench -- compile            npm run bench -- --quick compile

import { runChild } from './child.js';
import { median } from './timing.js';
import type { CompileChildResult } from './compileChild.js';
import type { BenchmarkSection, BenchmarkTable } from './section.js';

/** Repeats of the Deep block (1 + 3 × repeats layers) and timed runs after the cold one. */
const SIZES = [
  { repeats: 33, runs: 21 },
  { repeats: 333, runs: 15 },
  { repeats: 3333, runs: 5 },
] as const;
const QUICK_SIZES = [
  { repeats: 33, runs: 3 },
  { repeats: 333, runs: 1 },
  { repeats: 3333, runs: 0 },
] as const;

export const GROWTH_TARGET = 12;

const compileChild = (tool: 'nnc' | 'tfjs-layers', repeats: number, runs: number) =>
  runChild<CompileChildResult>('./compileChild.ts', [tool, String(repeats), String(runs)], `the compile benchmark child (${tool}, ${repeats} repeats)`);

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const msText = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

/** One size in one round: nnc's process and tfjs-layers'. */
type SizeRun = { nnc: CompileChildResult; tfl: CompileChildResult };

/** Rounds: every size and tool once per round, so a load spike lands in one round's figures, not in all of them. */
const ROUNDS = 3;

export const compileSection: BenchmarkSection = {
  name: 'compile',
  async run({ quick }): Promise<BenchmarkTable> {
    const sizes = quick ? QUICK_SIZES : SIZES;
    const rounds = quick ? 1 : ROUNDS;
    const results: SizeRun[][] = [];
    for (let round = 0; round < rounds; round++) {
      const byRound: SizeRun[] = [];
      for (const { repeats, runs } of sizes) {
        process.stderr.write(`compile: round ${round + 1} of ${rounds}, ${1 + 3 * repeats} layers\n`);
        byRound.push({ nnc: await compileChild('nnc', repeats, runs), tfl: await compileChild('tfjs-layers', repeats, runs) });
      }
      results.push(byRound);
    }
    /** A size's figure: the median over the rounds. */
    const across = (size: number, figure: (r: SizeRun) => number) => median(results.map((byRound) => figure(byRound[size])));
    const rows = sizes.map((_, i) => [
      results[0][i].nnc.layers.toLocaleString('en-US'),
      msText(across(i, (r) => r.nnc.stages.check)),
      msText(across(i, (r) => r.nnc.stages.optimize)),
      msText(across(i, (r) => r.nnc.stages.compile)),
      msText(across(i, (r) => r.nnc.stages.out)),
      msText(across(i, (r) => r.nnc.stages.compileOut)),
      msText(across(i, (r) => r.nnc.stages.weights)),
      msText(across(i, (r) => r.nnc.totalMs)),
      mib(across(i, (r) => r.nnc.peakRss - r.nnc.rssBefore)),
      msText(across(i, (r) => r.tfl.totalMs)),
      mib(across(i, (r) => r.tfl.peakRss - r.tfl.rssBefore)),
      String(sizes[i].runs),
    ]);
    // Growth: 10,000 / 1,000 layers within each round (the two processes ran seconds apart), median over the rounds.
    const big = sizes.length - 1;
    const perRound = (figure: (r: SizeRun) => number) => results.map((byRound) => figure(byRound[big]) / figure(byRound[big - 1]));
    const growthText = (ratios: number[]) => `${median(ratios).toFixed(1)}${ratios.length > 1 ? ` (rounds: ${ratios.map((r) => r.toFixed(1)).join(', ')})` : ''}`;
    const nncRatios = perRound((r) => r.nnc.stages.compile);
    const nncGrowth = median(nncRatios);
    return {
      title: 'Compile time: the Deep model (Dense → BN → ReLU, repeated): nnc check + optimize, and with initial weights, vs tfjs-layers tf.sequential',
      columns: ['layers', 'nnc check ms', 'optimize ms', 'compile ms', 'weights out ms', 'compile + out ms', 'init weights ms', 'all nnc stages ms', 'nnc peak +RSS', 'tfjs-layers build ms', 'tfjs-layers peak +RSS', 'runs'],
      rows,
      note:
        `${quick ? 'QUICK RUN, not a measurement; ' : ''}growth 10,000 / 1,000 layers: nnc compile ${growthText(nncRatios)} (target ≤ ${GROWTH_TARGET}: ${nncGrowth <= GROWTH_TARGET ? 'met' : 'missed'}), ` +
        `nnc compile + weights out ${growthText(perRound((r) => r.nnc.stages.compileOut))}, tfjs-layers build ${growthText(perRound((r) => r.tfl.totalMs))}; ` +
        `each size and tool in a fresh process, every one once per round (${rounds} round${rounds === 1 ? '' : 's'}); a process's figure is the median of its runs after a cold first run (0 runs: the cold run), a table cell the median over the rounds, a growth the median of the rounds' ratios; ` +
        `peak +RSS: the process's peak resident memory minus its RSS just before the cold run`,
      details:
        'nnc\'s stages: `check` parses the text, lowers it to the IR and infers shapes; `optimize` runs the inference pipeline, folding every BatchNormalization into its Dense and fusing the ReLUs; `compile` is the two together, the figure the growth ratio is about. A fold keeps the kernel as its source and the per-channel factors (compiler/passes/foldedKernel.ts), so `optimize` computes biases but no kernel: the kernels are computed, in float64 and rounded to float32 once, when first read. `weights out` is that reading — every weight of the optimized model as float32, what an upload or a bundle does — and `compile + out` is the whole path to weights ready to upload, with its own growth beside the target\'s. `init weights` draws the initial weights on the host (Keras initializers), which a build from a weights file does not do but tfjs-layers always does: `all nnc stages` is the figure to set beside tfjs-layers\' build, which creates the layers, infers shapes and initializes its weights as tensors on the wasm backend (the work of a user\'s `tf.sequential` before a first predict). nnc\'s peak memory includes the initial weights and the float32 ones out. ' +
        'Where growth exceeds 10, the cause is the size, not the arithmetic: each node costs the same work at both sizes, but at 10,000 layers the graph, the weight map and the weights (58 MB) no longer fit the CPU caches, and the garbage collector runs full mark-compacts over the larger heap, which at 1,000 layers it hardly does. What the passes do per node was cut down for that reason: no kernel is written (above; writing them as float64 arrays, 110 MB at 10,000 layers, made `optimize` grow ×17–18), a pass that changes no weight returns the weight map it was given rather than a copy (16,600 entries at 10,000 layers), and a graph rewrite freezes each new node part by part without spreading frozen objects.',
    };
  },
};
