// The inference benchmark's child process for one Node backend:
//
//   node --import tsx bench/inferenceNode.ts wasm|cpu [--quick] [--models A,B]
//
// One process per backend, as issue 7 asks: the backend is set once, nothing else runs
// in the process. Progress goes to stderr; the results, as JSON, are stdout's last line.

import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../runtime/backends/node.js';
import { type CellResult, measureModel } from './inferenceCells.js';
import { inferencePlan } from './inferencePlan.js';
import { prepareExample } from './prepare.js';

async function main(argv: readonly string[]): Promise<void> {
  const backend = argv[0];
  if (backend !== 'wasm' && backend !== 'cpu') throw new Error(`usage: inferenceNode.ts wasm|cpu [--quick] [--models A,B] (got '${backend}')`);
  const selection = argv.indexOf('--models');
  const plan = inferencePlan(backend, argv.includes('--quick'), selection >= 0 ? argv[selection + 1].split(',') : undefined);
  const active = await initNodeBackend(backend);
  if (active !== backend || tf.getBackend() !== backend) throw new Error(`asked for ${backend}, running on ${tf.getBackend()}`);
  const cells: CellResult[] = [];
  for (const { name, batches, policy } of plan.models) {
    cells.push(...(await measureModel(prepareExample(name), { backend, batches, policy: policy ?? plan.policy, log: (line) => process.stderr.write(`  ${line}\n`) })));
  }
  const features = backend === 'wasm' ? `, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}, threads ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'on' : 'off'}` : '';
  process.stdout.write(JSON.stringify({ backend, cells, environment: `Node ${process.version}${features}` }) + '\n');
}

await main(process.argv.slice(2));
