// What `nnc run` and `nnc evaluate` take: a bundle directory, a `.nn` file with weights,
// or a Keras or TensorFlow.js model. Its own file because reading a bundle loads
// TensorFlow.js, which the commands that only read `.nn` files (check, summary, ir) must
// not load.

import { join } from 'node:path';
import { outputNames } from '../../runtime/bundle/manifest.js';
import { readBundle } from '../../runtime/bundle/node.js';
import type { Graph } from '../ir/types.js';
import type { HostTensor } from '../ir/tensors.js';
import { type FlagValues, UsageError } from './args.js';
import type { Io } from './command.js';
import { isDirectory } from './files.js';
import { commandWeights, loadModel } from './loadModel.js';

export interface ModelWithWeights {
  readonly graph: Graph;
  readonly weights: Map<string, HostTensor>;
  /** Where the weights came from, for messages. */
  readonly weightsName: string;
  /** True for a bundle directory (an inference build). */
  readonly bundle: boolean;
  /** The outputs' names as the model declares them (a bundle keeps them through the optimizer). */
  readonly outputNames: readonly string[];
}

/**
 * What `nnc run` and `nnc evaluate` take: a bundle directory, loaded and validated as a
 * page would load it (it carries its own weights), or a `.nn` file with `--weights`.
 */
export async function loadModelOrBundle(target: string, flags: FlagValues, io: Io): Promise<ModelWithWeights> {
  if (isDirectory(target)) {
    if (flags.weights) throw new UsageError('a bundle carries its own weights: drop --weights');
    const { manifest, graph, weights } = await readBundle(target);
    return { graph, weights, weightsName: join(target, manifest.weights.file), bundle: true, outputNames: outputNames(manifest, graph) };
  }
  const graph = await loadModel(target, flags.model as string | undefined, io);
  const given = await commandWeights(target, flags);
  if (given === null) throw new UsageError('--weights W.safetensors is required for a .nn file (make initial weights with nnc init, or train with nnc train)');
  return { graph, ...given, bundle: false, outputNames: graph.outputs.map((id) => graph.nodes[id].name) };
}
