// A built bundle in a real browser: headless Chromium (WebGL on SwiftShader), the page
// as the README shows it, predictions equal to Node's on WebGL and on wasm for every
// example, memory stable; which backend the default picks with WebGL in software, with
// WebGL disabled, and with the wasm binaries missing.

import test from 'ava';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { optimize } from '../../compiler/passes/pipeline.js';
import { loadBundle } from '../../runtime/bundle/node.js';
import { makeBundle, manifestLiteral, writeBundle } from '../../runtime/bundle/write.js';
import { parseModelJson } from '../../runtime/bundle/manifest.js';
import { GraphBuilder } from '../../src/ir/graph.js';
import type { Graph } from '../../src/ir/types.js';
import type { HostTensor } from '../../src/ir/tensors.js';
import { EXAMPLES, exampleGraph, hostMaxAbsDiff, randomizedWeights } from '../helpers/models.js';
import { type StaticServer, launchChromium, serve } from '../helpers/browser.js';

const root = mkdtempSync(join(tmpdir(), 'nnc-browser-'));
let browser: Browser;
let server: StaticServer;

/** The page from the README: a module script importing load from ./model.js (`?backend=B` passes `{ backend: B }`, `&warmUp=compile-only` that warm-up). */
const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import { load } from './model.js';
const query = new URLSearchParams(location.search);
const backend = query.get('backend');
const warmUp = query.get('warmUp');
try { window.model = await load(backend ? { backend, ...(warmUp ? { warmUp } : {}) } : undefined); } catch (e) { window.loadError = String(e && e.message || e); }
window.ready = true;
</script>`;

async function bundle(name: string, graph: Graph, weights: ReadonlyMap<string, HostTensor>, dtype: 'float32' | 'float16' | 'uint8' = 'float32'): Promise<string> {
  const optimized = optimize({ graph, weights });
  writeBundle(join(root, name), await makeBundle(optimized.graph, optimized.weights!, dtype));
  return join(root, name);
}

async function open(path: string, on: Browser = browser): Promise<Page> {
  const page = await on.newPage();
  await page.goto(`${server.url}${path}`);
  await page.waitForFunction('window.ready === true', undefined, { timeout: 120_000 });
  return page;
}

/** Inputs shared by Node and the page: deterministic values in [0, 1). */
const inputOf = (size: number) => Array.from({ length: size }, (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1 + 0.5 - Math.floor((Math.sin(i * 12.9898) * 43758.5453) % 1 + 0.5));

test.before(async () => {
  const geron = exampleGraph('geron');
  await bundle('geron', geron, randomizedWeights(geron));
  await bundle('geron16', geron, randomizedWeights(geron), 'float16');
  await bundle('geron8', geron, randomizedWeights(geron), 'uint8');
  const resnet = exampleGraph('tiny_resnet');
  await bundle('resnet', resnet, randomizedWeights(resnet));
  for (const name of EXAMPLES.filter((n) => n !== 'geron' && n !== 'tiny_resnet')) await bundle(name, exampleGraph(name), randomizedWeights(exampleGraph(name)));
  // The Géron bundle without its wasm binaries.
  cpSync(join(root, 'geron'), join(root, 'nowasm'), { recursive: true, filter: (path) => !path.endsWith('.wasm') });
  browser = await launchChromium();
  const pages: Record<string, string> = {};
  for (const dir of ['geron', 'geron16', 'geron8', 'resnet', 'hostile', 'nowasm', ...EXAMPLES]) pages[`/${dir}/index.html`] = PAGE;
  server = await serve(root, pages);
});

let noWebgl: Browser | undefined;
/**
 * Chromium without WebGL. `--disable-webgl` and `--disable-3d-apis` alone leave WebGL 2
 * in OffscreenCanvas (which tfjs uses); without the GPU process and its software
 * rasterizer there is none, in a canvas or offscreen.
 */
const NO_WEBGL = ['--disable-webgl', '--disable-3d-apis', '--disable-gpu', '--disable-software-rasterizer'];

test.after.always(async () => {
  await browser?.close();
  await noWebgl?.close();
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

// SwiftShader runs convolutions slowly: the CNN repeats 10 times, the MLPs 200 times.
const CASES = [['geron', 784, 200, 'webgl'], ['geron16', 784, 200, 'webgl'], ['geron8', 784, 200, 'webgl'], ['resnet', 32 * 32 * 3, 10, 'webgl'], ['geron', 784, 200, 'wasm'], ['resnet', 32 * 32 * 3, 10, 'wasm']] as const;
for (const [name, size, repeats, backend] of CASES) {
  test.serial(`${name}: runs on ${backend === 'webgl' ? 'WebGL' : backend}, predicts what Node predicts, memory stable over ${repeats} predicts`, async (t) => {
    const batch = 4;
    const x = inputOf(batch * size);
    const node = await loadBundle(join(root, name), { backend: 'wasm' });
    const expected = await node.predict(Float32Array.from(x));
    node.dispose();

    const page = await open(`/${name}/index.html?backend=${backend}`);
    const result = await page.evaluate(async ({ x, repeats }) => {
      const w = window as unknown as { model: any; loadError?: string };
      if (w.loadError) return { error: w.loadError };
      const m = w.model;
      const input = new Float32Array(x);
      const y = await m.predict(input);
      const before = m.tf.memory();
      for (let i = 0; i < repeats; i++) await m.predict(input);
      const after = m.tf.memory();
      // A tf tensor in, a tf tensor out.
      const tensor = m.tf.tensor(input, [4, ...m.inputs[0].shape.slice(1)]);
      const out = await m.predict(tensor);
      const fromTensor = Array.from(await out.data()) as number[];
      m.tf.dispose([tensor, out]);
      return {
        backend: m.tf.getBackend(),
        float32: m.tf.getBackend() === 'webgl' && m.tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED'),
        y: Array.from(y as Float32Array),
        fromTensor,
        before: { tensors: before.numTensors, bytes: before.numBytes },
        after: { tensors: after.numTensors, bytes: after.numBytes },
      };
    }, { x, repeats });
    await page.close();
    if ('error' in result) return t.fail(`load() failed in the page: ${result.error}`);
    t.is(result.backend, backend);
    if (backend === 'webgl') t.true(result.float32);
    // 1e-4: WebGL (SwiftShader) float32 shaders against WASM, after folding.
    t.true(hostMaxAbsDiff(result.y, expected) <= 1e-4, `max abs diff ${hostMaxAbsDiff(result.y, expected)}`);
    t.true(hostMaxAbsDiff(result.fromTensor, expected) <= 1e-4);
    t.deepEqual(result.after, result.before);
  });
}

test.serial('a bundle whose names hold quotes, backticks, </script> and newlines loads with model.js inlined in the page', async (t) => {
  const hostile = ['q"uote\'s', 'back`tick${1}', '</script><script>window.pwned=1</script>', 'new\nline', '<!-- c -->'];
  const builder = new GraphBuilder();
  let previous = builder.add({ kind: 'Input', name: hostile[0], inputs: [], attrs: {}, shape: [null, 3] }).id;
  for (const name of hostile.slice(1)) previous = builder.add({ kind: 'Activation', name, inputs: [previous], attrs: { activation: { name: 'relu' } }, shape: [null, 3] }).id;
  const graph = builder.build('Hostile', [0], [previous]);
  const files = await makeBundle(graph, new Map());
  writeBundle(join(root, 'hostile'), files);
  const page = await browser.newPage();
  // model.js inlined into the HTML: a </script> inside it would end the script early.
  // An inline script cannot export, so its export list becomes local bindings.
  // (model.js ends in its seal line, runtime/bundle/seal.ts, after the export list.)
  const exportList = /export\s*\{([^}]*)\};?\s*(?:\/\/ nnc-bundle sha256=[0-9a-f]{64}\n)?$/.exec(files.moduleJs);
  t.truthy(exportList);
  const locals = exportList![1].split(',').map((pair) => pair.trim().split(/\s+as\s+/)).map(([local, exported]) => `const ${exported ?? local} = ${local};`).join('');
  const inline = `<!doctype html><script type="module">${files.moduleJs.slice(0, exportList!.index)}${locals}
try {
  const m = await load(); window.names = m.inputs.map((i) => i.name).concat(m.outputs.map((o) => o.name));
  window.y = Array.from(await m.predict(new Float32Array([-1, 0, 2])));
} catch (e) { window.loadError = String(e && e.message || e); }
window.ready = true;</script>`;
  await page.route('**/inline.html', (route) => route.fulfill({ contentType: 'text/html', body: inline }));
  await page.goto(`${server.url}/hostile/inline.html`);
  await page.waitForFunction('window.ready === true', undefined, { timeout: 120_000 });
  const { names, y, pwned, loadError } = await page.evaluate(() => ({ names: (window as any).names, y: (window as any).y, pwned: (window as any).pwned, loadError: (window as any).loadError }));
  t.is(loadError, undefined);
  t.deepEqual(names, [hostile[0], hostile[hostile.length - 1]]);
  // WebGL's relu returns −0 for negative inputs; −0 + 0 is +0.
  t.deepEqual(y.map((v: number) => v + 0), [0, 0, 2]);
  t.is(pwned, undefined);
  await page.close();
});

