// `npm start`: the main job, end to end, on the bundled Géron example.
//   1. check every example and summarize Géron's model (Keras's numbers);
//   2. weights: Géron's recipe (SGD, lr 1e-3, batch 32) on Fashion-MNIST, one epoch by
//      default — `npm start -- --epochs 10` for the full reproduction (~12 min);
//   3. build: optimize (fusion report), verify, write the bundle;
//   4. verify on real Fashion-MNIST images and run the bundle on them;
//   5. inference time before and after optimization on the local backend.
// Everything goes to out/ (ignored by git).

import { readdirSync } from 'node:fs';
import { optimize } from '../compiler/passes/pipeline.js';
import { initNodeBackend } from '../runtime/backends/node.js';
import { Model } from '../runtime/model.js';
import { readWeightsFile } from '../src/cli/files.js';
import { loadModel } from '../src/cli/loadModel.js';
import { main } from '../src/cli/main.js';
import { formatMs, pairedRatio, timeInterleaved } from '../bench/timing.js';

const EXAMPLE = 'examples/geron.nn';
const SAMPLES = 'examples/fashion-mnist-4.npy';
const WEIGHTS = 'out/geron.safetensors';
const BUNDLE = 'out/geron-bundle';

async function step(title: string, argv: string[]): Promise<void> {
  process.stdout.write(`\n== ${title}\n$ nnc ${argv.join(' ')}\n`);
  const code = await main(argv);
  if (code !== 0) {
    process.stderr.write(`npm start: 'nnc ${argv[0]}' failed (exit ${code})\n`);
    process.exit(code);
  }
}

const examples = readdirSync('examples').filter((f) => f.endsWith('.nn')).sort().map((f) => `examples/${f}`);
await step('check the examples', ['check', ...examples]);
await step("summary of Géron's model", ['summary', EXAMPLE]);
const epochsFlag = process.argv.indexOf('--epochs');
const epochs = epochsFlag > 0 ? process.argv[epochsFlag + 1] : '1';
if (!/^[1-9]\d*$/.test(epochs ?? '')) {
  process.stderr.write(`npm start: --epochs expects a positive integer, found '${epochs}'\n`);
  process.exit(2);
}
await step(`train on Fashion-MNIST (${epochs} epoch${epochs === '1' ? '' : 's'})`, ['train', EXAMPLE, '--data', 'fashion-mnist', '--epochs', epochs, '--batch-size', '32', '--optimizer', 'sgd', '--lr', '1e-3', '--seed', '0', '--out', WEIGHTS]);
await step('optimize, verify and bundle', ['build', EXAMPLE, '--weights', WEIGHTS, '--out', BUNDLE]);
await step('verify on Fashion-MNIST test images', ['verify', EXAMPLE, '--weights', WEIGHTS, '--input', SAMPLES]);
await step('run the bundle on them (their labels: 7 Sneaker, 8 Bag, 4 Coat, 6 Shirt)', ['run', BUNDLE, '--input', SAMPLES]);
await step('test accuracy of the bundle', ['evaluate', BUNDLE, '--data', 'fashion-mnist']);

// 5. Time inference of the original and the optimized graph, side by side, same input.
process.stdout.write('\n== inference time before and after optimization\n');
const io = { stdout: (s: string) => process.stdout.write(s), stderr: (s: string) => process.stderr.write(s), isTTY: false };
const graph = await loadModel(EXAMPLE, undefined, io);
const weights = readWeightsFile(WEIGHTS);
const optimized = optimize({ graph, weights });
const backend = await initNodeBackend();
const before = new Model(graph, weights, backend);
const after = new Model(optimized.graph, optimized.weights!, backend);
// Interleaved rounds (each visit warmed by one untimed run) and the per-round ratio:
// steady on a shared machine, where two medians taken one after the other are not.
for (const [batch, runs] of [[1, 300], [32, 100]] as const) {
  const input = { shape: [batch, 28, 28], data: Float32Array.from({ length: batch * 784 }, (_, i) => (i * 0.618034) % 1) };
  const [a, b] = await timeInterleaved([() => before.predictHost(input), () => after.predictHost(input)], { warmup: 30, runs, rewarm: true });
  const ratio = pairedRatio(a, b);
  process.stdout.write(
    `${backend}, batch ${String(batch).padStart(2)}: ${formatMs(a.median)} before, ${formatMs(b.median)} after optimization (median of ${runs} interleaved rounds): ` +
      `${ratio.median.toFixed(2)}x faster (p25–p75 ${ratio.p25.toFixed(2)}–${ratio.p75.toFixed(2)})\n`,
  );
}
before.dispose();
after.dispose();
process.stdout.write(`\nbundle written to ${BUNDLE}/: serve that folder and import { load } from './model.js' in a page.\n`);
