// CST → IR. Resolves names (values, layers, blocks, block parameters), expands blocks
// and `repeat`, binds every call's arguments to its Keras signature, names layers as
// Keras does, and infers shapes as it goes.
//
// Errors are collected, never thrown. A value whose layer failed is "poisoned":
// whatever consumes it is still argument-checked but not shape-checked, so one mistake
// gives one error, not a cascade. A model with any error yields no graph.

import type {
  BlockDefinitionCstNode,
  BodyCstNode,
  CallCstNode,
  ChainCstNode,
  InputStatementCstNode,
  ModelDefinitionCstNode,
  OutputStatementCstNode,
  RepeatStatementCstNode,
  StatementCstNode,
} from '../grammar/cst.js';
import type { ParseResult } from '../grammar/parse.js';
import { type Diagnostic, type Location, type Source, type SuggestionBudget, didYouMean, error, note, warning } from '../src/diagnostics.js';
import { GraphBuilder } from '../src/ir/graph.js';
import { declaredWeights, inferShape } from '../src/ir/ops.js';
import { exactElementCount as bigProduct, elementCount, formatShape } from '../src/ir/shape.js';
import type { Graph, NodeId, Shape } from '../src/ir/types.js';
import { type ParamSpec, type ParamType, type Signature, bindArguments } from '../src/ir/layers/arguments.js';
import { LAYER_NAMES, type LayerSignature, lookupLayer } from './layers/table.js';
import { LayerNamer } from './naming.js';
import { type Arguments, Evaluator, type Value, describeValue, tokenLocation } from './values.js';
import { formatCount } from './summary.js';

/**
 * A model may expand to at most this many layers, and run at most this many statements.
 * Far beyond any real Keras model, and small enough that hitting the limit takes about a second.
 */
export const MAX_LAYERS = 100_000;
export const MAX_STEPS = 2_000_000;
/** Blocks nest at most this deep (recursion is rejected before expansion; this is a backstop). */
const MAX_BLOCK_DEPTH = 256;

export interface LoweredFile {
  /** Graphs of the models that have no errors, by name. */
  readonly models: ReadonlyMap<string, Graph>;
  /** Every model defined in the file, in order (with or without errors). */
  readonly modelNames: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

interface BlockParam {
  readonly name: string;
  readonly loc: Location;
  readonly default: Value | undefined;
}

interface BlockInfo {
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

interface ModelInfo {
  readonly name: string;
  readonly loc: Location;
  readonly node: ModelDefinitionCstNode;
  readonly broken: boolean;
}

/** The value of a failed layer: consumers skip shape checks. */
const POISON = -1;
type Ref = NodeId | typeof POISON;

interface Binding {
  readonly ref: Ref;
  readonly loc: Location;
}

class Scope {
  readonly #values = new Map<string, Binding>();
  readonly parent: Scope | null;

  constructor(parent: Scope | null) {
    this.parent = parent;
  }

  lookup(name: string): Binding | undefined {
    for (let scope: Scope | null = this; scope; scope = scope.parent) {
      const found = scope.#values.get(name);
      if (found) return found;
    }
    return undefined;
  }

  bind(name: string, binding: Binding): void {
    this.#values.set(name, binding);
  }

