// Reading a `.nn` file and choosing one of its models, for the commands that need one.

import type { CheckResult } from '../../compiler/check.js';
import { checkSource, modelGraph } from '../driver.js';
import { type Diagnostic, NncError, Source, formatDiagnostics, hasErrors } from '../diagnostics.js';
import type { Graph } from '../ir/types.js';
import type { Io } from './command.js';
import { readText } from './files.js';

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