test.serial('a truncated weights file is rejected in the page with a clear error', async (t) => {
  const dir = await bundle('truncated', exampleGraph('geron'), randomizedWeights(exampleGraph('geron')));
  const { truncateSync } = await import('node:fs');
  truncateSync(join(dir, 'weights.safetensors'), 1000);
  const page = await browser.newPage();
  await page.route('**/truncated/index.html', (route) => route.fulfill({ contentType: 'text/html', body: PAGE }));
  await page.goto(`${server.url}/truncated/index.html`);
  await page.waitForFunction('window.ready === true', undefined, { timeout: 120_000 });
  const error = await page.evaluate(() => (window as any).loadError);
  t.regex(error, /weights\.safetensors is 1000 bytes, but the manifest says \d+ \(truncated\?\)/);
  await page.close();
});

// model.js carries the layer definitions, attribute checks and decoders of what its bundle
// has only (runtime/bundle/write.ts): an edited manifest is still refused, for what the
// bundle has with the error Node's loader gives (parseModelJson, every layer kind), for a
// kind the bundle has no definition of as an unknown kind.
test.serial('a manifest edited inside model.js is refused in the page with the loader\'s own errors', async (t) => {
  const resnet = join(root, 'resnet');
  const geron8 = join(root, 'geron8');
  const edits: [string, string, (json: any) => void][] = [
    ['strides', resnet, (json) => (json.graph.nodes.find((n: any) => n.kind === 'Conv2D').attrs.strides = [0, 1])],
    ['unknown attribute', resnet, (json) => (json.graph.nodes.find((n: any) => n.kind === 'Dense').attrs.dilation_rate = [1, 1])],
    ['other kind', resnet, (json) => Object.assign(json.graph.nodes.find((n: any) => n.kind === 'ReLU'), { kind: 'ELU', attrs: { alpha: 1 } })],
    ['scale', geron8, (json) => (json.weights.tensors.find((w: any) => w.dtype === 'U8').quantization.scale[3] = 0)],
    ['float with parameters', resnet, (json) => (json.weights.tensors[0].quantization = { axis: null, scale: [1], zeroPoint: [0] })],
    ['quantized in a float bundle', resnet, (json) => Object.assign(json.weights.tensors[0], { dtype: 'U8', quantization: { axis: null, scale: [1], zeroPoint: [0] } })],
  ];
  const seen: Record<string, string> = {};
  for (const [what, dir, edit] of edits) {
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const modelJs = readFileSync(join(dir, 'model.js'), 'utf8');
    const original = manifestLiteral(readFileSync(join(dir, 'model.json'), 'utf8'));
    t.true(modelJs.includes(original));
    edit(json);
    const file = `edited-${what.replace(/ /g, '-')}.js`;
    writeFileSync(join(dir, file), modelJs.replace(original, manifestLiteral(JSON.stringify(json, null, 1))));
    const page = await browser.newPage();
    await page.route(`**/${file}.html`, (route) => route.fulfill({ contentType: 'text/html', body: PAGE.replace('./model.js', `./${file}`) }));
    await page.goto(`${server.url}/${dir === resnet ? 'resnet' : 'geron8'}/${file}.html`);
    await page.waitForFunction('window.ready === true', undefined, { timeout: 120_000 });
    seen[what] = await page.evaluate(() => (window as any).loadError);
    await page.close();
    if (what !== 'other kind' && what !== 'quantized in a float bundle') t.is(seen[what], t.throws(() => parseModelJson(JSON.stringify(json), 'model.json'))!.message, what);
  }
  t.is(seen.strides, "model.json: node 1 'conv2d' (Conv2D) attribute 'strides' must be a pair of integers ≥ 1, found [0,1]");
  t.is(seen['unknown attribute'], "model.json: node 15 'dense' (Dense) has unknown attribute 'dilation_rate'");
  t.is(seen['other kind'], 'model.json: node 5 \'re_lu_2\' has unknown kind "ELU"');
  t.regex(seen.scale, /^model\.json: tensor '[\w/]+' \(U8\) quantization scale 0 at channel 3 is not a positive finite number$/);
  t.regex(seen['float with parameters'], /^model\.json: tensor '[\w/]+' is F32 but has quantization parameters$/);
  // A float bundle's model.js has no dequantization: a tensor claimed quantized is refused by name.
  t.regex(seen['quantized in a float bundle'], /^model\.json: tensor '[\w/]+' \(U8\) is quantized, but this bundle was built for float weights and has no decoder for it$/);
});