  /** Every visible name, innermost scope first; lazy, so a spent suggestion budget stops it early. */
  *names(): Generator<string> {
    for (let scope: Scope | null = this; scope; scope = scope.parent) yield* scope.#values.keys();
  }
}

interface Frame {
  readonly kind: 'model' | 'block';
  readonly scope: Scope;
  readonly evaluator: Evaluator;
  /** Values passed into a block, in order. */
  readonly passed: readonly Ref[];
  /** Inside a `repeat` body. */
  readonly inRepeat: boolean;
  /** Mutable per frame: how many `input` statements have run, and the `output` statement's values. */
  readonly state: { inputsSeen: number; outputs: Ref[] | undefined; outputLoc: Location | undefined };
}

/** Thrown to stop expanding a model that exceeds the size budget (already reported). */
class Abort {}

/**
 * Shared by the lowerings of one file: a block chain nested too deep is reported once,
 * not once per caller; suggestions share one budget of work.
 */
interface FileLimits {
  blockDepthReported: boolean;
  readonly suggestions: SuggestionBudget;
}

/** Edit-distance cells for "did you mean" in one file: well under a second of work. */
const SUGGESTION_CELLS = 5_000_000;

function* chainIterables<T>(...iterables: Iterable<T>[]): Generator<T> {
  for (const iterable of iterables) yield* iterable;
}

export function lower(source: Source, parsed: ParseResult): LoweredFile {
  const diagnostics: Diagnostic[] = [];
  const layerNames = new Set(LAYER_NAMES);
  const blocks = new Map<string, BlockInfo>();
  const models = new Map<string, ModelInfo>();
  const definedAt = new Map<string, { loc: Location; what: 'model' | 'block' }>();
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
      diagnostics.push(error(`${what} '${name}' is already defined as a ${previous.what}`, loc, [note(`first defined here`, previous.loc)]));
      continue;
    }
    definedAt.set(name, { loc, what });
    if (definition.name === 'modelDefinition') {
      models.set(name, { name, loc, node: definition, broken });
      continue;
    }
    if (layerNames.has(name)) {
      // Not registered: calls of that name keep meaning the layer.
      diagnostics.push(error(`block '${name}' has the name of a Keras layer; choose another name`, loc));
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

  rejectRecursiveBlocks(source, blocks, diagnostics);

  const graphs = new Map<string, Graph>();
  const limits: FileLimits = { blockDepthReported: false, suggestions: { cells: SUGGESTION_CELLS } };
  for (const model of models.values()) {
    if (model.broken) continue;
    const lowering = new ModelLowering(source, blocks, models, layerNames, limits);
    const graph = lowering.lowerModel(model);
    diagnostics.push(...lowering.diagnostics);
    if (graph) graphs.set(model.name, graph);
  }
  // Blocks no model expands are still checked, with unknown parameters and inputs.
  for (const block of blocks.values()) {
    if (block.broken || block.expanded) continue;
    const lowering = new ModelLowering(source, blocks, models, layerNames, limits);
    lowering.checkBlockAlone(block);
    diagnostics.push(...lowering.diagnostics);
  }
  return { models: graphs, modelNames: [...models.keys()], diagnostics: dedupe(diagnostics) };
}

function topLevelInputs(body: BodyCstNode): string[] {
  return (body.children.statement ?? []).flatMap((s) => s.children.inputStatement?.map((i) => i.children.name[0].image) ?? []);
}

/** Finds cycles in the block call graph; every block on a cycle is reported and left unexpanded. */
function rejectRecursiveBlocks(source: Source, blocks: Map<string, BlockInfo>, diagnostics: Diagnostic[]): void {
  const calls = new Map<string, { callee: string; loc: Location }[]>();
  for (const block of blocks.values()) {
    const found: { callee: string; loc: Location }[] = [];
    if (!block.broken) collectCalls(block.node.children.body[0], (call) => {
      const token = call.children.name[0];
      if (blocks.has(token.image)) found.push({ callee: token.image, loc: tokenLocation(source, token) });
    });
    calls.set(block.name, found);
  }
  // Depth-first search with an explicit stack: a chain of thousands of blocks must not
  // overflow the JavaScript stack.
  const state = new Map<string, 'visiting' | 'done'>();
  for (const root of blocks.keys()) {
    if (state.has(root)) continue;
    const path: { name: string; next: number }[] = [{ name: root, next: 0 }];
    state.set(root, 'visiting');
    while (path.length > 0) {
      const top = path[path.length - 1];
      const edges = calls.get(top.name) ?? [];
      if (top.next >= edges.length) {
        state.set(top.name, 'done');
        path.pop();
        continue;
      }
      const { callee, loc } = edges[top.next++];
      if (state.get(callee) === 'visiting') {
        const names = path.map((p) => p.name);
        const cycle = [...names.slice(names.indexOf(callee)), callee];
        const through = cycle.length === 2 ? '' : ` through ${describeCycle(cycle)}`;
        diagnostics.push(error(`block '${callee}' calls itself${through}; blocks cannot be recursive`, loc));
        for (const member of cycle) blocks.get(member)!.broken = true;
      } else if (!state.has(callee)) {
        state.set(callee, 'visiting');
        path.push({ name: callee, next: 0 });
      }
    }
  }
}

/** `'B' (A -> B -> A)`, shortened when the cycle is long. */
function describeCycle(cycle: readonly string[]): string {
  const between = cycle.slice(1, -1);
  if (between.length <= 4) return `${between.map((n) => `'${n}'`).join(', ')} (${cycle.join(' -> ')})`;
  return `${between.length} other blocks (${[...cycle.slice(0, 3), '...', ...cycle.slice(-2)].join(' -> ')})`;
}

/** Every call in a body (chain heads and steps), including inside `repeat`. */
function collectCalls(body: BodyCstNode, visit: (call: CallCstNode) => void): void {
  for (const statement of body.children.statement ?? []) {
    const c = statement.children;
    const chain = c.chain?.[0] ?? c.assignment?.[0].children.chain[0];
    if (chain) {
      for (const call of [...(chain.children.headCall ?? []), ...(chain.children.steps ?? [])]) visit(call);
    }
    if (c.repeatStatement) collectCalls(c.repeatStatement[0].children.body[0], visit);
  }
}

/** Block parameters are untyped: the layer that uses one checks it. */
const anyValue: ParamType<Value> = { expects: 'a value', convert: (v) => v };

const blockSignatures = new WeakMap<BlockInfo, Signature>();

/** A block's parameters as a signature to bind calls against (built once per block). */
function blockSignature(block: BlockInfo): Signature {
  let signature = blockSignatures.get(block);
  if (!signature) {
    signature = {
      title: `block '${block.name}'`,
      params: block.params.map((p): ParamSpec => (p.default === undefined ? { name: p.name, type: anyValue } : { name: p.name, type: anyValue, default: p.default })),
      positional: block.params.length,
    };
    blockSignatures.set(block, signature);
  }
  return signature;
}

class ModelLowering {
  readonly diagnostics: Diagnostic[] = [];
  readonly #source: Source;
  readonly #blocks: ReadonlyMap<string, BlockInfo>;
  readonly #models: ReadonlyMap<string, ModelInfo>;
  readonly #layerNames: ReadonlySet<string>;
  readonly #builder = new GraphBuilder();
  readonly #namer = new LayerNamer();
  /** Layer names in use, with where they were given. */
  readonly #usedNames = new Map<string, Location | null>();
  readonly #inputs: NodeId[] = [];
  /** `input` statements of the model, including those whose shape was wrong. */
  #inputStatements = 0;
  /** Blocks being expanded, innermost last, with their call sites. */
  readonly #callStack: { block: string; loc: Location }[] = [];
  #steps = 0;

