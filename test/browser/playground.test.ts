// The playground in real Chromium (SwiftShader WebGL): a diagnostic marker at the right
// place with the CLI's did-you-mean, Géron's summary once fixed, the graph before and
// after folding, Run on WebGL against Node's wasm, keyboard use, the bundle downloaded
// from the page (checked and run by nnc in Node and loaded in Chromium), no console error.
// Screenshots of each state go to docs/playground/ (the README links them).

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { initNodeBackend } from '../../runtime/backends/node.js';
import { loadBundle } from '../../runtime/bundle/node.js';
import { initializeWeights } from '../../runtime/initializers.js';
import { Model } from '../../runtime/model.js';
import { buildPlayground } from '../../scripts/playground.js';
import { importModel } from '../../compiler/import/importModel.js';
import { readNpyFloat32 } from '../../src/formats/npy.js';
import { exampleGraph, hostMaxAbsDiff } from '../helpers/models.js';
import { type StaticServer, launchChromium, serve } from '../helpers/browser.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SHOTS = join(ROOT, 'docs', 'playground');
const GERON = readFileSync(join(ROOT, 'examples', 'geron.nn'), 'utf8');

let browser: Browser;
let server: StaticServer;
let out: string;
let page: Page;
const problems: string[] = [];

test.before(async () => {
  out = await buildPlayground(mkdtempSync(join(tmpdir(), 'nnc-playground-')));
  server = await serve(out);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto(`${server.url}/`);
  await page.waitForFunction(() => document.querySelector('#summary-text')?.textContent?.includes('Total params'));
  mkdirSync(SHOTS, { recursive: true });
});

test.after.always(async () => {
  await browser?.close();
  await server?.close();
  if (out) rmSync(out, { recursive: true, force: true });
});