/** Loads `/<dir>/index.html[?backend=B]` and returns what the page saw: backend, report, outputs for a batch of 2, or the load error. */
async function loadIn(on: Browser, dir: string, backend?: string): Promise<{ error?: string; backend?: string; report?: string; y?: number[]; inputSize?: number }> {
  const page = await open(`/${dir}/index.html${backend ? `?backend=${backend}` : ''}`, on);
  const result = await page.evaluate(async () => {
    const w = window as unknown as { model: any; loadError?: string };
    if (w.loadError) return { error: w.loadError };
    const m = w.model;
    const inputSize = m.inputs[0].shape.slice(1).reduce((a: number, b: number) => a * b, 1);
    const x = new Float32Array(2 * inputSize).map((_, i) => Math.sin(i * 0.37));
    return { backend: m.backend, report: m.backendReport, y: Array.from(await m.predict(x)) as number[], inputSize };
  });
  await page.close();
  return result;
}

for (const name of EXAMPLES) {
  test.serial(`${name}: its bundle registers only its graph's kernels and predicts what Node predicts, on WebGL and on wasm`, async (t) => {
    const dir = name === 'tiny_resnet' ? 'resnet' : name;
    const node = await loadBundle(join(root, dir), { backend: 'wasm' });
    for (const backend of ['webgl', 'wasm']) {
      const result = await loadIn(browser, dir, backend);
      if (result.error) return t.fail(`${backend}: ${result.error}`);
      const x = new Float32Array(2 * result.inputSize!).map((_, i) => Math.sin(i * 0.37));
      const expected = await node.predict(x);
      t.is(result.backend, backend);
      t.is(result.report, `${backend} (asked for)`);
      // 1e-4: WebGL (SwiftShader) float32 shaders against Node's wasm; wasm against wasm is closer.
      t.true(hostMaxAbsDiff(result.y!, expected) <= 1e-4, `${backend}: max abs diff ${hostMaxAbsDiff(result.y!, expected)}`);
    }
    node.dispose();
  });
}

