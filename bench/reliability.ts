// Proof at scale (issue 20, class 6): nothing crashes, hangs, or is silently accepted.
//
// 1. Mutated sources: the examples (and a few hand-made models) with random byte flips,
//    deletions, duplications, swaps of lines and insertions of tokens, through the driver's
//    check (`checkSource`: language and runtime capacity). A failure is an exception.
// 2. Mutated weight and bundle files: a bundle of Géron's model (model.json, the weights,
//    model.js) and a safetensors weights file, mutated, then read the way `nnc run DIR`
//    and `--weights` read them (manifest, sizes, header, hashes, seal, values by meaning).
//    A failure is an exception that is not an NncError, or a mutated bundle accepted.
// 3. `nnc build` killed at evenly spread moments (test/helpers/killBuild.ts): a failure
//    is a folder that is neither the old bundle nor a complete new one.
//
// Counts: 100,000 sources, 10,000 files, 200 kills (--quick: 1,000, 200, 4).

import { readFileSync } from 'node:fs';
import { checkSealedModule } from '../runtime/bundle/seal.js';
import { checkWeightsSize, openWeights, parseModelJson } from '../runtime/bundle/manifest.js';
import { makeBundle } from '../runtime/bundle/write.js';
import { initializeWeights } from '../runtime/initializers.js';
import { Random } from '../runtime/random.js';
import { NncError } from '../src/diagnostics.js';
import { checkSource, modelGraph } from '../src/driver/index.js';
import { formatCount } from '../compiler/summary.js';
import { readSafetensors, writeSafetensors } from '../src/formats/safetensors.js';
import { checkWeightMap } from '../src/ir/weights.js';
import { killDuringBuild } from '../test/helpers/killBuild.js';
import type { BenchmarkSection, BenchmarkTable } from './section.js';

const EXAMPLES = ['geron', 'geron_bn_before_activation', 'tagger', 'tiny_resnet', 'mobilenet_block'];

const EXTRA = [
  'block B(f, k=3) {\n  Conv2D(f, k, padding=same)\n  BatchNormalization\n  ReLU\n}\nmodel M {\n  input x: [8, 8, 3]\n  repeat 2 { B(4) }\n  GlobalAveragePooling2D\n  Dense(2, activation=softmax)\n}\n',
  'model Two {\n  input a: [4]\n  input b: [4]\n  h = (a, b) -> Concatenate -> Dense(8, activation=relu, name="h")\n  y = h -> Dropout(0.5) -> Dense(3)\n  output y, h\n}\n',
];

const TOKENS = ['(', ')', '[', ']', '{', '}', ',', '=', ':', '->', ';', '"', '#', '\n', '-', '1e999', '0', '-1', '1e-3', 'repeat 100000', 'Dense', 'input', 'output', 'model', 'block', 'x', 'null', 'true', '\u202e', '\ufeff', '\u0000', '"\\', '99999999999'];

/** One random edit of `text`. */
function mutateText(text: string, random: Random): string {
  const at = random.int(text.length + 1);
  switch (random.int(6)) {
    case 0: // delete a span
      return text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + random.int(12)));
    case 1: // insert a token
      return text.slice(0, at) + TOKENS[random.int(TOKENS.length)] + text.slice(at);
    case 2: { // duplicate a span
      const span = text.slice(at, at + 1 + random.int(40));
      return text.slice(0, at) + span + span + text.slice(at + span.length);
    }
    case 3: { // swap two lines
      const lines = text.split('\n');
      const i = random.int(lines.length);
      const j = random.int(lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join('\n');
    }
    case 4: // replace a character by a random code point
      return text.slice(0, at) + String.fromCharCode(random.int(0x3000)) + text.slice(at + 1);
    default: // change a digit
      return text.replace(/\d/g, (d) => (random.int(8) === 0 ? String(random.int(10)) : d));
  }
}

