// What the importer refuses, each case with its exact message: hostile or broken files
// (before anything large is allocated), and models nnc cannot express — every unsupported
// layer listed at once, by name.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { importModel } from '../../../compiler/import/importModel.js';
import { NncError } from '../../../src/diagnostics.js';
import { buildZip } from '../../src/formats/zipBuilder.js';

const KERAS = new URL('../../fixtures/keras/', import.meta.url);
const TFJS = new URL('../../fixtures/tfjs/sequential/', import.meta.url);
const keras = (name: string) => new Uint8Array(readFileSync(new URL(name, KERAS)));
const text = (s: string) => new TextEncoder().encode(s);

/** The messages of the NncError an import throws. */
function refusal(files: Map<string, Uint8Array>, main?: string): string[] {
  try {
    importModel(files, main);
  } catch (e) {
    if (e instanceof NncError) return e.diagnostics.map((d) => d.message);
    throw e;
  }
  throw new Error('the import succeeded');
}

// --- zip

test('a .keras that is not a zip archive', (t) => {
  t.deepEqual(refusal(new Map([['bad.keras', new Uint8Array([0x50, 0x4b, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])]])), ["'bad.keras' is not a valid zip archive: invalid zip data"]);
});

test('a .keras cut short', (t) => {
  t.deepEqual(refusal(new Map([['cut.keras', keras('nested.keras').slice(0, 20_000)]])), ["'cut.keras' is not a valid zip archive: invalid zip data"]);
});

test("a zip entry named with '..'", (t) => {
  const zip = buildZip([{ name: 'config.json', content: text('{}') }, { name: '../evil.txt', content: text('x') }]);
  t.deepEqual(refusal(new Map([['evil.keras', zip]])), [`zip archive 'evil.keras' is refused: entry "../evil.txt" has a '..' segment; nnc reads only plain relative names`]);
});

test('a zip entry with an absolute name', (t) => {
  const zip = buildZip([{ name: '/etc/passwd', content: text('x') }]);
  t.deepEqual(refusal(new Map([['abs.keras', zip]])), [`zip archive 'abs.keras' is refused: entry "/etc/passwd" has an absolute path; nnc reads only plain relative names`]);
});

test('a zip entry declaring more bytes than the limit is refused before it is inflated', (t) => {
  const zip = buildZip([{ name: 'model.weights.h5', content: text('tiny'), method: 8, uncompressedSize: 0xf000_0000 }]);
  t.deepEqual(refusal(new Map([['big.keras', zip]])), ["zip archive 'big.keras' is refused: entry 'model.weights.h5' declares 4026531840 bytes, more than the limit of 1073741824"]);
});

test('a deflated zip entry declaring more than deflate can expand', (t) => {
  const zip = buildZip([{ name: 'config.json', content: text('{}'), method: 8, uncompressedSize: 50_000_000 }]);
  t.deepEqual(refusal(new Map([['bomb.keras', zip]])), ["zip archive 'bomb.keras' is refused: entry 'config.json' declares 50000000 bytes from 4 compressed, more than deflate can expand"]);
});

test('a .keras without config.json', (t) => {
  const zip = buildZip([{ name: 'model.weights.h5', content: text('x') }]);
  t.deepEqual(refusal(new Map([['w.keras', zip]])), ["'w.keras' is a zip archive without config.json: not a Keras .keras file"]);
});

// --- HDF5

test('an HDF5 dataset whose declared size exceeds the file is refused before it is read', (t) => {
  t.deepEqual(refusal(new Map([['hostile-hdf5-size.h5', keras('hostile-hdf5-size.h5')]])), [
    "HDF5 dataset '/model_weights/dense/dense/kernel:0' in 'hostile-hdf5-size.h5' declares 200000000 values (800000000 bytes), more than the 9096-byte file can hold",
  ]);
});

test('an HDF5 file shorter than its superblock declares', (t) => {
  t.deepEqual(refusal(new Map([['cut.h5', keras('legacy-keras2-functional.h5').slice(0, 8000)]])), ["HDF5 file 'cut.h5' is truncated: its superblock declares 19272 bytes, the file has 8000"]);
});