  readonly #limits: FileLimits;

  constructor(source: Source, blocks: ReadonlyMap<string, BlockInfo>, models: ReadonlyMap<string, ModelInfo>, layerNames: ReadonlySet<string>, limits: FileLimits) {
    this.#limits = limits;
    this.#source = source;
    this.#blocks = blocks;
    this.#models = models;
    this.#layerNames = layerNames;
  }

  lowerModel(model: ModelInfo): Graph | null {
    const frame = this.#frame('model', new Scope(null), new Evaluator(this.#source, this.diagnostics, new Map(), (loc) => this.#tick(loc)), [], false);
    let current: Ref | undefined;
    try {
      current = this.#body(model.node.children.body[0], frame, undefined);
    } catch (e) {
      if (e instanceof Abort) return null;
      throw e;
    }
    if (this.#inputStatements === 0) {
      this.diagnostics.push(error(`model '${model.name}' has no input; declare one with 'input NAME: [dims]'`, model.loc));
      return null;
    }
    const outputs = frame.state.outputs ?? (current === undefined ? [] : [current]);
    if (this.diagnostics.some((d) => d.severity === 'error') || outputs.includes(POISON) || outputs.length === 0) return null;
    return this.#finish(model, outputs as NodeId[]);
  }

  /** Checks a block no model uses: its parameters and inputs are unknown, so only what does not depend on them is checked. */
  checkBlockAlone(block: BlockInfo): void {
    block.expanded = true;
    const parameters = new Map(block.params.map((p): [string, Value] => [p.name, { kind: 'unknown', loc: p.loc }]));
    try {
      this.#expandBody(block, parameters, block.inputs.length === 0 ? [POISON] : block.inputs.map(() => POISON), null);
    } catch (e) {
      if (!(e instanceof Abort)) throw e;
    }
  }