// The compile-only warm-up (ENGINE_COMPILE_ONLY) compiles every program without running
// it; the weights are uploaded then (packed on the CPU, no program: webglPackedTransfer.ts)
// and the graph runs for real on the first predict.
for (const dir of ['geron', 'resnet']) {
  test.serial(`${dir}: after load({ warmUp: 'compile-only' }) on WebGL, every program is compiled and the weights uploaded without running one; the first predict compiles nothing and is right`, async (t) => {
    const node = await loadBundle(join(root, dir), { backend: 'wasm' });
    const page = await open(`/${dir}/index.html?backend=webgl&warmUp=compile-only`);
    const result = await page.evaluate(async () => {
      const w = window as unknown as { model: any; loadError?: string; _tfengine: any };
      if (w.loadError) return { error: w.loadError };
      const m = w.model;
      // (No named function in here: tsx would wrap it in a helper the page does not have.)
      const compiled = Object.keys(w._tfengine.backend.binaryCache).length;
      const gpuBytes = m.tf.memory().numBytesInGPU;
      const size = m.inputs[0].shape.slice(1).reduce((a: number, b: number) => a * b, 1);
      const x = new Float32Array(size).map((_, i) => Math.sin(i * 0.37));
      const y = Array.from(await m.predict(x, [1, ...m.inputs[0].shape.slice(1)])) as number[];
      return { compiled, after: Object.keys(w._tfengine.backend.binaryCache).length, y, size, gpuBytes, gpuBytesAfter: m.tf.memory().numBytesInGPU };
    });
    await page.close();
    if ('error' in result) return t.fail(`load() failed in the page: ${result.error}`);
    const x = new Float32Array(result.size!).map((_, i) => Math.sin(i * 0.37));
    const expected = await node.predict(x);
    node.dispose();
    // Géron's graph: one program for its three dense layers (the bundle's products share one
    // across K and across ReLU / none) and its softmax; no upload or read-back program.
    if (dir === 'geron') t.is(result.compiled, 2);
    else t.true(result.compiled! >= 3, `${result.compiled} programs compiled at load`);
    // The weights are on the GPU after the warm-up: the first predict adds no texture that stays.
    // (Without them, the first predict would upload them: more GPU bytes after it.)
    t.true(result.gpuBytes! > 0);
    t.is(result.gpuBytesAfter, result.gpuBytes);
    // The read-back needs no decode program: nothing is left to compile for the first predict.
    t.is(result.after! - result.compiled!, 0, `${result.after! - result.compiled!} programs compiled by the first predict`);
    t.true(hostMaxAbsDiff(result.y!, expected) <= 1e-4, `max abs diff ${hostMaxAbsDiff(result.y!, expected)}`);
  });
}