function mutateBytes(bytes: Uint8Array, random: Random): Uint8Array {
  const out = bytes.slice();
  switch (random.int(4)) {
    case 0: // flip bits
      for (let k = 1 + random.int(4); k > 0; k--) out[random.int(out.length)] ^= 1 << random.int(8);
      return out;
    case 1: // truncate
      return out.subarray(0, random.int(out.length));
    case 2: { // overwrite the header length or a header byte (the first 200 bytes)
      out[random.int(Math.min(200, out.length))] = random.int(256);
      return out;
    }
    default: { // append garbage
      const extra = new Uint8Array(1 + random.int(64)).map(() => random.int(256));
      const joined = new Uint8Array(out.length + extra.length);
      joined.set(out);
      joined.set(extra, out.length);
      return joined;
    }
  }
}

export interface FuzzCount {
  readonly inputs: number;
  /** Exceptions that are not NncError (crashes), or hostile input accepted as valid. */
  readonly failures: number;
  /** Inputs refused with one clear error (or, for sources, with diagnostics). */
  readonly refused: number;
  readonly slowestMs: number;
  readonly examples: readonly string[];
}

/** `count` mutated sources through the driver's check. */
export function fuzzSources(count: number, seed = 1): FuzzCount {
  const random = new Random(seed).fork('sources');
  const sources = [...EXAMPLES.map((name) => readFileSync(new URL(`../examples/${name}.nn`, import.meta.url), 'utf8')), ...EXTRA];
  let failures = 0;
  let refused = 0;
  let slowestMs = 0;
  const examples: string[] = [];
  for (let i = 0; i < count; i++) {
    let text = sources[random.int(sources.length)];
    for (let edits = 1 + random.int(3); edits > 0; edits--) text = mutateText(text, random);
    const started = performance.now();
    try {
      const result = checkSource(text, 'fuzz.nn');
      if (result.diagnostics.some((d) => d.severity === 'error')) refused++;
    } catch (e) {
      failures++;
      if (examples.length < 3) examples.push(`${e instanceof Error ? e.message : String(e)} on ${JSON.stringify(text).slice(0, 200)}`);
    }
    slowestMs = Math.max(slowestMs, performance.now() - started);
  }
  return { inputs: count, failures, refused, slowestMs, examples };
}

