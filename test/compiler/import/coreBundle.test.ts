// importModel runs without Node: the platform-neutral core (src/core.ts) bundled for the
// browser by esbuild imports the real mnist-cnn .keras in a plain V8 context with no Node
// globals — zip, HDF5 (jsfive, no wasm) and the language's checks included.

import test from 'ava';
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';

const ROOT = join(import.meta.dirname, '..', '..', '..');

test('importModel from the browser bundle of src/core.ts reads a .keras and a TensorFlow.js model without Node', async (t) => {
  const result = await build({ entryPoints: [join(ROOT, 'src/core.ts')], bundle: true, platform: 'browser', format: 'iife', globalName: 'nnc', write: false, metafile: true, logLevel: 'silent' });
  t.deepEqual(Object.keys(result.metafile.inputs).filter((path) => path.startsWith('node:') || /h5wasm/.test(path)), []);
  const context: Record<string, unknown> = { TextEncoder, TextDecoder, console };
  runInNewContext(`${result.outputFiles[0].text}\nthis.nnc = nnc;`, context);
  const core = context.nnc as typeof import('../../../src/core.js');

  const keras = new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/keras/mnist-cnn/mnist_cnn.keras')));
  const imported = core.importModel(new Map([['mnist_cnn.keras', keras]]));
  t.is(core.summarize(imported.graph).totalParams, 331_754);
  t.is(imported.weights.size, 32);
  t.true(imported.source.includes('model sequential_1 {'));

  const dir = join(ROOT, 'test/fixtures/tfjs/all-layers-float16');
  const files = new Map(['model.json', 'group1-shard1of1.bin'].map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));
  t.is(core.importModel(files, 'model.json').graph.name, 'tfjs_all_layers');
});
