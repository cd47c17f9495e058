// The bundle's WebGL uploads and read-backs without encode or decode programs
// (runtime/bundle/backends/webglPackedTransfer.ts), in real Chromium (WebGL2 on
// SwiftShader), against tfjs-backend-webgl's own programs in the same page: a texture
// this module packed, read back by tfjs's decode program, and a texture tfjs's encode
// program packed, read back by this module, must both give the values exactly, for
// every rank, odd and even sizes, and shapes tfjs squeezes or lays out squarish.

import test from 'ava';
import { join } from 'node:path';
import { pageResult, webglTestPage } from '../helpers/browser.js';

const SHAPES = [
  [],
  [1],
  [7],
  [2, 3],
  [3, 5],
  [1, 784],
  [784, 300],
  [2, 3, 5],
  [1, 9, 9, 3],
  [3, 3, 16, 24],
  [2, 1, 5, 1, 3],
  [1, 1000],
  [40001, 3],
] as const;

const PAGE_SOURCE = webglTestPage(
  `import { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';
import { transferPackedDirectly } from ${JSON.stringify(join(process.cwd(), 'runtime/bundle/backends/webglPackedTransfer.ts'))};`,
  `  const backend = tf.backend();
  transferPackedDirectly(backend);
  const theirs = { upload: MathBackendWebGL.prototype.uploadToGPU, read: MathBackendWebGL.prototype.read };
  const values = (shape, k) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 1.618 + k) * 1e3);
  const packed = (shape, k) => { const x = tf.tensor(values(shape, k), shape); backend.texData.get(x.dataId).isPacked = true; return x; };
  const mismatches = (got, shape, k) => { const want = values(shape, k); let bad = got.length === want.length ? 0 : -1; for (let i = 0; i < want.length && bad >= 0; i++) if (got[i] !== want[i]) bad++; return bad; };
  const shapes = ${JSON.stringify(SHAPES)};
  const rows = [];
  for (const [k, shape] of shapes.entries()) {
    // Packed here, read by tfjs's decode program.
    const ours = packed(shape, k);
    const programsBefore = Object.keys(backend.binaryCache).length;
    backend.uploadToGPU(ours.dataId);
    const programsAfterUpload = Object.keys(backend.binaryCache).length;
    const oursTexShape = backend.texData.get(ours.dataId).texShape;
    const byTheirRead = await theirs.read.call(backend, ours.dataId);
    // Packed by tfjs's encode program, read here.
    const their = packed(shape, k);
    theirs.upload.call(backend, their.dataId);
    const theirTexShape = backend.texData.get(their.dataId).texShape;
    const programsBeforeRead = Object.keys(backend.binaryCache).length;
    const byOurRead = await backend.read(their.dataId);
    const programsAfterRead = Object.keys(backend.binaryCache).length;
    rows.push({ shape, theirReadMismatches: mismatches(byTheirRead, shape, k), ourReadMismatches: mismatches(byOurRead, shape, k), oursTexShape, theirTexShape, uploadPrograms: programsAfterUpload - programsBefore, readPrograms: programsAfterRead - programsBeforeRead });
    tf.dispose([ours, their]);
  }
  // What takes tfjs's path: integers, and a packed op's output still reads right.
  const ints = tf.tensor([1, -2, 3, 5], [2, 2], 'int32');
  const intValues = Array.from(await tf.add(ints, ints).data());
  const product = tf.matMul(tf.tensor(values([3, 4], 1), [3, 4]), tf.tensor(values([4, 5], 2), [4, 5]));
  const productValues = Array.from(await product.data());
  window.result = { rows, intValues, productValues, version: tf.env().getNumber('WEBGL_VERSION'), maxTexture: tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE') };`,
);

interface Row {
  shape: number[];
  theirReadMismatches: number;
  ourReadMismatches: number;
  oursTexShape: number[];
  theirTexShape: number[];
  uploadPrograms: number;
  readPrograms: number;
}
interface Result {
  error?: string;
  rows: Row[];
  intValues: number[];
  productValues: number[];
  version: number;
  maxTexture: number;
}
let result: Result;

test.before(async () => {
  result = await pageResult<Result>(PAGE_SOURCE, 'nnc-packed-transfer-');
});

test('a texture packed on the CPU reads back exactly through tfjs\'s decode program, every shape', (t) => {
  t.is(result.error, undefined);
  t.is(result.version, 2);
  t.is(result.rows.length, SHAPES.length);
  for (const row of result.rows) t.is(row.theirReadMismatches, 0, JSON.stringify(row));
});

test('a texture packed by tfjs\'s encode program reads back exactly without a program, every shape', (t) => {
  for (const row of result.rows) t.is(row.ourReadMismatches, 0, JSON.stringify(row));
});

test('the upload lays a tensor out in the texture shape tfjs\'s own upload gives it, squarish ones included', (t) => {
  for (const row of result.rows) t.deepEqual(row.oursTexShape, row.theirTexShape, JSON.stringify(row.shape));
  // [40001, 3] is taller than a packed texture can be here, so tfjs lays it out squarish.
  const tall = result.rows[result.rows.length - 1];
  t.true(40002 > 2 * result.maxTexture, `max texture ${result.maxTexture}`);
  t.notDeepEqual(tall.theirTexShape, [40002, 4]);
});

test('neither the upload nor the read-back compiles a program', (t) => {
  for (const row of result.rows) {
    t.is(row.uploadPrograms, 0, JSON.stringify(row.shape));
    t.is(row.readPrograms, 0, JSON.stringify(row.shape));
  }
});

test('integers take tfjs\'s path; a matrix product\'s output reads back as a float64 product computes it', (t) => {
  t.deepEqual(result.intValues, [2, -4, 6, 10]);
  const v = (shape: number[], k: number) => Array.from({ length: shape[0] * shape[1] }, (_, i) => Math.fround(Math.sin(i * 1.618 + k) * 1e3));
  const a = v([3, 4], 1);
  const b = v([4, 5], 2);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 5; j++) {
      let sum = 0;
      for (let k = 0; k < 4; k++) sum += a[i * 4 + k] * b[k * 5 + j];
      t.true(Math.abs(result.productValues[i * 5 + j] - sum) <= 1e-6 * 4e6, `[${i}, ${j}]: ${result.productValues[i * 5 + j]} vs ${sum}`);
    }
  }
});
