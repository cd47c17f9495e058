// The index of a file's definitions: its models and blocks by name, each with what
// expansion needs (a block's parameters with their evaluated defaults, its `input`
// names) and whether it may be expanded at all. The first definition of a name wins;
// later ones and blocks named like a Keras layer are recorded here, not registered,
// for the rules that report them (compiler/checks/).

import type { BlockDefinitionCstNode, BodyCstNode, ModelDefinitionCstNode } from '../../grammar/cst.js';
import type { ParseResult } from '../../grammar/parse.js';
import { type Diagnostic, type Location, type Source, error } from '../../src/diagnostics.js';
import { LAYER_NAMES } from '../layers/table.js';
import { Evaluator, type Value, tokenLocation } from '../values.js';

export interface BlockParam {
  readonly name: string;
  readonly loc: Location;
  readonly default: Value | undefined;
}

export interface BlockInfo {
  readonly name: string;
  readonly loc: Location;
  readonly node: BlockDefinitionCstNode;
  readonly params: readonly BlockParam[];
  /** Names of the block's `input` statements, in order. */
  readonly inputs: readonly string[];
  /** Syntax errors, a bad default, or part of a recursive cycle: not expanded. */
  broken: boolean;
  /** Expanded by some model (so already checked in context). */
  expanded: boolean;
}

export interface ModelInfo {
  readonly name: string;
  readonly loc: Location;
  readonly node: ModelDefinitionCstNode;
  readonly broken: boolean;
}

export type DefinitionKind = 'model' | 'block';

/** A definition whose name an earlier one already took: skipped. */
export interface DuplicateDefinition {
  readonly name: string;
  readonly what: DefinitionKind;
  readonly loc: Location;
  readonly first: { readonly what: DefinitionKind; readonly loc: Location };
}

export interface DefinitionIndex {
  readonly blocks: ReadonlyMap<string, BlockInfo>;
  readonly models: ReadonlyMap<string, ModelInfo>;
  /** Every Keras layer name (what a call may name besides blocks). */
  readonly layerNames: ReadonlySet<string>;
  readonly duplicates: readonly DuplicateDefinition[];
  /** Blocks with a Keras layer's name: not registered, so calls of that name keep meaning the layer. */
  readonly blocksNamedLikeLayers: readonly { readonly name: string; readonly loc: Location }[];
}

/**
 * Indexes the definitions of a parsed file. Reports, into `diagnostics`, what is wrong
 * with a block's parameter list (a repeated name, a default that does not evaluate, a
 * parameter without a default after one with): such a block is broken, never expanded.
 */
export function indexDefinitions(source: Source, parsed: ParseResult, diagnostics: Diagnostic[]): DefinitionIndex {
  const layerNames = new Set(LAYER_NAMES);
  const blocks = new Map<string, BlockInfo>();
  const models = new Map<string, ModelInfo>();
  const duplicates: DuplicateDefinition[] = [];
  const blocksNamedLikeLayers: { name: string; loc: Location }[] = [];
  const definedAt = new Map<string, { loc: Location; what: DefinitionKind }>();
  const definitionEvaluator = new Evaluator(source, diagnostics);

  for (const definition of parsed.definitions) {
    const nameToken = definition.children.name?.[0];
    if (!nameToken || nameToken.isInsertedInRecovery || nameToken.image === '') continue;
    const name = nameToken.image;
    const loc = tokenLocation(source, nameToken);
    const what = definition.name === 'modelDefinition' ? 'model' : 'block';
    const broken = parsed.brokenDefinitions.has(definition);
    const previous = definedAt.get(name);
    if (previous) {
      duplicates.push({ name, what, loc, first: previous });
      continue;
    }
    definedAt.set(name, { loc, what });
    if (definition.name === 'modelDefinition') {
      models.set(name, { name, loc, node: definition, broken });
      continue;
    }
    if (layerNames.has(name)) {
      blocksNamedLikeLayers.push({ name, loc });
      continue;
    }
    const params: BlockParam[] = [];
    let badDefault = false;
    for (const p of broken ? [] : (definition.children.parameter ?? [])) {
      const token = p.children.name[0];
      const ploc = tokenLocation(source, token);
      if (params.some((q) => q.name === token.image)) {
        diagnostics.push(error(`block '${name}' has two parameters named '${token.image}'`, ploc));
        badDefault = true;
        continue;
      }
      const defaultNode = p.children.default?.[0];
      const value = defaultNode ? definitionEvaluator.expression(defaultNode) : undefined;
      if (defaultNode && value === null) badDefault = true;
      else if (!value && params.some((q) => q.default !== undefined)) {
        diagnostics.push(error(`parameter '${token.image}' of block '${name}' has no default but follows one that has: parameters with defaults come last`, ploc));
        badDefault = true;
      }
      params.push({ name: token.image, loc: ploc, default: value ?? undefined });
    }
    const inputs = broken ? [] : topLevelInputs(definition.children.body[0]);
    blocks.set(name, { name, loc, node: definition, params, inputs, broken: broken || badDefault, expanded: false });
  }
  return { blocks, models, layerNames, duplicates, blocksNamedLikeLayers };
}

function topLevelInputs(body: BodyCstNode): string[] {
  return (body.children.statement ?? []).flatMap((s) => s.children.inputStatement?.map((i) => i.children.name[0].image) ?? []);
}