test.serial('by default, with WebGL running in software (SwiftShader), the bundle picks wasm and says why', async (t) => {
  const result = await loadIn(browser, 'geron');
  t.is(result.error, undefined);
  t.is(result.backend, 'wasm');
  t.regex(result.report!, /^wasm \(webgl: software renderer '[^']*SwiftShader[^']*', slower than wasm\)$/);
});

test.serial('with WebGL disabled, the default runs on wasm; asking for WebGL is a clear error', async (t) => {
  noWebgl = await launchChromium(NO_WEBGL);
  const result = await loadIn(noWebgl, 'geron');
  t.is(result.error, undefined);
  t.is(result.backend, 'wasm');
  t.regex(result.report!, /^wasm \(webgl: .+\)$/);
  t.log(result.report);
  const node = await loadBundle(join(root, 'geron'), { backend: 'wasm' });
  const expected = await node.predict(new Float32Array(2 * 784).map((_, i) => Math.sin(i * 0.37)));
  node.dispose();
  t.true(hostMaxAbsDiff(result.y!, expected) <= 1e-5);
  const asked = await loadIn(noWebgl, 'geron', 'webgl');
  t.regex(asked.error!, /^cannot run this model on the 'webgl' backend: .+/);
});

test.serial('with the wasm binaries missing: the default falls back (WebGL, or CPU without WebGL) and says so; asking for wasm is a clear error', async (t) => {
  const onWebgl = await loadIn(browser, 'nowasm');
  t.is(onWebgl.error, undefined);
  t.is(onWebgl.backend, 'webgl');
  t.regex(onWebgl.report!, /^webgl \(renderer '[^']*SwiftShader[^']*'\); wasm: .*\.wasm.*$/);
  const withoutWebgl = await loadIn(noWebgl ??= await launchChromium(NO_WEBGL), 'nowasm');
  t.is(withoutWebgl.error, undefined);
  t.is(withoutWebgl.backend, 'cpu');
  t.regex(withoutWebgl.report!, /^cpu \(webgl: .+; wasm: .*\.wasm.*\)$/);
  t.log(onWebgl.report, '|', withoutWebgl.report);
  const asked = await loadIn(browser, 'nowasm', 'wasm');
  t.regex(asked.error!, /^cannot run this model on the 'wasm' backend: .*\.wasm.*/);
});
