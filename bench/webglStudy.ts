// The `webgl` section (issue 18 point 5): MobileNetV2 at 224×224, batch 1, on WebGL in
// headless Chromium (SwiftShader): what one predict makes tfjs's WebGL backend do for
// tfjs-layers and for nnc's optimized graph (programs by kind, packed outputs, uploads,
// downloads, kernels), and the runtime's WebGL choices each timed against the baseline
// in the same rounds (bench/webglStudyPage.ts). docs/webgl.md reads the figures.
//
//   npm run bench -- webgl

import { fileURLToPath } from 'node:url';
import { runModelsPage } from './modelsPage.js';
import { prepareExample } from './prepare.js';
import type { BenchmarkSection, BenchmarkTable } from './section.js';
import type { StudyPlan, StudyResult, StudyVariant } from './webglStudyPage.js';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** tfjs's packing flags, all off (each defaults to WEBGL_PACK, but is read once, so all are set). */
const UNPACKED = Object.fromEntries(
  ['WEBGL_PACK', 'WEBGL_PACK_NORMALIZATION', 'WEBGL_PACK_CLIP', 'WEBGL_PACK_DEPTHWISECONV', 'WEBGL_PACK_BINARY_OPERATIONS', 'WEBGL_PACK_UNARY_OPERATIONS', 'WEBGL_PACK_ARRAY_OPERATIONS', 'WEBGL_PACK_IMAGE_OPERATIONS', 'WEBGL_PACK_REDUCE', 'WEBGL_LAZILY_UNPACK', 'WEBGL_CONV_IM2COL'].map((f) => [f, false]),
);

/** The variants: tfjs-layers, nnc's baseline (as committed before this study), then one change each. */
export const STUDY_VARIANTS: readonly StudyVariant[] = [
  { name: '(a) tfjs-layers', model: 'layers', flags: {} },
  { name: '(c) nnc optimized, baseline', model: 'nnc', flags: {} },
  { name: 'ZeroPadding2D into the convolution (kept: the runtime now)', model: 'nnc', flags: {}, paddingIntoConvolution: true, current: true },
  { name: 'WEBGL_PACK_DEPTHWISECONV off', model: 'nnc', flags: { WEBGL_PACK_DEPTHWISECONV: false } },
  { name: 'WEBGL_CONV_IM2COL off', model: 'nnc', flags: { WEBGL_CONV_IM2COL: false } },
  { name: 'WEBGL_USE_SHAPES_UNIFORMS on', model: 'nnc', flags: { WEBGL_USE_SHAPES_UNIFORMS: true } },
  { name: 'WEBGL_EXP_CONV on', model: 'nnc', flags: { WEBGL_EXP_CONV: true } },
  { name: 'WEBGL_PACK off (every packing flag)', model: 'nnc', flags: UNPACKED },
];

export async function runWebglStudy(plan: StudyPlan): Promise<StudyResult & { environment: string; seconds: number }> {
  const started = performance.now();
  const { result, chromium } = await runModelsPage<StudyResult>(here('./webglStudyPage.ts'), [prepareExample(plan.model)], 'runStudy', plan, 'the study page');
  return { ...result, environment: `Chromium ${chromium}, headless; WebGL renderer: ${result.renderer}`, seconds: (performance.now() - started) / 1000 };
}

const stat = (r: { median: number; p25: number; p75: number }, digits = 2) => `${r.median.toFixed(digits)} (${r.p25.toFixed(digits)}–${r.p75.toFixed(digits)})`;
const ms = (r: { median: number; p25: number; p75: number }) => `${r.median.toFixed(0)} (${r.p25.toFixed(0)}–${r.p75.toFixed(0)})`;

export function studyTables(result: Awaited<ReturnType<typeof runWebglStudy>>, plan: StudyPlan): BenchmarkTable[] {
  const timing: BenchmarkTable = {
    title: `WebGL, ${plan.model} at batch 1 (${result.environment}): each change against nnc's baseline, side by side`,
    columns: ['variant', 'ms per predict, median (p25–p75)', '× baseline (lower is better)', 'a/c', 'max |Δ| vs (a) / max |(a)|'],
    rows: result.timings.map((t, i) => [t.name, ms(t), stat(result.ratios[i].vsBaseline), result.ratios[i].ac ? stat(result.ratios[i].ac!) : '', t.relativeDiff.toExponential(1)]),
    note: `(a), (c) and the runtime now in ${plan.runs} interleaved rounds (a/c before and after); then each other change in ${plan.runs} rounds of its own beside the baseline (× baseline: median and p25–p75 of per-round ratios change/baseline; the ms column is from those rounds); flags are tfjs-backend-webgl's, set around the variant's predict only; outputs compared after the first runs; ${result.seconds.toFixed(0)} s; SwiftShader is a software WebGL: CPU figures, not a GPU's`,
  };
  const kinds = [...new Set(result.profiles.flatMap((p) => Object.keys(p.byProgram)))].sort();
  const pick = result.profiles;
  const profile: BenchmarkTable = {
    title: `WebGL, ${plan.model} at batch 1: what one warm predict runs (programs by class)`,
    columns: ['', ...pick.map((p) => p.name)],
    rows: [
      ['programs run', ...pick.map((p) => String(p.programs))],
      ['with a packed output', ...pick.map((p) => String(p.packedOutputs))],
      ['uploads (CPU values to a texture)', ...pick.map((p) => String(p.uploads))],
      ['downloads', ...pick.map((p) => String(p.downloads))],
      ['tfjs kernels called', ...pick.map((p) => String(Object.values(p.byKernel).reduce((a, b) => a + b, 0)))],
      ['Reshape kernels', ...pick.map((p) => String(p.byKernel.Reshape ?? 0))],
      ...kinds.map((k) => [k, ...pick.map((p) => String(p.byProgram[k] ?? 0))]),
    ],
    note: 'counted by wrapping the WebGL backend\'s runWebGLProgram, uploadToGPU, read and readSync around one predict after the programs were compiled; kernels from tf.profile',
  };
  return [timing, profile];
}

export const webglSection: BenchmarkSection = {
  name: 'webgl',
  async run({ quick }) {
    const plan: StudyPlan = { model: 'MobileNetV2', variants: quick ? STUDY_VARIANTS.slice(0, 3) : STUDY_VARIANTS, runs: quick ? 2 : 14 };
    const result = await runWebglStudy(plan);
    return studyTables(result, plan);
  },
};
