// Time to a first prediction in a browser (issue 18 point 4): headless Chromium, a fresh
// browser context (empty cache) for every run, from navigation to the first prediction
// read back, for an nnc bundle and for the same model saved by tfjs-layers and opened
// with `loadLayersModel`, on WebGL (SwiftShader here: a software renderer, so every
// figure is a CPU's). Target: nnc at most half of tfjs-layers' time.
//
// Both pages are served by the same static server (scripts/staticServer.ts) and time
// themselves with `performance.now()` (milliseconds since navigation):
//   script    navigation → the page's module evaluated (its code fetched and run);
//   load      nnc: `load({ backend: 'webgl', warmUp: false })` (backend chunk, weights,
//             checks); tfjs-layers: `setBackend('webgl')` + `loadLayersModel` (model.json,
//             weights, layers built);
//   warm-up   nnc only: `m.warmUp()`, the shader programs compiled for batch 1 (what
//             `load()` does by default); tfjs-layers has none, its first predict compiles;
//   first predict  one input at batch 1, predicted and read back (`data()`);
//   then      the median of 3 more predicts in the same page: steady state at batch 1.
// The two outputs are compared (the same weights and input) before any figure is kept.
//
//   npm run bench -- first            # Géron's model and MobileNetV2 (224×224), 3 runs each
//   npm run bench -- --quick first    # Géron's model, 1 run

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { shapeSize } from '../src/ir/shape.js';
import { BROWSER_BUILD, makeBundle, writeBundle } from '../runtime/bundle/write.js';
import { launchChromium, serve } from '../test/helpers/browser.js';
import { buildTfjsLayersModel } from '../test/helpers/tfjsLayers.js';
import { prepareExample } from './prepare.js';
import type { BenchmarkSection, BenchmarkTable } from './section.js';

/** What a page reports: milliseconds since navigation, and the first outputs. */
interface PageTiming {
  readonly script: number;
  readonly load: number;
  readonly warmUp: number;
  readonly predict: number;
  readonly total: number;
  /** Median of STEADY further predicts (input made, predicted, read back). */
  readonly steady: number;
  /** WebGL programs compiled by the time the first prediction is read back. */
  readonly programs: number;
  readonly output: number[];
}

/** Predicts after the first, timed one by one: the page's steady state at batch 1 (median). */
const STEADY = 3;

/** The input both pages predict: deterministic, not all zeros. */
const INPUT_SOURCE = `(n) => Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5)`;

const NNC_PAGE = (size: number, shape: readonly number[], compileOnly: boolean) => `
import { load } from './model.js';
const script = performance.now();
try {
  const m = await load({ backend: 'webgl', warmUp: false });
  const loaded = performance.now();
  await m.warmUp(${compileOnly});
  const warm = performance.now();
  const x = (${INPUT_SOURCE})(${size});
  const y = await m.predict(x, ${JSON.stringify(shape)});
  const done = performance.now();
  const programs = Object.keys(globalThis._tfengine.backend.binaryCache).length;
  const steady = [];
  for (let i = 0; i < ${STEADY}; i++) { const t = performance.now(); await m.predict(x, ${JSON.stringify(shape)}); steady.push(performance.now() - t); }
  window.__timing = { script, load: loaded - script, warmUp: warm - loaded, predict: done - warm, total: done, steady: steady.sort((a, b) => a - b)[${STEADY} >> 1], output: Array.from(y.slice(0, 16)), backend: m.backend, programs };
} catch (e) { window.__timing = { error: String(e && e.stack || e) }; }
`;