/** `count` mutated files: bundles (model.json, weights, model.js) and --weights safetensors files. */
export async function fuzzFiles(count: number, seed = 1): Promise<FuzzCount> {
  const random = new Random(seed).fork('files');
  const graph = modelGraph(checkSource(readFileSync(new URL('../examples/geron.nn', import.meta.url), 'utf8'), 'geron.nn'), undefined, '--model');
  const weights = initializeWeights(graph, 0);
  const bundle = await makeBundle(graph, weights);
  const weightsFile = writeSafetensors(weights, { dtype: 'F32' });
  const modelJson = new TextEncoder().encode(bundle.modelJson);
  let failures = 0;
  let refused = 0;
  let slowestMs = 0;
  const examples: string[] = [];
  for (let i = 0; i < count; i++) {
    const kind = random.int(4);
    const started = performance.now();
    let accepted = false;
    let what = '';
    try {
      if (kind === 0) {
        what = 'weights file';
        const tensors = readSafetensors(mutateBytes(weightsFile, random), 'w.safetensors').tensors;
        checkWeightMap(graph, tensors, 'w.safetensors');
        // A flipped mantissa bit is a valid, different weight: only a checksum could tell,
        // and a weights file has none; the bundle below has one.
        accepted = false;
      } else {
        const text = kind === 1 ? new TextDecoder().decode(mutateBytes(modelJson, random)) : bundle.modelJson;
        const bytes = kind === 2 ? mutateBytes(bundle.weights, random) : bundle.weights;
        const moduleJs = kind === 3 ? bundle.moduleJs.slice(0, random.int(bundle.moduleJs.length)) + (random.int(2) ? bundle.moduleJs.slice(-80) : '') : bundle.moduleJs;
        what = ['', 'model.json', 'weights', 'model.js'][kind];
        const { manifest, graph: read } = parseModelJson(text, 'model.json');
        checkWeightsSize(manifest, bytes.length, 'weights.safetensors');
        await openWeights(manifest, read, bytes, 'weights.safetensors');
        await checkSealedModule(moduleJs, text, 'model.js', 'model.json');
        // Accepted: only right if the mutation changed nothing that matters.
        accepted = !(text === bundle.modelJson && bytes.length === bundle.weights.length && bytes.every((b, j) => b === bundle.weights[j]) && moduleJs === bundle.moduleJs);
      }
      if (accepted) {
        failures++;
        if (examples.length < 3) examples.push(`a mutated ${what} was accepted`);
      }
    } catch (e) {
      if (e instanceof NncError) refused++;
      else {
        failures++;
        if (examples.length < 3) examples.push(`${what}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      }
    }
    slowestMs = Math.max(slowestMs, performance.now() - started);
  }
  return { inputs: count, failures, refused, slowestMs, examples };
}

/** `count` layers written out one per line (no repeat): the issue's 100,000-layer case. */
export function writtenOutModel(count: number): string {
  return `model Long {\n  input x: [4]\n${'  Dense(4)\n'.repeat(count)}}\n`;
}

/** CPU time (user + system, ms) of the driver's check of `count` written-out layers: CPU time, not wall time, on a shared machine. */
function checkCpuMs(count: number): number {
  const text = writtenOutModel(count);
  const before = process.cpuUsage();
  const result = checkSource(text, 'long.nn');
  const used = process.cpuUsage(before);
  if (result.diagnostics.some((d) => d.severity === 'error') !== count > 100_000) throw new Error(`unexpected diagnostics for ${count} layers`);
  return (used.user + used.system) / 1000;
}

export const reliabilitySection: BenchmarkSection = {
  name: 'reliability',
  async run({ quick }) {
    const counts = quick ? { sources: 1_000, files: 200, kills: 4 } : { sources: 100_000, files: 10_000, kills: 200 };
    const sources = fuzzSources(counts.sources);
    const files = await fuzzFiles(counts.files);
    const sweep = await killDuringBuild(counts.kills);
    const killFailures = sweep.points.filter((p) => p.failure !== null);
    const outcomes = new Map<string, number>();
    for (const p of sweep.points) if (p.outcome) outcomes.set(p.outcome, (outcomes.get(p.outcome) ?? 0) + 1);
    const row = (name: string, c: FuzzCount): string[] => [name, formatCount(c.inputs), formatCount(c.refused), formatCount(c.failures), c.slowestMs.toFixed(0)];
    const table: BenchmarkTable = {
      title: `Reliability${quick ? ' (QUICK)' : ''}: mutated inputs and killed builds (failures must be 0)`,
      columns: ['run', 'inputs', 'refused', 'failures', 'slowest ms'],
      rows: [
        row('mutated .nn sources (check)', sources),
        row('mutated weights / bundle files (load)', files),
        ['nnc build killed (SIGKILL)', formatCount(sweep.points.length), [...outcomes].map(([k, v]) => `${k} ${v}`).join(', '), formatCount(killFailures.length), (sweep.buildMs).toFixed(0)],
      ],
      note: `a failure: an exception that is not an NncError, a mutated bundle accepted, or a killed build leaving neither the old bundle nor a complete new one; kills spread over an uninterrupted build (the first took ${(sweep.buildMs / 1000).toFixed(1)} s, the last column), timed again every 20 kills`,
      details: [...sources.examples, ...files.examples, ...killFailures.slice(0, 3).map((p) => `kill ${p.afterMs.toFixed(0)} ms after the ${p.from}: ${p.failure}`)].map((e) => `- ${e}`).join('\n') || undefined,
    };
    // Linear time on written-out sources: the ratio of CPU times for 4x the layers should be near 4.
    const sizes = quick ? [5_000, 20_000] : [25_000, 100_000, 150_000];
    checkCpuMs(1_000); // warm-up
    const times = sizes.map((n) => checkCpuMs(n));
    const linear: BenchmarkTable = {
      title: `Written-out sources${quick ? ' (QUICK)' : ''}: check CPU time (one Dense per line, no repeat)`,
      columns: ['layers', 'check CPU ms', 'µs per layer', 'ratio to the first size'],
      rows: sizes.map((n, i) => [formatCount(n), times[i].toFixed(0), ((1000 * times[i]) / n).toFixed(1), `${(times[i] / times[0]).toFixed(2)} for ${(n / sizes[0]).toFixed(0)}x`]),
      note: 'process CPU time of one checkSource call after a warm-up; 150,000 layers stop at the 100,000-layer limit with one error, the parser reading the first 100,001 (lexing all of them)',
    };
    return [table, linear];
  },
};