  #frame(kind: 'model' | 'block', scope: Scope, evaluator: Evaluator, passed: readonly Ref[], inRepeat: boolean): Frame {
    return { kind, scope, evaluator, passed, inRepeat, state: { inputsSeen: 0, outputs: undefined, outputLoc: undefined } };
  }

  /** Drops layers that reach no output (with a warning), checks the parameter total, builds the graph. */
  #finish(model: ModelInfo, outputs: NodeId[]): Graph | null {
    const size = this.#builder.size;
    const live = new Uint8Array(size);
    for (const id of outputs) live[id] = 1;
    for (let id = size - 1; id >= 0; id--) if (live[id]) for (const input of this.#builder.node(id).inputs) live[input] = 1;

    let total = 0n;
    let dropped = 0;
    for (let id = 0; id < size; id++) {
      const node = this.#builder.node(id);
      if (!live[id] && node.kind !== 'Input') {
        this.diagnostics.push(warning(`layer '${node.name}' (${node.kind}) does not reach any output of model '${model.name}'; it is not part of the model`, node.loc));
        dropped++;
        continue;
      }
      if (!live[id]) this.diagnostics.push(warning(`input '${node.name}' is not used by any output of model '${model.name}'`, node.loc));
      const inputShapes = node.inputs.map((i) => this.#builder.node(i).shape);
      for (const w of declaredWeights(node.kind, node.attrs, inputShapes, node.trainable)) total += bigProduct(w.shape);
    }
    if (total > BigInt(Number.MAX_SAFE_INTEGER)) {
      this.diagnostics.push(error(`model '${model.name}' has ${formatCount(total)} parameters, more than 2^53 - 1 (${formatCount(Number.MAX_SAFE_INTEGER)}): counts this large cannot be represented exactly`, model.loc));
      return null;
    }
    if (dropped === 0) return this.#builder.build(model.name, this.#inputs, outputs);
    // Rebuild without the dead layers: ids must stay dense and topological.
    const builder = new GraphBuilder();
    const renumber = new Int32Array(size).fill(-1);
    for (let id = 0; id < size; id++) {
      const node = this.#builder.node(id);
      if (live[id] || node.kind === 'Input') renumber[id] = builder.add({ ...node, inputs: node.inputs.map((i) => renumber[i]) } as never).id;
    }
    return builder.build(model.name, this.#inputs.map((i) => renumber[i]), outputs.map((o) => renumber[o]));
  }

  #tick(loc: Location | null): void {
    if (++this.#steps > MAX_STEPS) {
      this.diagnostics.push(error(`the model takes more than ${formatCount(MAX_STEPS)} steps to expand (statements and argument values), the limit; reduce the repeat counts or the blocks' nesting`, loc));
      throw new Abort();
    }
  }

  #checkRepeatBudget(count: number, layersPerIteration: number, stepsPerIteration: number, loc: Location): void {
    const remaining = count - 1;
    if (this.#layerCount + layersPerIteration * remaining > MAX_LAYERS) {
      const total = layersPerIteration * count;
      const per = `${formatCount(layersPerIteration)} per iteration`;
      this.diagnostics.push(error(`repeat ${formatCount(count)} adds ${formatCount(total)} layers (${per}), more than the limit of ${formatCount(MAX_LAYERS)} layers in a model; reduce the repeat count`, loc));
      throw new Abort();
    }
    if (this.#steps + stepsPerIteration * remaining > MAX_STEPS) {
      this.diagnostics.push(error(`repeat ${formatCount(count)} takes more than ${formatCount(MAX_STEPS)} steps to expand (statements and argument values); reduce the repeat count`, loc));
      throw new Abort();
    }
  }