/** tfjs-layers' page: its packages bundled and minified as bench/webBuild.ts's peer; the model URL and input come from the query. */
const TFJS_PAGE = `
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-webgl';
const script = performance.now();
(async () => { try {
  const { size, shape } = JSON.parse(decodeURIComponent(location.hash.slice(1)));
  await tf.setBackend('webgl');
  await tf.ready();
  const model = await loadLayersModel('./model.json');
  const loaded = performance.now();
  const x = tf.tensor((${INPUT_SOURCE})(size), shape);
  const y = model.predict(x);
  const values = await y.data();
  const done = performance.now();
  tf.dispose([x, y]);
  const programs = Object.keys(tf.backend().binaryCache).length;
  const steady = [];
  for (let i = 0; i < ${STEADY}; i++) {
    const t = performance.now();
    const xi = tf.tensor((${INPUT_SOURCE})(size), shape);
    const yi = model.predict(xi);
    await yi.data();
    tf.dispose([xi, yi]);
    steady.push(performance.now() - t);
  }
  window.__timing = { script, load: loaded - script, warmUp: 0, predict: done - loaded, total: done, steady: steady.sort((a, b) => a - b)[${STEADY} >> 1], output: Array.from(values.slice(0, 16)), backend: tf.getBackend(), programs };
} catch (e) { window.__timing = { error: String(e && e.stack || e) }; } })();
`;

const html = (script: string) => `<!doctype html><meta charset="utf-8"><script type="module" src="./${script}"></script>`;

/** The model saved as tfjs-layers saves it: model.json (topology + weights manifest) and one weights file. */
async function saveTfjsLayers(dir: string, name: string): Promise<void> {
  const prepared = prepareExample(name);
  const model = buildTfjsLayersModel(prepared.graph, prepared.weights);
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const weights = artifacts.weightData as ArrayBuffer;
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(weights));
    const modelJson = { modelTopology: artifacts.modelTopology, format: artifacts.format, generatedBy: artifacts.generatedBy, convertedBy: artifacts.convertedBy, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
}

async function runPage(browser: Browser, url: string, timeoutMs: number): Promise<PageTiming> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __timing?: unknown }).__timing !== undefined, undefined, { timeout: timeoutMs, polling: 100 });
    const timing = await page.evaluate(() => (window as unknown as { __timing: PageTiming & { error?: string; backend?: string } }).__timing);
    if (timing.error) throw new Error(`${url}: ${timing.error}`);
    if (timing.backend !== 'webgl') throw new Error(`${url}: ran on ${timing.backend}, not webgl`);
    return timing;
  } finally {
    await context.close();
  }
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));

