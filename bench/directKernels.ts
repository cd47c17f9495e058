// An experiment beside the benchmark, not a section of it: how much of the floor (d) at
// batch 1 is tfjs-core's op layer rather than the kernels. `tf.fused.matMul` runs the
// _FusedMatMul kernel inside a custom gradient and three reshapes (to rank 3 and back);
// here Géron's optimized model runs as the same _FusedMatMul kernels called through
// `tf.engine().runKernel`, on [1, rows, features] tensors from the first Dense to the
// last, with the kernels reshaped to [1, in, out] once, up front:
//
//   x → reshape [1, rows, 784] → _FusedMatMul (relu) → _FusedMatMul (relu) → _FusedMatMul
//     → softmax → reshape [rows, 10]
//
// Same weights and input as the benchmark's cell, the floor and tfjs-layers beside it,
// outputs compared first, then interleaved rounds with paired ratios (bench/timing.ts).
//
//   node --import tsx bench/directKernels.ts [--backend wasm|cpu] [--batch N] [--rounds N]

import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../runtime/backends/node.js';
import { fusedActivation } from '../runtime/activations.js';
import { maxAbsDifference } from '../runtime/verify.js';
import { hostFloat32, weightKey } from '../src/ir/types.js';
import { type FlagSpec, type FlagValues, UsageError, parseArgs } from '../src/cli/args.js';
import { buildTfjsLayersModel } from '../test/helpers/tfjsLayers.js';
import { compileFloor } from './floor.js';
import { benchInput, timedRun } from './inferenceCells.js';
import { prepareExample } from './prepare.js';
import { pairedRatio, timeInterleaved } from './timing.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'backend', type: 'string', choices: ['wasm', 'cpu'], default: 'wasm', description: 'the Node backend' },
  { name: 'batch', type: 'positive-int', default: 1, description: 'the batch size' },
  { name: 'rounds', type: 'positive-int', default: 3000, description: 'timed rounds' },
];
let flags: FlagValues;
try {
  ({ flags } = parseArgs('bench/directKernels.ts', [], FLAGS, process.argv.slice(2)));
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  process.stderr.write(`${e.message}\nusage: node --import tsx bench/directKernels.ts [--backend wasm|cpu] [--batch N] [--rounds N]\n`);
  process.exit(2);
}
const batch = flags.batch as number;
const rounds = flags.rounds as number;
const backend = await initNodeBackend(flags.backend as 'wasm' | 'cpu');

const model = prepareExample('geron');
const { optimized: graph, optimizedWeights: weights } = model;
// The shape this experiment is written for: Input → Flatten → Dense… with the last Dense's softmax unfused.
const dense = graph.nodes.filter((n) => n.kind === 'Dense');
const kinds = graph.nodes.map((n) => n.kind).join(' → ');
if (kinds !== `Input → Flatten → ${dense.map(() => 'Dense').join(' → ')}`) throw new Error(`written for Input → Flatten → Dense…, not ${kinds}`);

const kernels3 = dense.map((node) => {
  const host = weights.get(weightKey(node.name, 'kernel'))!;
  return tf.tensor3d(hostFloat32(host), [1, host.shape[0], host.shape[1]]);
});
const biases = dense.map((node) => {
  const host = weights.get(weightKey(node.name, 'bias'))!;
  return tf.tensor1d(hostFloat32(host));
});

function direct(x: tf.Tensor): tf.Tensor {
  const rows = x.shape[0];
  let h = tf.reshape(x, [1, rows, kernels3[0].shape[1]]);
  dense.forEach((node, i) => {
    const fused = fusedActivation(node.attrs.activation);
    const attrs = { transposeA: false, transposeB: false, activation: fused?.activation ?? 'linear', leakyreluAlpha: fused?.leakyreluAlpha ?? 0 };
    let y = tf.engine().runKernel('_FusedMatMul', { a: h, b: kernels3[i], bias: biases[i] }, attrs as never) as tf.Tensor;
    if (!fused) {
      if (node.attrs.activation.name !== 'softmax') throw new Error(`written for softmax as the only unfused activation, not ${node.attrs.activation.name}`);
      const s = tf.softmax(y, -1);
      y.dispose();
      y = s;
    }
    h.dispose();
    h = y;
  });
  const out = tf.reshape(h, [rows, dense[dense.length - 1].attrs.units]);
  h.dispose();
  return out;
}

const layers = buildTfjsLayersModel(model.graph, model.weights);
const floor = compileFloor(graph, weights);
const input = benchInput(model.graph, batch);
const variants = {
  'tfjs-layers (a)': (x: tf.Tensor) => layers.predict(x, { batchSize: batch }) as tf.Tensor,
  'floor (d)': (x: tf.Tensor) => floor.run(x),
  'direct kernels': direct,
};
const runners = Object.values(variants).map((predict) => timedRun(predict, input.data, input.shape));

const outputs = await Promise.all(runners.map((run) => run()));
const diffs = outputs.map((o) => maxAbsDifference(o, outputs[0]));
const tensorsBefore = tf.memory().numTensors;
const timings = await timeInterleaved(runners, { warmup: Math.min(200, rounds), runs: rounds, rewarm: true });
if (tf.memory().numTensors !== tensorsBefore) throw new Error(`tensors leaked: ${tf.memory().numTensors - tensorsBefore}`);

console.log(`Géron's optimized model, ${backend}, batch ${batch}, ${rounds} interleaved rounds`);
Object.keys(variants).forEach((name, i) => {
  const t = timings[i];
  console.log(`  ${name.padEnd(16)} ${(t.median * 1000).toFixed(1)} µs (p25–p75 ${(t.p25 * 1000).toFixed(1)}–${(t.p75 * 1000).toFixed(1)}), max |diff| against (a) ${diffs[i]}`);
});
const ratio = (a: number, b: number) => {
  const r = pairedRatio(timings[a], timings[b]);
  return `${r.median.toFixed(2)} (${r.p25.toFixed(2)}–${r.p75.toFixed(2)})`;
};
console.log(`  floor / direct ${ratio(1, 2)}; tfjs-layers / floor (the bound a/d) ${ratio(0, 1)}; tfjs-layers / direct ${ratio(0, 2)}`);
layers.dispose();
floor.dispose();
tf.dispose([...kernels3, ...biases]);
