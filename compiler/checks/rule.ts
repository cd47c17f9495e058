// What a check rule is: one property of a `.nn` file, checked in one place. Rules run in
// the order of compiler/checks/index.ts, each at the phase it needs:
//
// - `definitions`: over the index of models and blocks, before any model expands;
// - `model`: over each model that expanded without errors, before its graph is built;
// - `file`: once every model has expanded.
//
// Diagnostics raised while a model expands (argument binding, shapes, names) are not
// rules: they come from the expansion itself (compiler/lower/modelLowering.ts).

import type { ParseResult } from '../../grammar/parse.js';
import type { Diagnostic, Source } from '../../src/diagnostics.js';
import type { Graph } from '../../src/ir/types.js';
import type { DefinitionIndex } from '../lower/definitions.js';
import type { ExpandedModel } from '../lower/expandedModel.js';
import type { FileLimits } from '../lower/limits.js';

export interface FileContext {
  readonly source: Source;
  readonly parsed: ParseResult;
  readonly index: DefinitionIndex;
  readonly limits: FileLimits;
  /** Graphs of the models without errors, by name; a `file` rule may withdraw one. */
  readonly graphs: Map<string, Graph>;
  report(diagnostic: Diagnostic): void;
}

export interface Rule {
  readonly name: string;
  definitions?(file: FileContext): void;
  /** A model that reports an error here gets no graph. */
  model?(model: ExpandedModel, file: FileContext): void;
  file?(file: FileContext): void;
}
