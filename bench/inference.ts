// Inference speed (issue 7 point 1): every example model at batch 1, 32 and 256, on
// wasm and cpu in Node (one child process per backend, bench/inferenceNode.ts) and on
// webgl in headless Chromium (one page, bench/inferencePage.ts), each cell timing
// tfjs-layers (a, a₀), nnc unoptimized (b), nnc optimized (c) and the floor (d) side by
// side (bench/inferenceCells.ts). Prints a table per backend, the targets, and writes
// the chart speedup.svg (bench/chart.ts).
//
//   npm run bench -- inference            (about 10 minutes on 2 shared cores)
//   npm run bench -- --quick inference    (Géron only, few runs: a smoke test)
//   npm run bench -- inference --models MobileNetV2,ResNet50   (only those models' cells)

import { fileURLToPath } from 'node:url';
import { fusionReport } from '../compiler/passes/report.js';
import { optimize } from '../compiler/passes/pipeline.js';
import { formatCount } from '../compiler/summary.js';
import { type ChartBar, speedupChart } from './chart.js';
import { floorSource } from './floor.js';
import type { CellResult, RatioName, Variant } from './inferenceCells.js';
import { INFERENCE_BACKENDS, type InferenceBackend, inferencePlan } from './inferencePlan.js';
import type { PageResult } from './inferencePage.js';
import { benchmarkGraph, prepareExample } from './prepare.js';
import { runChild } from './child.js';
import { runModelsPage } from './modelsPage.js';
import type { BenchmarkSection, BenchmarkTable } from './section.js';

