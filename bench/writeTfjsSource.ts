// Writes a TensorFlow.js layers model (model.json + one shard) of a .nn model with its
// weights, saved by tfjs-layers itself and, for uint8/uint16, quantized with tfjs's
// documented manifest (bench/download.ts's tfjsSourceFiles; loaded back by
// loadLayersModel before it is written). How docs/web-builds.md's quantized Géron
// source was made:
//
//   npx tsx bench/writeTfjsSource.ts examples/geron.nn W.safetensors uint8 out/geron-tfjs-u8

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initNodeBackend } from '../runtime/backends/node.js';
import { compileGraph } from '../src/api.js';
import { readSafetensors } from '../src/formats/safetensors.js';
import { type SourcePrecision, tfjsSourceFiles } from './download.js';

const [model, weightsPath, precision, out] = process.argv.slice(2);
if (out === undefined || !['float32', 'uint8', 'uint16'].includes(precision)) {
  process.stderr.write('usage: npx tsx bench/writeTfjsSource.ts MODEL.nn W.safetensors float32|uint8|uint16 OUT_DIR\n');
  process.exit(2);
}
await initNodeBackend('cpu');
const graph = compileGraph(readFileSync(model, 'utf8'));
const { tensors } = readSafetensors(new Uint8Array(readFileSync(weightsPath)), weightsPath);
const files = await tfjsSourceFiles(graph, tensors, precision as SourcePrecision);
mkdirSync(out, { recursive: true });
for (const [name, bytes] of files) writeFileSync(join(out, name), bytes);
process.stdout.write(`wrote ${[...files.keys()].map((f) => join(out, f)).join(', ')}\n`);
