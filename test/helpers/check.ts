// Small helpers that keep front-end tests short: diagnostics as {message, line, column},
// and the graph of a source that must check clean.

import { check } from '../../compiler/check.js';
import { type Summary, summarize } from '../../compiler/summary.js';
import { type Diagnostic, type Location, NncError, formatDiagnostics } from '../../src/diagnostics.js';
import type { Graph, Shape } from '../../src/ir/types.js';
import { assertValidGraph } from '../../src/ir/verify.js';

export interface Reported {
  readonly message: string;
  readonly line: number;
  readonly column: number;
}

/** The message of the NncError `fn` throws; any other outcome fails the test. */
export function nncErrorMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof NncError) return e.message;
    throw e;
  }
  throw new Error('expected an NncError');
}

export function at(location: Location | null): { line: number; column: number } {
  if (!location) throw new Error('diagnostic has no location');
  return location.source.position(location.start);
}

export function reported(diagnostic: Pick<Diagnostic, 'message' | 'location'>): Reported {
  return { message: diagnostic.message, ...at(diagnostic.location) };
}

/** Every error of `text`, in source order, as `{message, line, column}`. */
export function errorsOf(text: string): Reported[] {
  return check(text, 'test.nn').diagnostics.filter((d) => d.severity === 'error').map(reported);
}

/** Every error of `text` with its notes, for tests about the notes. */
export function errorDiagnostics(text: string): Diagnostic[] {
  return check(text, 'test.nn').diagnostics.filter((d) => d.severity === 'error');
}

export interface ReportedWithNotes extends Reported {
  readonly notes: readonly Reported[];
}

/** Every error of `text` as `{message, line, column}` with its notes in the same form. */
export function errorsWithNotesOf(text: string): ReportedWithNotes[] {
  return errorDiagnostics(text).map((d) => ({ ...reported(d), notes: d.notes.map(reported) }));
}

export function warningsOf(text: string): Reported[] {
  return check(text, 'test.nn').diagnostics.filter((d) => d.severity === 'warning').map(reported);
}

/** The graph of a model that must check without errors (it is also verified). */
export function graphOf(text: string, model?: string): Graph {
  const result = check(text, 'test.nn');
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`unexpected errors:\n${formatDiagnostics(errors)}`);
  const name = model ?? result.modelNames[0];
  const graph = result.models.get(name);
  if (!graph) throw new Error(`no graph for model '${name}'`);
  assertValidGraph(graph);
  return graph;
}

/** `input x: [dims]` then the statements, as a one-model file. */
export function modelWith(dims: readonly number[], ...statements: string[]): string {
  return `model M {\n  input x: [${dims.join(', ')}]\n${statements.map((s) => `  ${s}\n`).join('')}}\n`;
}

/** The shape of the model's output for one layer applied to `x`. */
export function outputShape(dims: readonly number[], layer: string): Shape {
  const graph = graphOf(modelWith(dims, layer));
  return graph.nodes[graph.outputs[0]].shape;
}

export function summaryOf(text: string, model?: string): Summary {
  return summarize(graphOf(text, model));
}

/** [total, trainable, non-trainable]. */
export function paramsOf(text: string, model?: string): [number, number, number] {
  const s = summaryOf(text, model);
  return [s.totalParams, s.trainableParams, s.nonTrainableParams];
}
