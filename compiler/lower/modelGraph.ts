// The graph one model expands into, and the checks of adding a layer to it: arguments
// bound to the layer's Keras signature, the number of inputs, attributes and the output
// shape, weights whose size can be counted exactly, and a unique Keras-style name. A
// layer that fails any of them yields POISON instead of a node.

import { type Diagnostic, type Location, error, note } from '../../src/diagnostics.js';
import { GraphBuilder } from '../../src/ir/graph.js';
import { checkedProduct, declaredWeights, inferShape } from '../../src/ir/ops.js';
import { formatShape } from '../../src/ir/shape.js';
import type { NodeId, Shape } from '../../src/ir/types.js';
import { type Signature, bindArguments } from '../layers/arguments.js';
import type { LayerSignature } from '../layers/table.js';
import { LayerNamer } from '../naming.js';
import { formatCount } from '../summary.js';
import type { Arguments } from '../values.js';
import type { ModelInfo } from './definitions.js';
import { type ExpandedModel, expandedModel } from './expandedModel.js';
import { type ExpansionBudget, bigProduct } from './limits.js';
import { POISON, type Ref } from './scope.js';

export class ModelGraph {
  readonly #diagnostics: Diagnostic[];
  readonly #builder = new GraphBuilder();
  readonly #namer = new LayerNamer();
  /** Layer names in use, with where they were given. */
  readonly #usedNames = new Map<string, Location | null>();
  readonly #inputs: NodeId[] = [];
  readonly #budget: ExpansionBudget;

  constructor(diagnostics: Diagnostic[], budget: ExpansionBudget) {
    this.#diagnostics = diagnostics;
    this.#budget = budget;
  }

  /** A model input named `name`; POISON if the name is taken. */
  addInput(name: string, shape: Shape, loc: Location): Ref {
    if (!this.#claimName(name, loc, name)) return POISON;
    const id = this.#builder.add({ kind: 'Input', name, inputs: [], attrs: {}, shape, loc }).id;
    this.#inputs.push(id);
    return id;
  }

  applyLayer(signature: LayerSignature, args: Arguments, inputs: Ref[], loc: Location): Ref {
    this.#budget.layer(loc);
    const bound = bindArguments(signature, args, loc, this.#diagnostics);
    const kind = signature.kind;
    if (signature.inputs === 'one' && inputs.length !== 1) {
      this.#diagnostics.push(error(`${kind} takes one input, found a tuple of ${inputs.length}`, loc));
      return POISON;
    }
    if (signature.inputs === 'many' && inputs.length < 2) {
      this.#diagnostics.push(error(`${kind} merges two or more inputs, found one; feed it a tuple such as '(a, b) -> ${kind}'`, loc));
      return POISON;
    }
    if (bound === null || inputs.includes(POISON)) return POISON;

    const producers = inputs.map((id) => this.#builder.node(id));
    const inputShapes = producers.map((p) => p.shape);
    const attrs = signature.attrs(bound, inputShapes);
    if ('error' in attrs && typeof attrs.error === 'string') {
      const at = attrs.param ? argumentLocation(args, signature, attrs.param) : undefined;
      this.#diagnostics.push(error(attrs.error, at ?? loc));
      return POISON;
    }
    const shaped = producers.map((p) => ({ name: p.name, shape: p.shape }));
    const result = inferShape(kind, attrs, shaped);
    if ('error' in result) {
      this.#diagnostics.push(error(result.error, loc, producers.map((p) => note(`'${p.name}' is ${formatShape(p.shape)}`, p.loc)).filter((n) => n.location !== null)));
      return POISON;
    }
    const trainable = bound.trainable as boolean;
    for (const weight of declaredWeights(kind, attrs, inputShapes, trainable)) {
      if (checkedProduct(weight.shape) === null) {
        const count = formatCount(bigProduct(weight.shape));
        this.#diagnostics.push(error(`${kind} weight '${weight.name}' of shape [${weight.shape.join(', ')}] has ${count} parameters, more than 2^53 - 1: counts this large cannot be represented exactly`, loc));
        return POISON;
      }
    }
    const explicit = bound.name as string | null;
    if (explicit !== null && (explicit === '' || explicit.includes('/'))) {
      this.#diagnostics.push(error(`layer name ${JSON.stringify(explicit)} must be non-empty and contain no '/' (weights are keyed '<layer>/<variable>')`, argumentLocation(args, signature, 'name') ?? loc));
      return POISON;
    }
    const name = explicit ?? this.#namer.next(kind);
    if (!this.#claimName(name, explicit !== null ? (argumentLocation(args, signature, 'name') ?? loc) : loc, explicit)) return POISON;
    return this.#builder.add({ kind, name, inputs: inputs as NodeId[], attrs: attrs as never, shape: result.shape, trainable, loc }).id;
  }

  /** The finished expansion, with `outputs` as the model's outputs. */
  expanded(model: ModelInfo, outputs: readonly NodeId[]): ExpandedModel {
    return expandedModel(model, this.#builder, this.#inputs, outputs);
  }

  /** Reserves a layer name; reports a clash with the layer that has it. */
  #claimName(name: string, loc: Location, explicit: string | null): boolean {
    if (this.#usedNames.has(name)) {
      const how = explicit === null ? ` (the automatic name of this layer)` : '';
      this.#diagnostics.push(error(`layer name '${name}'${how} is already used in this model; layer names must be unique`, loc, [note(`'${name}' is first used here`, this.#usedNames.get(name) ?? null)]));
      return false;
    }
    this.#usedNames.set(name, loc);
    return true;
  }
}

/** Where an argument was written in a call, if it was. */
function argumentLocation(args: Arguments, signature: Signature, name: string): Location | undefined {
  const keyword = args.keyword.find((k) => k.key === name);
  if (keyword) return keyword.value.loc;
  const index = signature.params.findIndex((p) => p.name === name);
  return index >= 0 && index < args.positional.length ? args.positional[index].loc : undefined;
}