  #body(body: BodyCstNode, frame: Frame, current: Ref | undefined): Ref | undefined {
    for (const statement of body.children.statement ?? []) {
      const start = statement.location?.startOffset ?? 0;
      this.#tick({ source: this.#source, start, end: start + 1 });
      current = this.#statement(statement, frame, current);
    }
    return current;
  }

  #statement(statement: StatementCstNode, frame: Frame, current: Ref | undefined): Ref | undefined {
    const c = statement.children;
    if (c.inputStatement) return this.#input(c.inputStatement[0], frame, current);
    if (c.outputStatement) {
      this.#output(c.outputStatement[0], frame);
      return current;
    }
    if (c.repeatStatement) return this.#repeat(c.repeatStatement[0], frame, current);
    if (c.assignment) {
      const assignment = c.assignment[0];
      const token = assignment.children.name[0];
      const loc = tokenLocation(this.#source, token);
      const value = this.#chain(assignment.children.chain[0], frame, current);
      this.#bindValue(frame, token.image, value, loc);
      return value;
    }
    return this.#chain(c.chain![0], frame, current);
  }

  #bindValue(frame: Frame, name: string, ref: Ref, loc: Location): void {
    const existing = frame.scope.lookup(name);
    if (existing) {
      this.diagnostics.push(error(`value '${name}' is already defined; choose another name`, loc, [note(`'${name}' is defined here`, existing.loc)]));
      return;
    }
    if (this.#layerNames.has(name) || this.#blocks.has(name)) {
      this.diagnostics.push(error(`'${name}' names a ${this.#blocks.has(name) ? 'block' : 'layer'}; a value needs another name`, loc));
      return;
    }
    frame.scope.bind(name, { ref, loc });
  }

  #input(node: InputStatementCstNode, frame: Frame, current: Ref | undefined): Ref | undefined {
    const token = node.children.name[0];
    const loc = tokenLocation(this.#source, token);
    const shapeNode = node.children.shape?.[0];
    if (frame.inRepeat) {
      this.diagnostics.push(error(`'input' is not allowed inside 'repeat': declare inputs at the top of the ${frame.kind}`, loc));
      return current;
    }
    if (frame.kind === 'block') {
      if (shapeNode) this.diagnostics.push(error(`a block's input takes no shape: its shape comes from the caller`, loc));
      const ref = frame.passed[frame.state.inputsSeen] ?? POISON;
      frame.state.inputsSeen++;
      this.#bindValue(frame, token.image, ref, loc);
      return ref;
    }
    this.#inputStatements++;
    if (!shapeNode) {
      this.diagnostics.push(error(`model input '${token.image}' needs a shape, e.g. 'input ${token.image}: [28, 28]' (dimensions without the batch)`, loc));
      this.#bindValue(frame, token.image, POISON, loc);
      return POISON;
    }
    const list = frame.evaluator.list(shapeNode);
    let ref: Ref = POISON;
    const dims = list?.kind === 'list' ? list.items : [];
    const bad = dims.find((d) => d.kind !== 'number' || !Number.isSafeInteger(d.value) || d.value < 1);
    if (bad) {
      this.diagnostics.push(error(`input dimension must be a positive integer, found ${describeValue(bad)}`, bad.loc));
    } else if (list !== null && !frame.scope.lookup(token.image) && this.#claimName(token.image, loc, token.image)) {
      const shape: Shape = [null, ...dims.map((d) => (d as { value: number }).value)];
      ref = this.#builder.add({ kind: 'Input', name: token.image, inputs: [], attrs: {}, shape, loc }).id;
      this.#inputs.push(ref);
    }
    this.#bindValue(frame, token.image, ref, loc);
    return ref;
  }

  #output(node: OutputStatementCstNode, frame: Frame): void {
    const tokens = node.children.names;
    const loc = tokenLocation(this.#source, node.children.Output[0]);
    if (frame.inRepeat) {
      this.diagnostics.push(error(`'output' is not allowed inside 'repeat'`, loc));
      return;
    }
    if (frame.state.outputs) {
      this.diagnostics.push(error(`a ${frame.kind} has one 'output' statement; list every output in it`, loc, [note('the first output statement', frame.state.outputLoc ?? null)]));
      return;
    }
    if (frame.kind === 'block' && tokens.length > 1) {
      this.diagnostics.push(error(`a block's output names one value, found ${tokens.length}`, loc));
      return;
    }
    frame.state.outputs = tokens.map((t) => this.#lookupValue(frame, t.image, tokenLocation(this.#source, t)));
    frame.state.outputLoc = loc;
  }

  #lookupValue(frame: Frame, name: string, loc: Location): Ref {
    const found = frame.scope.lookup(name);
    if (found) return found.ref;
    this.diagnostics.push(error(`undefined value '${name}'${didYouMean(name, frame.scope.names(), this.#limits.suggestions)}`, loc));
    return POISON;
  }

  #repeat(node: RepeatStatementCstNode, frame: Frame, current: Ref | undefined): Ref | undefined {
    const countValue = frame.evaluator.expression(node.children.count[0]);
    const body = node.children.body[0];
    const loc = tokenLocation(this.#source, node.children.Repeat[0]);
    let count = 1;
    if (countValue === null) {
      current = POISON;
    } else if (countValue.kind === 'unknown') {
      count = 1;
    } else if (countValue.kind !== 'number' || !Number.isSafeInteger(countValue.value) || countValue.value < 1) {
      this.diagnostics.push(error(`repeat count must be a positive integer, found ${describeValue(countValue)}`, countValue.loc));
      current = POISON; // still check the body once
    } else {
      count = countValue.value;
    }
    for (let i = 0; i < count; i++) {
      const layersBefore = this.#layerCount;
      const stepsBefore = this.#steps;
      this.#tick(loc);
      const before = this.diagnostics.length;
      const iteration = this.#frame(frame.kind, new Scope(frame.scope), frame.evaluator, frame.passed, true);
      current = this.#body(body, { ...iteration, state: frame.state }, current);
      // Later iterations would only repeat the same errors.
      if (this.diagnostics.length > before && this.diagnostics.slice(before).some((d) => d.severity === 'error')) return POISON;
      // Every iteration runs the same statements with the same counts, so the first one
      // tells what all of them cost: refuse an oversized repeat now rather than after
      // building a million layers.
      if (i === 0 && count > 1) this.#checkRepeatBudget(count, this.#layerCount - layersBefore, this.#steps - stepsBefore, countValue!.loc);
    }
    return current;
  }

  #chain(node: ChainCstNode, frame: Frame, current: Ref | undefined): Ref {
    const c = node.children;
    const steps = c.steps ?? [];
    let value: Ref;
    let pending: Ref[] | null = null;
    if (c.head) {
      const tuple = c.head[0];
      pending = tuple.children.names.map((t) => this.#lookupValue(frame, t.image, tokenLocation(this.#source, t)));
      if (steps.length === 0) {
        const loc = tokenLocation(this.#source, tuple.children.LParen[0]);
        const names = tuple.children.names.map((t) => t.image).join(', ');
        // `Dense(3)(x)`: Keras's functional call, written right after a call's ')'.
        const keras = this.#source.body[loc.start - 1] === ')';
        const message = keras
          ? `a layer is applied to a value with '->', not by calling it: Keras's 'Layer(...)(${names})' is written '${tuple.children.names.length > 1 ? `(${names})` : names} -> Layer(...)'`
          : `a tuple of values must feed a layer or block: write '(${names}) -> Add'`;
        this.diagnostics.push(error(message, loc));
        return POISON;
      }
      value = POISON;
    } else {
      const call = c.headCall![0];
      const token = call.children.name[0];
      const bound = frame.scope.lookup(token.image);
      if (bound && !call.children.LParen) value = bound.ref;
      else value = this.#call(call, frame, current === undefined ? undefined : [current], true);
    }
    for (const step of steps) {
      value = this.#call(step, frame, pending ?? [value], false);
      pending = null;
    }
    return value;
  }

  /** A layer or block call applied to `inputs` (undefined: there is no current value). */
  #call(node: CallCstNode, frame: Frame, inputs: Ref[] | undefined, isHead: boolean): Ref {
    const token = node.children.name[0];
    const name = token.image;
    const loc = tokenLocation(this.#source, token);
    if (frame.scope.lookup(name)) {
      const hint = isHead ? `; to start a chain from it, write '${name} -> ...' without parentheses` : `; only a chain's head may be a value`;
      this.diagnostics.push(error(`'${name}' is a value, not a layer or block${hint}`, loc));
      return POISON;
    }
    const signature = lookupLayer(name);
    const block = this.#blocks.get(name);
    if (!signature && !block) {
      if (this.#models.has(name)) {
        this.diagnostics.push(error(`'${name}' is a model; only layers and blocks can be called`, loc));
      } else {
        const orValue = isHead && !node.children.LParen;
        const candidates = chainIterables<string>(this.#layerNames, this.#blocks.keys(), orValue ? frame.scope.names() : []);
        this.diagnostics.push(error(`unknown ${orValue ? 'layer, block or value' : 'layer or block'} '${name}'${didYouMean(name, candidates, this.#limits.suggestions)}`, loc));
      }
      return POISON;
    }
    const args = frame.evaluator.arguments(node.children.argumentList?.[0]);
    if (inputs === undefined) {
      this.diagnostics.push(error(`'${name}' has no input: there is no current value here; declare an input first or start the chain from a value`, loc));
      return POISON;
    }
    if (args === null) return POISON;
    if (block) return this.#expandBlock(block, args, inputs, loc);
    return this.#applyLayer(signature!, args, inputs, loc);
  }

  #applyLayer(signature: LayerSignature, args: Arguments, inputs: Ref[], loc: Location): Ref {
    if (++this.#layerCount > MAX_LAYERS) {
      this.diagnostics.push(error(`the model expands to more than ${formatCount(MAX_LAYERS)} layers, the limit; reduce the repeat counts or the blocks' nesting`, loc));
      throw new Abort();
    }
    const bound = bindArguments(signature, args, loc, this.diagnostics);
    const kind = signature.kind;
    if (signature.inputs === 'one' && inputs.length !== 1) {
      this.diagnostics.push(error(`${kind} takes one input, found a tuple of ${inputs.length}`, loc));
      return POISON;
    }
    if (signature.inputs === 'many' && inputs.length < 2) {
      this.diagnostics.push(error(`${kind} merges two or more inputs, found one; feed it a tuple such as '(a, b) -> ${kind}'`, loc));
      return POISON;
    }
    if (bound === null || inputs.includes(POISON)) return POISON;

    const producers = inputs.map((id) => this.#builder.node(id));
    const inputShapes = producers.map((p) => p.shape);
    const attrs = signature.attrs(bound, inputShapes);
    if ('error' in attrs && typeof attrs.error === 'string') {
      const at = attrs.param ? argumentLocation(args, signature, attrs.param) : undefined;
      this.diagnostics.push(error(attrs.error, at ?? loc));
      return POISON;
    }
    const shaped = producers.map((p) => ({ name: p.name, shape: p.shape }));
    const result = inferShape(kind, attrs, shaped);
    if ('error' in result) {
      this.diagnostics.push(error(result.error, loc, producers.map((p) => note(`'${p.name}' is ${formatShape(p.shape)}`, p.loc)).filter((n) => n.location !== null)));
      return POISON;
    }
    const trainable = bound.trainable as boolean;
    for (const weight of declaredWeights(kind, attrs, inputShapes, trainable)) {
      if (elementCount(weight.shape) === null) {
        const count = formatCount(bigProduct(weight.shape));
        this.diagnostics.push(error(`${kind} weight '${weight.name}' of shape [${weight.shape.join(', ')}] has ${count} parameters, more than 2^53 - 1: counts this large cannot be represented exactly`, loc));
        return POISON;
      }
    }
    const explicit = bound.name as string | null;
    if (explicit !== null && (explicit === '' || explicit.includes('/'))) {
      this.diagnostics.push(error(`layer name ${JSON.stringify(explicit)} must be non-empty and contain no '/' (weights are keyed '<layer>/<variable>')`, argumentLocation(args, signature, 'name') ?? loc));
      return POISON;
    }
    const name = explicit ?? this.#namer.next(kind);
    if (!this.#claimName(name, explicit !== null ? (argumentLocation(args, signature, 'name') ?? loc) : loc, explicit)) return POISON;
    return this.#builder.add({ kind, name, inputs: inputs as NodeId[], attrs: attrs as never, shape: result.shape, trainable, loc }).id;
  }

  #layerCount = 0;

  /** Reserves a layer name; reports a clash with the layer that has it. */
  #claimName(name: string, loc: Location, explicit: string | null): boolean {
    if (this.#usedNames.has(name)) {
      const how = explicit === null ? ` (the automatic name of this layer)` : '';
      this.diagnostics.push(error(`layer name '${name}'${how} is already used in this model; layer names must be unique`, loc, [note(`'${name}' is first used here`, this.#usedNames.get(name) ?? null)]));
      return false;
    }
    this.#usedNames.set(name, loc);
    return true;
  }

  #expandBlock(block: BlockInfo, args: Arguments, inputs: Ref[], callLoc: Location): Ref {
    block.expanded = true;
    if (block.broken) return POISON;
    if (this.#callStack.length >= MAX_BLOCK_DEPTH) {
      if (!this.#limits.blockDepthReported) {
        const outermost = this.#callStack[0];
        this.diagnostics.push(error(`blocks nest more than ${MAX_BLOCK_DEPTH} deep here (${outermost.block} -> ... -> ${block.name}); flatten the chain of blocks`, callLoc, [note(`the outermost block, '${outermost.block}', is called here`, outermost.loc)]));
        this.#limits.blockDepthReported = true;
      }
      throw new Abort();
    }
    const bound = bindArguments(blockSignature(block), args, callLoc, this.diagnostics);
    const declared = block.inputs.length;
    if (declared === 0 && inputs.length !== 1) {
      this.diagnostics.push(error(`block '${block.name}' takes one value (it declares no 'input'), but is given ${inputs.length}`, callLoc));
      return POISON;
    }
    if (declared > 0 && inputs.length !== declared) {
      this.diagnostics.push(error(`block '${block.name}' declares ${declared} input${declared > 1 ? 's' : ''} (${block.inputs.join(', ')}), but is given ${inputs.length} value${inputs.length > 1 ? 's' : ''}`, callLoc));
      return POISON;
    }
    if (bound === null) return POISON;
    return this.#expandBody(block, new Map(Object.entries(bound) as [string, Value][]), inputs, callLoc);
  }

  /** The block's body with its parameters bound; `callLoc` is null when the block is checked without a caller. */
  #expandBody(block: BlockInfo, parameters: ReadonlyMap<string, Value>, inputs: Ref[], callLoc: Location | null): Ref {
    const before = this.diagnostics.length;
    if (callLoc) this.#callStack.push({ block: block.name, loc: callLoc });
    const frame = this.#frame('block', new Scope(null), new Evaluator(this.#source, this.diagnostics, parameters, (loc) => this.#tick(loc)), inputs, false);
    let result: Ref;
    try {
      const current = this.#body(block.node.children.body[0], frame, block.inputs.length === 0 ? inputs[0] : undefined);
      result = frame.state.outputs?.[0] ?? current ?? POISON;
    } finally {
      if (callLoc) this.#callStack.pop();
    }
    // Errors inside the block say which call expanded it.
    if (callLoc) {
      for (let i = before; i < this.diagnostics.length; i++) {
        const d = this.diagnostics[i];
        this.diagnostics[i] = { ...d, notes: [...d.notes, note(`in block '${block.name}', expanded here`, callLoc)] };
      }
    }
    return result;
  }
}

/** Where an argument was written in a call, if it was. */
function argumentLocation(args: Arguments, signature: Signature, name: string): Location | undefined {
  const keyword = args.keyword.find((k) => k.key === name);
  if (keyword) return keyword.value.loc;
  const index = signature.params.findIndex((p) => p.name === name);
  return index >= 0 && index < args.positional.length ? args.positional[index].loc : undefined;
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.severity}:${d.location?.start}:${d.location?.end}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