async function run(options: { quick: boolean; models?: readonly string[] }): Promise<BenchmarkTable> {
  const names = options.models ?? (options.quick ? ['geron'] : ['geron', 'MobileNetV2']);
  const runs = options.quick ? 1 : 3;
  const root = mkdtempSync(join(tmpdir(), 'nnc-first-'));
  const tfjsScript = (await build({ stdin: { contents: TFJS_PAGE, resolveDir: process.cwd(), loader: 'js' }, bundle: true, ...BROWSER_BUILD })).outputFiles[0].text;
  const rows: string[][] = [];
  const ratios: string[] = [];
  // tfjs-layers builds the models to save in Node on the CPU backend (something else may have registered wasm first).
  await tf.setBackend('cpu');
  const browser = await launchChromium();
  const server = await serve(root, { '/start.html': `<!doctype html><script>const gl = document.createElement('canvas').getContext('webgl2'); gl.clear(gl.COLOR_BUFFER_BIT); window.__timing = { backend: 'webgl' };</script>` });
  try {
    // The browser's first page pays for starting its GPU process (SwiftShader): a
    // throwaway page that makes a WebGL context, so the first measured run does not.
    await runPage(browser, `${server.url}/start.html`, 60_000);
    for (const name of names) {
      const prepared = prepareExample(name);
      const input = prepared.graph.nodes[prepared.graph.inputs[0]];
      const shape = [1, ...(input.shape.slice(1) as number[])];
      const size = shapeSize(shape);
      const nncDir = join(root, name, 'nnc');
      writeBundle(nncDir, await makeBundle(prepared.optimized, prepared.optimizedWeights));
      writeFileSync(join(nncDir, 'page.js'), NNC_PAGE(size, shape, false));
      writeFileSync(join(nncDir, 'index.html'), html('page.js'));
      writeFileSync(join(nncDir, 'compile.js'), NNC_PAGE(size, shape, true));
      writeFileSync(join(nncDir, 'compile.html'), html('compile.js'));
      const tfjsDir = join(root, name, 'tfjs');
      mkdirSync(tfjsDir, { recursive: true });
      await saveTfjsLayers(tfjsDir, name);
      writeFileSync(join(tfjsDir, 'page.js'), tfjsScript);
      writeFileSync(join(tfjsDir, 'index.html'), html('page.js'));
      const timeout = name === 'geron' ? 120_000 : 600_000;
      const pages = {
        nnc: `${server.url}/${name}/nnc/`,
        compileOnly: `${server.url}/${name}/nnc/compile.html`,
        tfjs: `${server.url}/${name}/tfjs/#${encodeURIComponent(JSON.stringify({ size, shape }))}`,
      };
      const timings: Record<keyof typeof pages, PageTiming[]> = { nnc: [], compileOnly: [], tfjs: [] };
      const variants = Object.keys(pages) as (keyof typeof pages)[];
      // Interleaved, rotating which goes first, so load drift on a shared machine hits all.
      for (let r = 0; r < runs; r++) {
        for (let v = 0; v < variants.length; v++) {
          const which = variants[(v + r) % variants.length];
          timings[which].push(await runPage(browser, pages[which], timeout));
        }
      }
      const diff = Math.max(...variants.flatMap((v) => timings[v][0].output.map((x, i) => Math.abs(x - timings.tfjs[0].output[i]))));
      if (!(diff <= 1e-3)) throw new Error(`${name}: the nnc bundle and tfjs-layers disagree on the first outputs by ${diff}`);
      const tfjsTotal = median(timings.tfjs.map((t) => t.total));
      const labels = { nnc: 'nnc bundle (load() as is)', compileOnly: "nnc bundle, warmUp 'compile-only'", tfjs: 'tfjs-layers loadLayersModel' };
      for (const v of variants) {
        const ratio = median(timings[v].map((t) => t.total)) / tfjsTotal;
        const mine = v !== 'tfjs';
        const steady = median(timings[v].map((t) => t.steady)) / median(timings.tfjs.map((t) => t.steady));
        rows.push([name, labels[v], ...(['script', 'load', 'warmUp', 'predict', 'total'] as const).map((k) => ms(median(timings[v].map((t) => t[k])))), String(timings[v][0].programs), mine ? ratio.toFixed(2) : '', mine ? (ratio <= 0.5 ? 'met' : 'missed') : '', ms(median(timings[v].map((t) => t.steady))), mine ? (1 / steady).toFixed(2) : '']);
        if (v === 'nnc') ratios.push(`${name} ${ratio.toFixed(2)}`);
      }
      ratios[ratios.length - 1] += ` (first outputs agree within ${diff.toExponential(1)})`;
    }
  } finally {
    await server.close();
    await browser.close();
    rmSync(root, { recursive: true, force: true });
  }
  return {
    title: 'Time to a first prediction in Chromium (WebGL on SwiftShader), from navigation to the output read back, batch 1 (target: nnc ≤ 1/2 of tfjs-layers)',
    columns: ['model', 'page', 'script ms', 'load ms', 'warm-up ms', 'first predict ms', 'total ms', 'programs', 'nnc / tfjs-layers', 'target ≤ 0.5', 'then, a predict ms', 'speed-up (tfjs / nnc)'],
    rows,
    note: `medians of ${runs} run${runs > 1 ? 's' : ''}, each in a fresh browser context (empty cache), nnc and tfjs-layers interleaved; ${ratios.join('; ')}; 'then, a predict' = median of ${STEADY} predicts after the first, in the same page (input made, predicted, read back), and its speed-up = tfjs-layers' / nnc's`,
  };
}

export const firstPredictionSection: BenchmarkSection = { name: 'first', run };
