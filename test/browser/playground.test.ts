// The playground in real Chromium (SwiftShader WebGL): a diagnostic marker at the right
// place with the CLI's did-you-mean, Géron's summary once fixed, the graph before and
// after folding, Run on WebGL against Node's wasm, keyboard use, no console error.
// Screenshots of each state go to docs/playground/ (the README links them).

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { initNodeBackend } from '../../runtime/backends/node.js';
import { initializeWeights } from '../../runtime/initializers.js';
import { Model } from '../../runtime/model.js';
import { buildPlayground } from '../../scripts/playground.js';
import { importModel } from '../../compiler/import/importModel.js';
import { exampleGraph } from '../helpers/models.js';
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

test.serial('the page logged no console error and threw nothing', (t) => {
  t.deepEqual(problems, []);
});
