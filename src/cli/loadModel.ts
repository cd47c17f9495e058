// Reading a `.nn` file and choosing one of its models, for the commands that need one.

import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CheckResult } from '../../compiler/check.js';
import type { ImportResult } from '../../compiler/import/importModel.js';
import { checkSource, modelGraph } from '../driver/check.js';
import { type Diagnostic, NncError, Source, formatDiagnostics, hasErrors } from '../diagnostics.js';
import type { Graph } from '../ir/types.js';
import type { HostTensor, SourceDtype, SourceQuantization } from '../ir/tensors.js';
import { readSourcePrecision } from '../formats/sourcePrecision.js';
import { type FlagValues, UsageError } from './args.js';
import type { Io } from './command.js';
import { STDIN, STDIN_NAME, isDirectory, readBytes, readText, readWeightsFileWithMetadata } from './files.js';

/** Keras (`.keras`, `.h5`) and TensorFlow.js (`*.json`) models, which every command taking a `.nn` file also takes. */
export function isImportable(path: string): boolean {
  return /\.(keras|h5|hdf5|json)$/i.test(path);
}

/**
 * Imports SRC in memory: shards of a model.json are read from its folder when asked for.
 * The importer (zip, HDF5, the Keras and TensorFlow.js readers) loads only here, so
 * commands on `.nn` files start without it.
 */
export async function importFile(path: string): Promise<ImportResult> {
  const { importModel } = await import('../../compiler/import/importModel.js');
  if (isDirectory(path)) throw new NncError(`'${path}' is a directory; give the model file (.keras, .h5, or the model.json of a TensorFlow.js model)`);
  const folder = dirname(path);
  const main = basename(path);
  return importModel({
    main,
    read: (name) => {
      if (name === main) return readBytes(path, 'model file');
      const shard = join(folder, name);
      return existsSync(shard) ? readBytes(shard, 'weights shard') : undefined;
    },
  });
}

/** One import per file and process: a command that needs the graph and then the weights reads the file once. */
const imports = new Map<string, ImportResult>();

async function importedModel(path: string, modelFlag: string | undefined): Promise<ImportResult> {
  if (modelFlag !== undefined) throw new UsageError(`--model is for .nn files; '${path}' holds one model`);
  const key = resolve(path);
  let result = imports.get(key);
  if (result === undefined) imports.set(key, (result = await importFile(path)));
  return result;
}

/**
 * The weights a command runs with: `--weights` for a `.nn` file; an imported Keras or
 * TensorFlow.js model's own (then `--weights` is refused), with the dtype the source stored
 * each in. Null when a `.nn` file has no `--weights` (the command decides whether that is an error).
 */
export async function commandWeights(path: string, flags: FlagValues): Promise<{ weights: Map<string, HostTensor>; weightsName: string; sourceDtypes?: ReadonlyMap<string, SourceDtype>; sourceQuantization?: ReadonlyMap<string, SourceQuantization> } | null> {
  if (isImportable(path)) {
    if (flags.weights) throw new UsageError(`'${path}' carries its own weights: drop --weights`);
    const imported = await importedModel(path, flags.model as string | undefined);
    return { weights: imported.weights, weightsName: path, sourceDtypes: imported.sourceDtypes, sourceQuantization: imported.sourceQuantization };
  }
  if (!flags.weights) return null;
  // A weights file nnc import wrote records the source's precision (src/formats/sourcePrecision.ts).
  const { tensors, metadata } = readWeightsFileWithMetadata(flags.weights as string);
  const precision = readSourcePrecision(metadata, flags.weights as string);
  return { weights: tensors, weightsName: flags.weights as string, ...(precision ?? {}) };
}

export { STDIN, STDIN_NAME };

/** A file checked as the tools need it: the language, and what the runtime can hold. */
export function checkFile(path: string): CheckResult {
  return checkSource(new Source(readText(path), path === STDIN ? STDIN_NAME : path));
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

/** The model of a `.nn` file (`--model NAME`), or of a Keras or TensorFlow.js file, imported in memory. */
export async function loadModel(path: string, name: string | undefined, io: Io): Promise<Graph> {
  if (isImportable(path)) return (await importedModel(path, name)).graph;
  return selectModel(checkFile(path), name, io);
}