test('an .h5 holding weights only', (t) => {
  const inner = readZipEntry(keras('nested.keras'), 'model.weights.h5');
  t.deepEqual(refusal(new Map([['weights.h5', inner]])), [`'weights.h5' holds no model_config attribute: it has weights only (model.save_weights); nnc needs the whole model (model.save("model.h5"))`]);
});

function readZipEntry(zip: Uint8Array, name: string): Uint8Array {
  // The fixtures are stored (not deflated): find the entry's local header and take its bytes.
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let at = 0; at + 30 < zip.length; ) {
    const size = view.getUint32(at + 18, true);
    const nameLength = view.getUint16(at + 26, true);
    const extra = view.getUint16(at + 28, true);
    const entry = new TextDecoder().decode(zip.subarray(at + 30, at + 30 + nameLength));
    const start = at + 30 + nameLength + extra;
    if (entry === name) return zip.slice(start, start + size);
    at = start + size;
  }
  throw new Error(`no ${name}`);
}

// --- TensorFlow.js shards

function tfjsFiles(): Map<string, Uint8Array> {
  return new Map([
    ['model.json', new Uint8Array(readFileSync(new URL('model.json', TFJS)))],
    ['group1-shard1of1.bin', new Uint8Array(readFileSync(new URL('group1-shard1of1.bin', TFJS)))],
  ]);
}

test('a missing shard', (t) => {
  const files = tfjsFiles();
  files.delete('group1-shard1of1.bin');
  t.deepEqual(refusal(files, 'model.json'), ["shard 'group1-shard1of1.bin' listed in 'model.json' is missing"]);
});

test('a truncated shard', (t) => {
  const files = tfjsFiles();
  files.set('group1-shard1of1.bin', files.get('group1-shard1of1.bin')!.slice(0, 400));
  t.deepEqual(refusal(files, 'model.json'), ["shards 'group1-shard1of1.bin' hold 400 bytes, but 'model.json' describes 460: a shard is truncated"]);
});

test('shard bytes that do not match the manifest', (t) => {
  const files = tfjsFiles();
  const shard = files.get('group1-shard1of1.bin')!;
  const longer = new Uint8Array(shard.length + 8);
  longer.set(shard);
  files.set('group1-shard1of1.bin', longer);
  t.deepEqual(refusal(files, 'model.json'), ["shards 'group1-shard1of1.bin' hold 468 bytes, but 'model.json' describes 460: the shards do not match the manifest"]);
});

test('a weight that is not finite', (t) => {
  const files = tfjsFiles();
  const shard = files.get('group1-shard1of1.bin')!.slice();
  new DataView(shard.buffer).setFloat32(4 * 3, Number.NaN, true);
  files.set('group1-shard1of1.bin', shard);
  t.deepEqual(refusal(files, 'model.json'), ["weight 'dense_a/kernel' of 'model.json' holds NaN at index 3; weights must be finite"]);
});

test('a shard path that leaves the model folder', (t) => {
  const files = tfjsFiles();
  const json = JSON.parse(new TextDecoder().decode(files.get('model.json')));
  json.weightsManifest[0].paths = ['../../secret.bin'];
  files.set('model.json', text(JSON.stringify(json)));
  t.deepEqual(refusal(files, 'model.json'), [`'model.json': shard path "../../secret.bin" has a '..' segment; shards must sit beside model.json`]);
});

// --- models nnc cannot express

const input = { class_name: 'InputLayer', name: 'image', config: { batch_input_shape: [null, 8, 8, 3], dtype: 'float32', name: 'image' }, inbound_nodes: [] };

/** A TensorFlow.js model.json (Keras 2 spelling) of `layers`, each fed by the image; no weights. */
function modelJson(layers: readonly object[], outputs: readonly string[]): Map<string, Uint8Array> {
  const topology = { class_name: 'Model', config: { name: 'refused', layers: [input, ...layers], input_layers: [['image', 0, 0]], output_layers: outputs.map((o) => [o, 0, 0]) } };
  return new Map([['model.json', text(JSON.stringify({ format: 'layers-model', modelTopology: topology, weightsManifest: [] }))]]);
}

const fed = (name: string, className: string, config: object, extra: object = {}) => ({ class_name: className, name, config: { name, ...config }, inbound_nodes: [[['image', 0, 0, {}]]], ...extra });