export interface BackendRun {
  readonly backend: InferenceBackend;
  readonly cells: readonly CellResult[];
  /** Where it ran: Node's version, or Chromium's version and WebGL renderer. */
  readonly environment: string;
  readonly seconds: number;
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** wasm or cpu in a fresh Node process; its progress lines pass through to stderr. */
async function runNodeBackend(backend: 'wasm' | 'cpu', quick: boolean, models: readonly string[] | undefined): Promise<BackendRun> {
  const started = performance.now();
  const args = [backend, ...(quick ? ['--quick'] : []), ...(models ? ['--models', models.join(',')] : [])];
  const { cells, environment } = await runChild<{ cells: CellResult[]; environment: string }>('./inferenceNode.ts', args, `the ${backend} benchmark process`);
  return { backend, cells, environment, seconds: (performance.now() - started) / 1000 };
}

/** webgl in headless Chromium (SwiftShader: WebGL in software on this machine's CPU). */
async function runWebgl(quick: boolean, models: readonly string[] | undefined): Promise<BackendRun> {
  const started = performance.now();
  const plan = inferencePlan('webgl', quick, models);
  const { result, chromium } = await runModelsPage<PageResult>(here('./inferencePage.ts'), plan.models.map((m) => prepareExample(m.name)), 'runInference', plan, 'the benchmark page');
  return {
    backend: 'webgl',
    cells: result.cells,
    environment: `Chromium ${chromium}, headless; WebGL renderer: ${result.renderer}; float32 textures: ${result.float32}`,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Measures one backend in its own process (or page). */
export function runBackend(backend: InferenceBackend, quick: boolean, models?: readonly string[]): Promise<BackendRun> {
  process.stderr.write(`inference on ${backend}${quick ? ' (quick)' : ''}:\n`);
  return backend === 'webgl' ? runWebgl(quick, models) : runNodeBackend(backend, quick, models);
}

/** Every backend whose plan has a model (with a `--models` selection, some have none). */
export async function benchInference(quick: boolean, models?: readonly string[]): Promise<BackendRun[]> {
  const runs: BackendRun[] = [];
  for (const backend of INFERENCE_BACKENDS) {
    if (inferencePlan(backend, quick, models).models.length > 0) runs.push(await runBackend(backend, quick, models));
  }
  return runs;
}

/**
 * What the optimizer does to each measured model: its BatchNormalizations folded into a
 * convolution or Dense, or left as a per-channel multiply-add (Affine), and the ops and
 * parameters before and after. Structural (no weights): folding depends on the graph only.
 */
function fusionTable(quick: boolean, models: readonly string[] | undefined): BenchmarkTable {
  const names = [...new Set(INFERENCE_BACKENDS.flatMap((b) => inferencePlan(b, quick, models).models.map((m) => m.name)))];
  const rows = names.map((name) => {
    const graph = benchmarkGraph(name);
    const report = fusionReport(graph, optimize({ graph, weights: null }));
    const count = (outcome: string) => report.batchNorms.filter((b) => b.outcome === outcome).length;
    return [
      name,
      String(report.batchNorms.length),
      String(count('folded')),
      String(count('converted')),
      `${formatCount(report.before.ops)} → ${formatCount(report.after.ops)}`,
      `${formatCount(report.before.params)} → ${formatCount(report.after.params)}`,
    ];
  });
  return {
    title: 'What the optimizer did to each measured model (the graphs of (b) and (c))',
    columns: ['model', 'BatchNormalization', 'folded', 'left as Affine', 'ops', 'parameters'],
    rows,
    note: 'folded: into the weights of the convolution or Dense layer next to it; Affine: one per-channel multiply-add (compiler/passes/batchNormToAffine.ts)',
  };
}

// ---------------------------------------------------------------------------------
// Tables, targets and the chart.

/** 3 significant digits, in ms. */
function ms(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value >= 1 ? value.toFixed(2) : value.toFixed(3);
}

function timingCell(cell: CellResult, variant: Variant): string {
  const t = cell.timings[variant];
  if (!t) return cell.status === 'measured' ? '' : '—';
  return `${ms(t.median)} (${ms(t.p25)}–${ms(t.p75)})`;
}

export function ratio(cell: CellResult, name: RatioName): number | null {
  return cell.ratios[name]?.median ?? null;
}

/** `1.38 (1.35–1.40)`: a median with its p25–p75. */
const stat = (r: { median: number; p25: number; p75: number } | undefined, digits = 2) => (r ? `${r.median.toFixed(digits)} (${r.p25.toFixed(digits)}–${r.p75.toFixed(digits)})` : '—');

/** Figures no code path explains, flagged so a reader does not take them at face value (see NOISE). */
function suspicious(cell: CellResult): string[] {
  const notes: string[] = [];
  const cd = cell.ratios.cd?.median;
  if (cd !== undefined && cd < 0.9) notes.push(`c/d ${cd.toFixed(2)}: the floor ran slower than nnc on the same kernels, which the machine, not the code, explains (see "Noise")`);
  const a = cell.timings.layers?.median;
  const a0 = cell.timings.layersDefault?.median;
  if (a !== undefined && a0 !== undefined && a0 < 0.9 * a) notes.push(`(a₀) ${a0.toFixed(1)} ms < (a) ${a.toFixed(1)} ms: tfjs-layers' one pass ran slower than its 8 passes of 32, which the machine, not the code, explains (see "Noise")`);
  return notes;
}

function backendTable(run: BackendRun, quick: boolean, models: readonly string[] | undefined): BenchmarkTable {
  const plan = inferencePlan(run.backend, quick, models);
  const footnotes: string[] = [];
  const rows = run.cells.map((cell) => {
    let status = `${cell.runs}${cell.rewarm ? '' : '*'}`;
    if (cell.status !== 'measured') {
      footnotes.push(`${cell.model}, batch ${cell.batch}: ${cell.status}: ${cell.reason}`);
      status = `${cell.status} [${footnotes.length}]`;
    } else {
      const notes = suspicious(cell);
      if (cell.leakedTensors !== 0) notes.unshift(`tf.memory().numTensors changed by ${cell.leakedTensors} over the timed runs`);
      for (const note of notes) {
        footnotes.push(`${cell.model}, batch ${cell.batch}: ${note}`);
        status += ` [${footnotes.length}]`;
      }
    }
    return [
      cell.model,
      String(cell.batch),
      timingCell(cell, 'layers'),
      timingCell(cell, 'layersDefault'),
      timingCell(cell, 'unoptimized'),
      timingCell(cell, 'optimized'),
      timingCell(cell, 'floor'),
      stat(cell.ratios.ac),
      stat(cell.ratios.a0c),
      stat(cell.ratios.cd),
      status,
    ];
  });
  const { budgetMs, minRuns, maxRuns, maxRoundMs } = plan.policy;
  const webglNote = run.backend === 'webgl' ? '; SwiftShader is a software WebGL: these are CPU figures, not a GPU\'s' : '';
  const own = plan.models.filter((m) => m.policy).map((m) => `${m.name}: limit ${m.policy!.maxRoundMs / 1000} s per round, at least ${m.policy!.minRuns} runs`);
  const ownNote = own.length > 0 ? `; ${own.join('; ')}` : '';
  return {
    title: `Inference on ${run.backend} (${run.environment}): ms per predict, median (p25–p75)`,
    columns: ['model', 'batch', '(a) tfjs-layers', '(a₀) predict(x)', '(b) nnc', '(c) nnc optimized', '(d) floor', 'a/c', 'a₀/c', 'c/d', 'runs'],
    rows,
    note: `${quick ? 'QUICK RUN, not a measurement; ' : ''}(a₀) only where it differs from (a), at batch 256; runs per cell fill a ${budgetMs / 1000} s budget within [${minRuns}, ${maxRuns}]; * = visits not re-warmed (rounds over 1 s); cells whose round would exceed ${maxRoundMs / 1000} s are skipped; ${run.seconds.toFixed(0)} s for this backend${ownNote}${webglNote}`,
    details: footnotes.length > 0 ? footnotes.map((f, i) => `[${i + 1}] ${f}`).join('  \n') : undefined,
  };
}

interface TargetLine {
  readonly what: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | null;
  /** What bounds the figure: a/d for a speed-up. */
  readonly bound: string;
}


function targets(runs: readonly BackendRun[]): TargetLine[] {
  const cell = (backend: string, model: string, batch: number) => runs.find((r) => r.backend === backend)?.cells.find((c) => c.model === model && c.batch === batch);
  const lines: TargetLine[] = [];
  // Retired (issue 18): the committed runs showed both bounded by the kernels tfjs-layers
  // shares (a/d 2.81 at batch 1 and 1.44 at batch 256 at bcde0f1), so no executor can meet
  // them. The figures stay, marked bounded; the web build's targets (code size: the `web`
  // section) took their place.
  for (const [batch, goal, bound] of [[1, 3.0, 2.81], [256, 2.0, 1.44]] as const) {
    const c = cell('wasm', 'geron', batch);
    const value = c ? ratio(c, 'ac') : null;
    const withDefault = c?.ratios.a0c;
    lines.push({
      what: `a/c, Géron's model, wasm, batch ${batch}`,
      target: `retired: ≥ ${goal.toFixed(1)}, bounded (a/d ${bound.toFixed(2)} at bcde0f1)`,
      measured: value === null ? 'not measured' : `${stat(c!.ratios.ac)}${withDefault ? `; against (a₀) predict(x): ${stat(withDefault)}` : ''}`,
      met: null,
      bound: c?.ratios.ad ? `a/d ${stat(c.ratios.ad)}` : '—',
    });
  }
  const overheads = runs.flatMap((r) => r.cells.map((c) => ({ c, value: ratio(c, 'cd') }))).filter((x): x is { c: CellResult; value: number } => x.value !== null);
  if (overheads.length > 0) {
    const worst = overheads.reduce((a, b) => (b.value > a.value ? b : a));
    const within = overheads.filter((x) => x.value <= 1.1).length;
    const clearlyOver = overheads.filter((x) => x.c.ratios.cd!.p25 > 1.1).map((x) => `${x.c.model}/${x.c.backend}/${x.c.batch}`);
    lines.push({
      what: 'c/d, worst cell',
      target: '≤ 1.10 everywhere',
      measured: `${stat(worst.c.ratios.cd, 3)} (${worst.c.model}, ${worst.c.backend}, batch ${worst.c.batch}); ${within} of ${overheads.length} cells ≤ 1.10; p25 over 1.10: ${clearlyOver.length === 0 ? 'none' : clearlyOver.join(', ')}`,
      met: worst.value <= 1.1,
      bound: '1.00',
    });
  }
  return lines;
}

function chart(runs: readonly BackendRun[], quick: boolean): string {
  const cells = runs.flatMap((r) => r.cells);
  const bars = (name: RatioName): ChartBar[] => cells.map((c) => ({ model: c.model, batch: c.batch, backend: c.backend, value: ratio(c, name), low: c.ratios[name]?.p25, high: c.ratios[name]?.p75 }));
  return speedupChart(
    [
      { title: 'a/c: nnc optimized vs tfjs-layers predict (higher is better); targets for Géron on wasm', bars: bars('ac'), ticks: [0.5, 1, 2, 3, 4, 6], targets: [{ value: 3, label: '≥ 3.0: batch 1 (retired: bounded, a/d 2.81)' }, { value: 2, label: '≥ 2.0: batch 256 (retired: bounded, a/d 1.44)' }] },
      { title: 'c/d: nnc optimized vs the floor, direct tfjs calls (lower is better); target for every cell', bars: bars('cd'), ticks: [0.8, 0.9, 1, 1.1, 1.2, 1.4], targets: [{ value: 1.1, label: '≤ 1.10: all' }] },
    ],
    `${quick ? 'QUICK RUN, not a measurement. ' : ''}Bars: medians of the per-round ratios, whiskers p25–p75; log scale, bars from 1.0. Made by \`npm run bench${quick ? ' -- --quick' : ''}\` (bench/RESULTS.md states the machine).`,
  );
}

const READING = `**Reading the targets.** The bound a/d is the speed-up over tfjs-layers that an executor with no overhead at all would reach running the same kernels as (c): where it is below a target, no change to nnc's executor can meet that target, only faster kernels. (c) and (d) call tfjs's kernels themselves in inference (\`tf.engine().runKernel\`: \`_FusedMatMul\`, \`FusedConv2D\`, \`FusedDepthwiseConv2D\`), not tfjs-core's ops around them: \`tf.fused.matMul\` runs its kernel inside a custom gradient and three reshapes, about 6 µs a call on wasm, more than a small matMul costs at batch 1; a value only Dense layers consume stays in the kernel's [1, rows, features] form between them. tfjs-layers (a) goes through the ops. On wasm at batch 1, the floor (d) of Géron's model is its three fused matMuls (mostly the 784×300 one), a softmax, two reshapes, the input upload and the read-back; tfjs-layers (a) adds its JavaScript per call and per layer, the op layer around each matMul and three BatchNormalization ops. At batch 256 the 784×300 matMul dominates every variant, so (a) and (c) differ by the BatchNormalization ops alone (b/c, nnc's unoptimized graph against its optimized one, measures the same thing). tfjs-layers' \`predict(x)\` without options (a₀) slices a batch of 256 into 8 batches of 32, runs each and concatenates: that is what a user gets by default, and the reason a₀/c is larger than a/c there.`;

const NOISE = `**Noise on this machine.** It is a 2-core VM shared with other jobs. Load drift is absorbed by the interleaving and the paired ratios, but while this benchmark was being written every full run had one to three cells where a single variant ran 1.7–2.5× slower than in the other runs, for the whole cell: tfjs-layers on geron_bn_before_activation at batch 256 on wasm (13.4 ms, against 5.9 ms in the run before), both nnc Models on the tagger at batch 32 on wasm (11.0 ms against 4.7 ms), MobileNet's floor on wasm. The code did not change between those runs, and fresh instances, moved memory and another visiting order did not remove it. A cell that stands out from its neighbouring batch sizes and backends may be such a case: compare with another run before drawing a conclusion from it.`;

const METHOD = `**Method.**

- One process per backend: a Node child for wasm and for cpu, one Chromium page for webgl. Same input for every variant (a \`Float32Array\`, uniform in [0, 1), seeded), same weights (the example's initializers with randomized BatchNormalization statistics, seed 1; the page gets them from Node as files).
- (a) the same model in \`@tensorflow/tfjs-layers\`, \`model.predict(x, { batchSize: batch })\`: one pass over the batch, its fastest call. (a₀) \`model.predict(x)\` as written without options: tfjs-layers then slices the input into batches of 32 and concatenates, so it differs from (a) only at batch 256, the only place it is timed.
- (b) nnc's \`Model\` on the unoptimized graph; (c) on the optimized graph (BatchNormalization folded, activations fused).
- (d) the floor: (c)'s kernels, same attributes and tensor forms, as one straight-line function of direct tfjs-core calls, generated from the optimized graph (bench/floor.ts; Géron's below), weights pre-uploaded, each intermediate disposed right after its last use as the executor does: no plan, no \`tf.tidy\`, no input checks.
- Every timed run creates the input tensor from the \`Float32Array\`, predicts, awaits \`data()\` and disposes both tensors.
- Before timing, one run of each variant is compared with (a): a cell whose outputs differ by more than 1e-4 is not timed and says so.
- Then warm-up rounds for 1 s (at least one; none if the cross-check round took over 10 s), so V8 has optimized the JavaScript of every variant (without it the first cells of a process measure unoptimized code, tfjs-layers' and nnc's alike), and the timed rounds. A round visits every variant once, starting with a different one each round, so load on the shared machine hits all alike. In rounds under 1 s a visit runs twice and times the second run (the first brings the variant's weights back into the caches the others evicted, as for an application that calls one model repeatedly), and the timed rounds are split into three phases, each with fresh instances of every variant (moved in memory by a tensor of random size allocated first: on wasm up to 64 MiB, more than all variants of the largest example hold), visited in another order, after one untimed round: on wasm, where an instance's weights and buffers land in memory can change a kernel's speed by tens of percent for the instance's whole life, one unlucky placement then moves a third of a variant's samples instead of all of them.
- Run counts: the timed rounds fill a time budget per cell (from the last warm-up round's cost), within bounds stated under each table. A cell whose round would exceed the limit per round (by linear extrapolation from the previous batch size, or by two probe runs of (c)) is skipped and listed with the reason.
- Reported: median and p25–p75 of each variant's timed runs. Ratios are the median and p25–p75 of the per-round ratios (both runs of a round share the machine's load of that moment), so they can differ slightly from the ratio of the two medians. a/c: the speed-up over tfjs-layers; c/d: the executor's overhead over the floor; a/d: what an executor with no overhead at all would reach with these kernels.`;

export const inferenceSection: BenchmarkSection = {
  name: 'inference',
  async run({ quick, models }): Promise<BenchmarkTable[]> {
    const runs = await benchInference(quick, models);
    const lines = targets(runs);
    const geronFloor = floorSource(prepareExample('geron').optimized).source;
    const summary: BenchmarkTable = {
      title: 'Inference targets (issue 7; the two a/c targets retired by issue 18 as bounded by the kernels: see the web section for its targets)',
      columns: ['what', 'target', 'measured: median (p25–p75)', 'met', 'bound'],
      rows: lines.map((l) => [l.what, l.target, l.measured, l.met === null ? '—' : l.met ? 'yes' : 'no', l.bound]),
      note: `${quick ? 'QUICK RUN, not a measurement; ' : ''}per-backend tables below; chart: speedup.svg`,
      details: `${READING}\n\n${NOISE}\n\n${METHOD}\n\nThe floor of Géron's model, as generated from its optimized graph (\`x\` is the input tensor, \`w\` the weights):\n\n\`\`\`js\n${geronFloor}\n\`\`\`\n\n![a/c and c/d per model, batch and backend](speedup.svg)\n\nEvery cell's figures, with the per-variant timings, run counts and cross-check differences: inference.json.`,
      files: { 'speedup.svg': chart(runs, quick), 'inference.json': `${JSON.stringify({ quick, runs }, null, 1)}\n` },
    };
    return [summary, fusionTable(quick, models), ...runs.map((r) => backendTable(r, quick, models))];
  },
};
