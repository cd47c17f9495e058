// A float bundle's model.js has no code for quantized weights (runtime/bundle/write.ts
// `quantizationRefused` stubs quantize.ts and quantizedWeights.ts): a manifest edited to
// claim them is refused with an NncError, not decoded and not a crash; a uint8 bundle's
// model.js keeps the checks and refuses the same edit with the Node loader's own message.
// model.js is imported in this Node process (its own worker: the bundle's tfjs registers
// its backends); `load` fails on the manifest before it fetches anything.

import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { optimize } from '../../../compiler/passes/pipeline.js';
import { parseModelJson } from '../../../runtime/bundle/manifest.js';
import { makeBundle, manifestLiteral, writeBundle } from '../../../runtime/bundle/write.js';
import { exampleGraph, randomizedWeights } from '../../helpers/models.js';

const scratch = mkdtempSync(join(tmpdir(), 'nnc-refusals-'));
test.after.always(() => rmSync(scratch, { recursive: true, force: true }));

const graph = exampleGraph('geron');
const optimized = optimize({ graph, weights: randomizedWeights(graph) });

/** Loads the bundle in `dir` with `edit` applied to the manifest inside its model.js; returns the error (name and message). */
async function loadEdited(dir: string, name: string, edit: (json: any) => void): Promise<{ json: string; name: string; message: string }> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  edit(json);
  const file = join(dir, `edited-${name}.js`);
  const modelJs = readFileSync(join(dir, 'model.js'), 'utf8');
  const original = manifestLiteral(readFileSync(join(dir, 'model.json'), 'utf8'));
  if (!modelJs.includes(original)) throw new Error('no manifest literal in model.js');
  writeFileSync(file, modelJs.replace(original, manifestLiteral(JSON.stringify(json))));
  const { load } = await import(pathToFileURL(file).href);
  try {
    await load({ backend: 'cpu', warmUp: false });
  } catch (e) {
    return { json: JSON.stringify(json), name: (e as Error).name, message: (e as Error).message };
  }
  throw new Error(`${name}: loaded`);
}

/** A folded BatchNormalization kept as codes, naming tensors the manifest does not have. */
const batchNorm = (json: any) => (json.weights.batchNorms = [{ factors: 'dense/kernel:factors', bias: 'dense/bias:bn', gamma: null, beta: null, movingMean: 'bn/moving_mean', movingVariance: 'bn/moving_variance', epsilon: 0.001 }]);
/** The first kernel claimed to be its source's codes, its factors named. */
const sourceCodes = (json: any) => Object.assign(json.weights.tensors.find((t: any) => t.shape.length === 2), { dtype: 'U8', quantization: { axis: 1, min: -1, scale: 0.01, factors: 'dense/kernel:factors' } });

test('a float bundle refuses a manifest claiming quantized weights; a uint8 bundle checks it as the Node loader does', async (t) => {
  const float = join(scratch, 'float');
  const uint8 = join(scratch, 'uint8');
  writeBundle(float, await makeBundle(optimized.graph, optimized.weights!));
  writeBundle(uint8, await makeBundle(optimized.graph, optimized.weights!, 'uint8'));
  // The float model.js has neither the batchNorms checks nor the source-code decoder; the uint8 one has them.
  t.false(readFileSync(join(float, 'model.js'), 'utf8').includes('that no tensor\'s quantization names'));
  t.true(readFileSync(join(uint8, 'model.js'), 'utf8').includes('that no tensor\'s quantization names'));

  const bn = await loadEdited(float, 'bn', batchNorm);
  t.is(bn.name, 'NncError');
  t.is(bn.message, 'model.json has quantized weights, but this bundle was built for float weights and has no decoder for them');
  const codes = await loadEdited(float, 'codes', sourceCodes);
  t.is(codes.name, 'NncError');
  t.is(codes.message, "model.json: tensor 'dense/kernel' (U8) is quantized, but this bundle was built for float weights and has no decoder for it");
  // An empty batchNorms list is no quantized weight: past the manifest, the float bundle fetches its weights (none here).
  const empty = await loadEdited(float, 'empty', (json) => (json.weights.batchNorms = []));
  t.notThrows(() => parseModelJson(empty.json));
  t.regex(empty.message, /^cannot fetch file:.*\/weights\.safetensors/);

  // The uint8 bundle keeps the full checks: the Node loader's messages, word for word.
  const bn8 = await loadEdited(uint8, 'bn', batchNorm);
  t.is(bn8.name, 'NncError');
  t.is(bn8.message, t.throws(() => parseModelJson(bn8.json))!.message);
  t.is(bn8.message, "model.json: the BatchNormalization computing 'dense/bias:bn': its movingMean \"bn/moving_mean\" names no vector of the manifest of its own");
  const codes8 = await loadEdited(uint8, 'codes', (json) => {
    sourceCodes(json);
    json.weights.tensors.push({ name: 'dense/kernel:factors', dtype: 'F32', shape: [7], offsets: [0, 28] });
  });
  t.is(codes8.message, t.throws(() => parseModelJson(codes8.json))!.message);
  t.regex(codes8.message, /^model\.json: tensor 'dense\/kernel' \(U8\) quantization factors "dense\/kernel:factors" name no F32 or F16 tensor of shape \[\d+\] of its own in the manifest$/);
});