/** Replaces the editor's text by typing it, as a user would, through the keyboard. */
async function typeSource(text: string): Promise<void> {
  await page.click('.cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.evaluate((t) => (window as unknown as { nncPlayground: { setSource(t: string): void } }).nncPlayground.setSource(t), text);
}

test.serial('an unknown layer is marked at its line and column with the did-you-mean; the text is kept', async (t) => {
  await typeSource(GERON);
  // Type the mistake key by key on line 10 ('  Dense(100, ...)' → '  Dence(100, ...)').
  const line = await page.locator('.cm-line').nth(9);
  await line.click();
  await page.keyboard.press('Home');
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight'); // Home lands after the indentation: now after "Dens"
  await page.keyboard.press('Backspace');
  await page.keyboard.type('c');
  await page.waitForSelector('.cm-lintRange-error');
  t.is(await page.locator('.cm-lintRange-error').first().textContent(), 'Dence');
  await page.waitForFunction(() => document.querySelector('#diagnostics')?.textContent?.startsWith('model.nn:10:3'));
  t.is(await page.locator('#diagnostics').textContent(), "model.nn:10:3: error: unknown layer or block 'Dence'; did you mean 'Dense'?\n   |\n10 |   Dence(100, activation=relu)\n   |   ^^^^^");
  t.is(await page.locator('#summary-text').textContent(), 'The model has errors (see the diagnostics).');
  t.true((await page.evaluate(() => (window as any).nncPlayground.editor.state.doc.toString())).includes('Dence(100'));
  await page.screenshot({ path: join(SHOTS, '1-diagnostic.png') });
});

test.serial("fixing it shows Géron's summary with Keras's 271,346 parameters", async (t) => {
  await page.keyboard.press('Backspace');
  await page.keyboard.type('s');
  await page.waitForFunction(() => document.querySelector('#summary-text')?.textContent?.includes('Total params'));
  const summary = (await page.locator('#summary-text').textContent())!;
  t.regex(summary, /Total params: 271,346 \(1\.04 MB\)/);
  t.regex(summary, /Trainable params: 268,978/);
  t.regex(summary, /Non-trainable params: 2,368/);
  t.is(await page.locator('#diagnostics').textContent(), '');
  await page.screenshot({ path: join(SHOTS, '2-summary.png') });
});

test.serial('the graph: 7 ops before folding, 4 after, a BN’s fate shown from the keyboard', async (t) => {
  await page.click('#tab-graph');
  t.is(await page.locator('#graph-before g.op').count(), 7);
  t.is(await page.locator('#graph-after g.op').count(), 4);
  await page.locator('#graph-before g[data-name="batch_normalization_1"]').focus();
  await page.keyboard.press('Enter');
  t.regex((await page.locator('#fate').textContent())!, /^BatchNormalization 'batch_normalization_1' → \[None, 300\]\nfolded into the weights of 'dense_1' after it/);
  await page.screenshot({ path: join(SHOTS, '3-graph.png') });
});

test.serial("Run on WebGL: outputs sum to 1 and equal Node's (wasm) within 1e-4", async (t) => {
  await page.click('#tab-run');
  await page.click('#run-random');
  await page.waitForFunction(() => (window as any).nncPlayground.state.lastRun !== null, undefined, { timeout: 120_000 });
  const run = await page.evaluate(() => {
    const r = (window as any).nncPlayground.state.lastRun;
    return { backend: r.backend, input: [...r.inputs[0].data] as number[], shape: r.inputs[0].shape as number[], output: [...r.outputs[0].data] as number[] };
  });
  t.is(run.backend, 'webgl');
  t.deepEqual(run.shape, [1, 28, 28]);
  t.true(Math.abs(run.output.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  // Node: the same graph, the same initial weights (seed 0), the page's input, on wasm.
  await initNodeBackend('wasm');
  const graph = exampleGraph('geron');
  const model = new Model(graph, initializeWeights(graph, 0), 'wasm');
  const [expected] = await model.predictHost({ shape: run.shape, data: Float32Array.from(run.input) });
  model.dispose();
  // 1e-4: WebGL on SwiftShader and wasm round float32 differently through 3 Dense layers and a softmax.
  const diff = Math.max(...run.output.map((v, i) => Math.abs(v - expected.data[i])));
  t.true(diff <= 1e-4, `max abs diff ${diff}`);
  t.regex((await page.locator('#run-output').textContent())!, /^backend: webgl; weights: initial \(seed 0/);
  await page.screenshot({ path: join(SHOTS, '4-run.png') });
  t.is(tf.getBackend(), 'wasm');
});

test.serial('the source is in the URL: a fresh page opened on the link shows the same text', async (t) => {
  await page.waitForFunction(() => location.hash.length > 1);
  const link = page.url();
  const other = await browser.newPage();
  await other.goto(link);
  await other.waitForFunction(() => document.querySelector('#summary-text')?.textContent?.includes('Total params'));
  t.is(await other.evaluate(() => (window as any).nncPlayground.editor.state.doc.toString()), GERON);
  await other.close();
});

test.serial("opening a Keras file shows its .nn (the text nnc import writes) and Keras's parameter counts", async (t) => {
  const file = join(ROOT, 'test', 'fixtures', 'keras', 'mnist-cnn', 'mnist_cnn.keras');
  const expected = importModel(new Map([['mnist_cnn.keras', new Uint8Array(readFileSync(file))]])).source;
  await page.setInputFiles('#open', file);
  await page.waitForFunction((text) => (window as any).nncPlayground.editor.state.doc.toString() === text, expected);
  await page.click('#tab-summary');
  await page.waitForFunction(() => document.querySelector('#summary-text')?.textContent?.includes('331,754'));
  t.regex((await page.locator('#summary-text').textContent())!, /Total params: 331,754[\s\S]*Trainable params: 330,858[\s\S]*Non-trainable params: 896/);
  t.regex((await page.locator('#status').textContent())!, /^imported mnist_cnn\.keras \(keras\)/);
  await page.screenshot({ path: join(SHOTS, '5-keras.png') });
});

test.serial('Download bundle (from the keyboard): a zip of a bundle nnc checks and runs in Node, and Chromium loads, predicting the Keras reference', async (t) => {
  // The page holds mnist_cnn.keras, opened above, with its trained weights.
  const fixture = join(ROOT, 'test', 'fixtures', 'keras', 'mnist-cnn');
  const input = readNpyFloat32(new Uint8Array(readFileSync(join(fixture, 'input.npy'))), 'input.npy');
  const reference = readNpyFloat32(new Uint8Array(readFileSync(join(fixture, 'output.npy'))), 'output.npy');
  await page.locator('#download-bundle').focus();
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.keyboard.press('Enter')]);
  t.is(download.suggestedFilename(), 'sequential_1-bundle.zip');
  const entries = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
  const names = Object.keys(entries).sort();
  t.deepEqual(names.filter((n) => !/^sequential_1-bundle\/(cpu|wasm|webgl|chunk)-[A-Z0-9]{8}\.js$/.test(n)), [
    'sequential_1-bundle/model.js',
    'sequential_1-bundle/model.json',
    'sequential_1-bundle/tfjs-backend-wasm-simd.wasm',
    'sequential_1-bundle/tfjs-backend-wasm.wasm',
    'sequential_1-bundle/weights.safetensors',
  ]);
  t.true(['cpu', 'wasm', 'webgl'].every((backend) => names.some((n) => n.startsWith(`sequential_1-bundle/${backend}-`))));
  // Served beside the page, with the README's loader page.
  for (const [name, bytes] of Object.entries(entries)) {
    mkdirSync(join(out, 'downloads', name, '..'), { recursive: true });
    writeFileSync(join(out, 'downloads', name), bytes);
  }
  const dir = join(out, 'downloads', 'sequential_1-bundle');
  t.regex(readFileSync(join(dir, 'model.js'), 'utf8'), /\n\/\/ nnc-bundle sha256=[0-9a-f]{64}\n$/);

  // Node: nnc's bundle loader (`nnc run DIR`'s) checks model.json, the weights' hash and model.js's seal.
  const node = await loadBundle(dir, { backend: 'wasm' });
  const ours = await node.predict(Float32Array.from(input.data), input.shape);
  node.dispose();
  // 1e-5 against the float64 NumPy forward pass beside the Keras file (SOURCE.md).
  t.true(hostMaxAbsDiff([...ours], reference.data) <= 1e-5, `Node: max abs diff ${hostMaxAbsDiff([...ours], reference.data)}`);
  // The seal is checked, not just present: one byte of model.js changed, and the loader refuses it.
  const moduleJs = readFileSync(join(dir, 'model.js'), 'utf8');
  const tampered = join(out, 'downloads', 'tampered');
  mkdirSync(tampered);
  for (const name of ['model.json', 'weights.safetensors']) writeFileSync(join(tampered, name), readFileSync(join(dir, name)));
  writeFileSync(join(tampered, 'model.js'), moduleJs.replace('manifestText', 'manifestTexT'));
  await t.throwsAsync(loadBundle(tampered), { message: /model\.js is corrupted: its SHA-256 is [0-9a-f]{64}, its seal says [0-9a-f]{64}/ });

  // Chromium: the unzipped folder is a bundle a page loads, as one `nnc build` writes.
  writeFileSync(join(dir, 'index.html'), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module">
import { load } from './model.js';
try { window.model = await load(); } catch (e) { window.loadError = String(e && e.message || e); }
window.ready = true;
</script>`);
  const other = await browser.newPage();
  other.on('console', (message) => message.type() === 'error' && problems.push(`bundle page console: ${message.text()}`));
  other.on('pageerror', (error) => problems.push(`bundle page error: ${error.message}`));
  other.on('response', (response) => response.status() >= 400 && problems.push(`bundle page: HTTP ${response.status()} for ${response.url()}`));
  await other.goto(`${server.url}/downloads/sequential_1-bundle/index.html`);
  await other.waitForFunction('window.ready === true', undefined, { timeout: 120_000 });
  const inPage = await other.evaluate(async ({ x, shape }) => {
    const w = window as unknown as { model: any; loadError?: string };
    if (w.loadError) return { error: w.loadError };
    return { backend: w.model.backendReport as string, y: Array.from((await w.model.predict(new Float32Array(x), shape)) as Float32Array) };
  }, { x: [...input.data], shape: [...input.shape] });
  await other.close();
  if ('error' in inPage) return t.fail(`load() failed in the page: ${inPage.error}`);
  // The default on SwiftShader is wasm (WebGL in software is slower): the same arithmetic as Node's.
  t.regex(inPage.backend, /^wasm \(webgl: software renderer/);
  t.true(hostMaxAbsDiff(inPage.y, reference.data) <= 1e-5, `Chromium: max abs diff ${hostMaxAbsDiff(inPage.y, reference.data)}`);
  t.regex((await page.locator('#status').textContent())!, /^downloaded sequential_1-bundle\.zip: model\.json, weights\.safetensors, model\.js, /);
});

test.serial('the page logged no console error and threw nothing', (t) => {
  t.deepEqual(problems, []);
});
