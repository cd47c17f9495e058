// Expands one model, or one block no model calls, from the CST: statements run in
// order over lexical scopes (compiler/lower/scope.ts), chains apply layers and blocks
// to the current value, `repeat` runs its body count times, and a block call expands
// the block's body with its arguments bound to its parameters. Layers go to the
// model's graph (modelGraph.ts), which checks each one.
//
// Errors are collected, never thrown. A value whose layer failed is POISON: whatever
// consumes it is still argument-checked but not shape-checked, so one mistake gives one
// error, not a cascade. Running out of a budget (limits.ts) throws Abort, caught here.

import type { BodyCstNode, CallCstNode, ChainCstNode, InputStatementCstNode, OutputStatementCstNode, RepeatStatementCstNode, StatementCstNode } from '../../grammar/cst.js';
import { type Diagnostic, type Location, type Source, didYouMean, error, note } from '../../src/diagnostics.js';
import type { NodeId, Shape } from '../../src/ir/types.js';
import { bindArguments } from '../../src/ir/layers/arguments.js';
import { lookupLayer } from '../layers/table.js';
import { type Arguments, Evaluator, type Value, describeValue, tokenLocation } from '../values.js';
import { blockSignature } from './blockSignature.js';
import type { BlockInfo, DefinitionIndex, ModelInfo } from './definitions.js';
import type { ExpandedModel } from './expandedModel.js';
import { Abort, type BlockCallSite, ExpansionBudget, type FileLimits } from './limits.js';
import { ModelGraph } from './modelGraph.js';
import { type Frame, POISON, type Ref, Scope, newFrame } from './scope.js';

function* chainIterables<T>(...iterables: Iterable<T>[]): Generator<T> {
  for (const iterable of iterables) yield* iterable;
}

export class ModelLowering {
  readonly diagnostics: Diagnostic[] = [];
  readonly #source: Source;
  readonly #blocks: ReadonlyMap<string, BlockInfo>;
  readonly #models: ReadonlyMap<string, ModelInfo>;
  readonly #layerNames: ReadonlySet<string>;
  readonly #budget: ExpansionBudget;
  readonly #graph: ModelGraph;
  /** `input` statements of the model, including those whose shape was wrong. */
  #inputStatements = 0;
  /** Blocks being expanded, innermost last, with their call sites. */
  readonly #callStack: BlockCallSite[] = [];

  readonly #limits: FileLimits;
  /** Whether `lowerModel` stopped at a limit (limits.ts): what came after that point was never looked at. */
  stoppedAtLimit = false;

  constructor(source: Source, index: DefinitionIndex, limits: FileLimits) {
    this.#limits = limits;
    this.#budget = new ExpansionBudget(this.diagnostics, limits);
    this.#graph = new ModelGraph(this.diagnostics, this.#budget);
    this.#source = source;
    this.#blocks = index.blocks;
    this.#models = index.models;
    this.#layerNames = index.layerNames;
  }

  /**
   * Expands a model's statements. Null when the model has an error (reported) or ran out
   * of budget; otherwise every layer it made, for the rules over finished models.
   */
  lowerModel(model: ModelInfo): ExpandedModel | null {
    const frame = newFrame('model', new Scope(null), new Evaluator(this.#source, this.diagnostics, new Map(), (loc) => this.#budget.step(loc)), [], false);
    let current: Ref | undefined;
    try {
      current = this.#body(model.node.children.body[0], frame, undefined);
    } catch (e) {
      if (!(e instanceof Abort)) throw e;
      this.stoppedAtLimit = true;
      return null;
    }
    if (this.#inputStatements === 0) {
      this.diagnostics.push(error(`model '${model.name}' has no input; declare one with 'input NAME: [dims]'`, model.loc));
      return null;
    }
    const outputs = frame.state.outputs ?? (current === undefined ? [] : [current]);
    if (this.diagnostics.some((d) => d.severity === 'error') || outputs.includes(POISON) || outputs.length === 0) return null;
    return this.#graph.expanded(model, outputs as NodeId[]);
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

  #body(body: BodyCstNode, frame: Frame, current: Ref | undefined): Ref | undefined {
    for (const statement of body.children.statement ?? []) {
      const start = statement.location?.startOffset ?? 0;
      this.#budget.step({ source: this.#source, start, end: start + 1 });
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
    } else if (list !== null && !frame.scope.lookup(token.image)) {
      const shape: Shape = [null, ...dims.map((d) => (d as { value: number }).value)];
      ref = this.#graph.addInput(token.image, shape, loc);
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
      const layersBefore = this.#budget.layers;
      const stepsBefore = this.#budget.steps;
      this.#budget.step(loc);
      const before = this.diagnostics.length;
      const iteration = newFrame(frame.kind, new Scope(frame.scope), frame.evaluator, frame.passed, true);
      current = this.#body(body, { ...iteration, state: frame.state }, current);
      // Later iterations would only repeat the same errors.
      if (this.diagnostics.length > before && this.diagnostics.slice(before).some((d) => d.severity === 'error')) return POISON;
      if (i === 0 && count > 1) this.#budget.repeat(count, this.#budget.layers - layersBefore, this.#budget.steps - stepsBefore, countValue!.loc);
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
    return this.#graph.applyLayer(signature!, args, inputs, loc);
  }

  #expandBlock(block: BlockInfo, args: Arguments, inputs: Ref[], callLoc: Location): Ref {
    block.expanded = true;
    if (block.broken) return POISON;
    this.#budget.nest(this.#callStack, block.name, callLoc);
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
    const frame = newFrame('block', new Scope(null), new Evaluator(this.#source, this.diagnostics, parameters, (loc) => this.#budget.step(loc)), inputs, false);
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
