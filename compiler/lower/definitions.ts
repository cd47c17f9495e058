// The index of a file's definitions: its models and blocks by name, each with what
// expansion needs (a block's parameters with their evaluated defaults, its `input`
// names) and whether it may be expanded at all. The first definition of a name wins;
// later ones and blocks named like a Keras layer are recorded here, not registered,
// for the rules that report them (compiler/checks/), which may also mark a block broken.

import type { BlockDefinitionCstNode, BodyCstNode, ModelDefinitionCstNode } from '../../grammar/cst.js';
import type { ParseResult } from '../../grammar/parse.js';
import type { Diagnostic, Location, Source } from '../../src/diagnostics.js';
import { LAYER_NAMES } from '../layers/table.js';
import { Evaluator, type Value, tokenLocation } from '../values.js';

export interface BlockParam {
  readonly name: string;
  readonly loc: Location;
  /** Undefined without a default; null when the default does not evaluate (reported). */
  readonly default: Value | null | undefined;
}

export interface BlockInfo {
  readonly name: string;
  readonly loc: Location;
  readonly node: BlockDefinitionCstNode;
  readonly params: readonly BlockParam[];
  /** Names of the block's `input` statements, in order. */
  readonly inputs: readonly string[];
  /** Syntax errors, a bad parameter list, or part of a recursive cycle: not expanded. */
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
 * Indexes the definitions of a parsed file, evaluating the defaults of block parameters
 * (a default that does not evaluate is reported into `diagnostics`).
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
    const named = new Set<string>();
    const params = broken ? [] : (definition.children.parameter ?? []).map((p): BlockParam => {
      const token = p.children.name[0];
      // A repeated parameter is an error of its own (blockParameterLists); its default is not evaluated.
      const repeated = named.has(token.image);
      named.add(token.image);
      const defaultNode = repeated ? undefined : p.children.default?.[0];
      const value = defaultNode ? definitionEvaluator.expression(defaultNode) : undefined;
      return { name: token.image, loc: tokenLocation(source, token), default: value };
    });
    const inputs = broken ? [] : topLevelInputs(definition.children.body[0]);
    blocks.set(name, { name, loc, node: definition, params, inputs, broken, expanded: false });
  }
  return { blocks, models, layerNames, duplicates, blocksNamedLikeLayers };
}

function topLevelInputs(body: BodyCstNode): string[] {
  return (body.children.statement ?? []).flatMap((s) => s.children.inputStatement?.map((i) => i.children.name[0].image) ?? []);
}