const CASES: readonly [string, object, string][] = [
  ['a layer class the language lacks', fed('pool', 'GlobalMaxPooling3D', {}), "layer 'pool' is a GlobalMaxPooling3D, which nnc cannot express yet"],
  ['a Lambda layer', fed('lambda', 'Lambda', { function: 'x' }), "layer 'lambda' is a Lambda layer (Python code, not stored in the file), which nnc cannot import"],
  ['a TFSMLayer', fed('saved', 'TFSMLayer', {}), "layer 'saved' is a TFSMLayer (a TensorFlow SavedModel, not Keras layers), which nnc cannot import"],
  ['a custom layer', fed('mine', 'MyLayer', {}, { module: 'my_package', registered_name: 'Custom>MyLayer' }), "layer 'mine' is a custom layer (Custom>MyLayer), which nnc cannot import: its code is not in the file"],
  ['channels_first', fed('conv_cf', 'Conv2D', { filters: 2, kernel_size: [1, 1], data_format: 'channels_first' }), `layer 'conv_cf' (Conv2D) has data_format="channels_first"; nnc works on channels_last images only (transpose the model to channels_last in Keras first)`],
  ['an option nnc would ignore', fed('odd', 'Dense', { units: 2, kernel_quantizer: 'int8' }), `layer 'odd' (Dense) has the option kernel_quantizer="int8", which nnc cannot express; it would be ignored and change the results`],
  ['a grouped depthwise convolution', fed('grouped', 'DepthwiseConv2D', { kernel_size: [1, 1], groups: 3 }), "layer 'grouped' (DepthwiseConv2D) has groups=3; grouped convolutions are only supported in Conv1D and Conv2D"],
  ['a transposed convolution whose output_padding is not below its strides (Keras 3 refuses it too)', fed('up', 'Conv2DTranspose', { filters: 3, kernel_size: [3, 3], strides: [2, 2], output_padding: [1, 2] }), "layer 'up' (Conv2DTranspose): Conv2DTranspose output_padding [1, 2] must be less than strides [2, 2] on each axis"],
  ['a mixed-precision layer', fed('half', 'Dense', { units: 2, dtype: { class_name: 'Policy', config: { name: 'mixed_float16' } } }), "layer 'half' (Dense): it computes in mixed_float16; nnc computes in float32 and would change its results"],
  ['an activation the language lacks', fed('hard', 'Dense', { units: 2, activation: 'log_softmax' }), "layer 'hard' (Dense) uses the activation 'log_softmax', which nnc cannot express yet"],
  ["Keras 2's hard_sigmoid (a file without Keras 3's module keys)", fed('hard2', 'Dense', { units: 2, activation: 'hard_sigmoid' }), "layer 'hard2' (Dense) uses Keras 2's hard_sigmoid (clip(0.2 · x + 0.5, 0, 1)), which nnc cannot express: nnc's hard_sigmoid is Keras 3's (clip(x / 6 + 0.5, 0, 1))"],
  ['an argument the language refuses', fed('wide', 'MaxPooling2D', { pool_size: [0, 2] }), "layer 'wide' (MaxPooling2D): argument 'pool_size' of MaxPooling2D expects a positive integer or a pair [a, b] of positive integers, found [0, 2]"],
  [
    'a layer applied twice (shared weights)',
    { class_name: 'Flatten', name: 'shared', config: { name: 'shared' }, inbound_nodes: [[['image', 0, 0, {}]], [['image', 0, 0, {}]]] },
    "layer 'shared' is applied 2 times (shared weights), which nnc cannot express: every .nn layer call has its own weights",
  ],
];

for (const [what, layer, message] of CASES) {
  test(`refused: ${what}`, (t) => {
    const name = (layer as { name: string }).name;
    t.deepEqual(refusal(modelJson([layer], [name]), 'model.json'), [message]);
  });
}

test('every unsupported layer is listed at once, in the order of the model', (t) => {
  const layers = CASES.map(([, layer]) => layer);
  t.deepEqual(
    refusal(modelJson(layers, layers.map((l) => (l as { name: string }).name)), 'model.json'),
    CASES.map(([, , message]) => message),
  );
});
