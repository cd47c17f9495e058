// Reading a `.nn` file and choosing one of its models, for the commands that need one.

import { join } from 'node:path';
import type { CheckResult } from '../../compiler/check.js';
import { checkSource, modelGraph } from '../driver.js';
import { readBundle } from '../../runtime/bundle/node.js';
import { type Diagnostic, NncError, Source, formatDiagnostics, hasErrors } from '../diagnostics.js';
import type { Graph } from '../ir/types.js';
import type { HostTensor } from '../ir/tensors.js';
import { type FlagValues, UsageError } from './args.js';
import type { Io } from './command.js';
import { isDirectory, readText, readWeightsFile } from './files.js';

export function checkFile(path: string): CheckResult {
  return checkSource(new Source(readText(path), path));
}

/** Prints warnings; throws NncError with every error of the file if there is any. */
export function reportDiagnostics(diagnostics: readonly Diagnostic[], io: Io): void {
  if (hasErrors(diagnostics)) throw new NncError(diagnostics);
  if (diagnostics.length > 0) io.stderr(formatDiagnostics(diagnostics) + '\n');
}

/** The one model a command works on: `--model NAME`, or the file's only model (warnings printed). */
export function selectModel(result: CheckResult, name: string | undefined, io: Io): Graph {
  reportDiagnostics(result.diagnostics, io);
  return modelGraph(result, name, '--model NAME');
}

export function loadModel(path: string, name: string | undefined, io: Io): Graph {
  return selectModel(checkFile(path), name, io);
}

export interface ModelWithWeights {
  readonly graph: Graph;
  readonly weights: Map<string, HostTensor>;
  /** Where the weights came from, for messages. */
  readonly weightsName: string;
  /** True for a bundle directory (an inference build). */
  readonly bundle: boolean;
}

/**
 * What `nnc run` and `nnc evaluate` take: a bundle directory, loaded and validated as a
 * page would load it (it carries its own weights), or a `.nn` file with `--weights`.
 */
export async function loadModelOrBundle(target: string, flags: FlagValues, io: Io): Promise<ModelWithWeights> {
  if (isDirectory(target)) {
    if (flags.weights) throw new UsageError('a bundle carries its own weights: drop --weights');
    const { manifest, graph, weights } = await readBundle(target);
    return { graph, weights, weightsName: join(target, manifest.weights.file), bundle: true };
  }
  const graph = loadModel(target, flags.model as string | undefined, io);
  if (!flags.weights) throw new UsageError('--weights W.safetensors is required for a .nn file (make initial weights with nnc init, or train with nnc train)');
  const weightsName = flags.weights as string;
  return { graph, weights: readWeightsFile(weightsName), weightsName, bundle: false };
}
