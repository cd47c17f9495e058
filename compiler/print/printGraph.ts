// An IR graph printed as a flat `.nn` model that checks back to the same graph: the
// same kinds, layer names, attributes and shapes, in the same order.
//
//   model NAME {
//     input x: [28, 28]          one line per input
//     Flatten                    one statement per layer; a layer whose input is the
//     h = Dense(100)             previous statement's value applies to it implicitly,
//     Dense(10)                  any other input is named (`h -> Dense(10)`), merges
//     (h, dense_1) -> Add        take a tuple; a value is bound (`h = ...`) only where a
//     output add, h              later statement or `output` names it; `output` is
//   }                            written unless the outputs are the last statement's value.
//
// Layers appear in graph order, so node ids survive the round trip. Layer names are
// written (`name="..."`) only where the compiler's automatic name (compiler/naming.ts)
// would differ; input and value names are identifiers made from the layer names.

import { type Diagnostic, NncError, error } from '../../src/diagnostics.js';
import { formatShape } from '../../src/ir/shape.js';
import type { Graph, Node, NodeId } from '../../src/ir/types.js';
import { lookupLayer } from '../layers/table.js';
import { LayerNamer } from '../naming.js';
import { ValueNames, formatNumber, quoteString, toIdentifier } from './text.js';
import { writeCall } from './writtenArguments.js';

export interface PrintGraphOptions {
  /** Written above the model as `#` comment lines (e.g. where an imported model came from). */
  readonly comment?: string;
  /** The model's name in the text (default: the graph's name); made an identifier either way. */
  readonly name?: string;
}

/** Kinds the language has no syntax for, with what to do instead. */
const UNWRITABLE: Readonly<Record<string, string>> = {
  Affine: 'the optimizer introduces it when it folds a BatchNormalization for inference; print the graph before optimizing it',
};

/** One statement of the printed body: an input, or a layer applied to named or implicit inputs. */
type Statement = { readonly input: NodeId } | { readonly layer: NodeId; readonly head: 'implicit' | 'named' };

/** Prints `graph` as `.nn` text; throws NncError naming every layer the language cannot write. */
export function printGraph(graph: Graph, options: PrintGraphOptions = {}): string {
  const diagnostics: Diagnostic[] = [];
  const nodes = graph.nodes;
  if (graph.inputs.length === 0) diagnostics.push(error(`cannot print model '${graph.name}': it has no input`));
  if (graph.outputs.length === 0) diagnostics.push(error(`cannot print model '${graph.name}': it has no output`));

  const statements = layout(graph);
  const named = namedValues(graph, statements);

  // An input's name is a layer name too: one that is no identifier is replaced by one
  // that no other layer of the graph has. Bound values only need to differ from each other.
  const values = new ValueNames();
  const layerNames = new Set(nodes.map((n) => n.name));
  const valueName = new Map<NodeId, string>();
  for (const id of graph.inputs) {
    const own = nodes[id].name;
    valueName.set(id, values.claim(own, (name) => name !== own && layerNames.has(name)));
  }
  for (const id of named) if (!valueName.has(id)) valueName.set(id, values.claim(nodes[id].name));

  const namer = new LayerNamer();
  const lines: string[] = [];
  for (const statement of statements) {
    if ('input' in statement) {
      lines.push(inputLine(nodes[statement.input], valueName.get(statement.input)!, diagnostics));
      continue;
    }
    const node = nodes[statement.layer];
    const call = callText(graph, node, namer, diagnostics);
    const head = statement.head === 'implicit' ? '' : node.inputs.length === 1 ? `${valueName.get(node.inputs[0])} -> ` : `(${node.inputs.map((i) => valueName.get(i)).join(', ')}) -> `;
    const binding = named.has(node.id) ? `${valueName.get(node.id)} = ` : '';
    lines.push(`${binding}${head}${call}`);
  }
  if (needsOutputLine(graph, statements)) lines.push(`output ${graph.outputs.map((id) => valueName.get(id)).join(', ')}`);

  if (diagnostics.length > 0) throw new NncError(diagnostics);
  const comment = options.comment === undefined ? '' : options.comment.split(/\r?\n/).map((line) => (line === '' ? '#\n' : `# ${line}\n`)).join('');
  const modelName = toIdentifier(options.name ?? (graph.name === '' ? 'model' : graph.name));
  return `${comment}model ${modelName} {\n${lines.map((line) => `  ${line}\n`).join('')}}\n`;
}

/**
 * The statements in graph order. Inputs come where they are in the graph when that
 * agrees with `graph.inputs`' order (always, for a graph the compiler built), else first.
 */
function layout(graph: Graph): Statement[] {
  const inputOrder = graph.nodes.filter((n) => n.kind === 'Input').map((n) => n.id);
  const inputsInPlace = inputOrder.length === graph.inputs.length && inputOrder.every((id, i) => graph.inputs[i] === id);
  const statements: Statement[] = inputsInPlace ? [] : graph.inputs.map((input) => ({ input }));
  let current: NodeId | undefined = inputsInPlace ? undefined : graph.inputs.at(-1);
  for (const node of graph.nodes) {
    if (node.kind === 'Input') {
      if (inputsInPlace) {
        statements.push({ input: node.id });
        current = node.id;
      }
      continue;
    }
    const implicit = node.inputs.length === 1 && node.inputs[0] === current;
    statements.push({ layer: node.id, head: implicit ? 'implicit' : 'named' });
    current = node.id;
  }
  return statements;
}

/** Values some statement or the `output` line refers to by name. */
function namedValues(graph: Graph, statements: readonly Statement[]): Set<NodeId> {
  const named = new Set<NodeId>();
  for (const statement of statements) {
    if ('layer' in statement && statement.head === 'named') for (const input of graph.nodes[statement.layer].inputs) named.add(input);
  }
  if (needsOutputLine(graph, statements)) for (const id of graph.outputs) named.add(id);
  return named;
}

/** Without `output`, a model's output is its last statement's value. */
function needsOutputLine(graph: Graph, statements: readonly Statement[]): boolean {
  const last = statements.at(-1);
  const lastValue = last === undefined ? undefined : 'input' in last ? last.input : last.layer;
  return !(graph.outputs.length === 1 && graph.outputs[0] === lastValue);
}

function inputLine(node: Node, name: string, diagnostics: Diagnostic[]): string {
  const dims = node.shape.slice(1);
  if (node.shape[0] !== null || dims.some((d) => d === null || !Number.isSafeInteger(d) || d < 1)) {
    diagnostics.push(error(`cannot print input '${node.name}' of shape ${formatShape(node.shape)}: a .nn input has a batch dimension and then fixed positive dimensions`, node.loc));
  }
  return `input ${name}: [${dims.join(', ')}]`;
}

/** The layer's call with its arguments, `name=` where the automatic name differs, and `trainable=false`. */
function callText(graph: Graph, node: Node, namer: LayerNamer, diagnostics: Diagnostic[]): string {
  const cannot = (why: string) => {
    diagnostics.push(error(`cannot print layer '${node.name}' (${node.kind}): ${why}`, node.loc));
    return node.kind;
  };
  if (Object.hasOwn(UNWRITABLE, node.kind)) return cannot(UNWRITABLE[node.kind]);
  const signature = lookupLayer(node.kind);
  if (signature === undefined || signature.kind !== node.kind) return cannot(`the .nn language has no layer ${node.kind}`);

  const extra: string[] = [];
  if (namer.peek(node.kind) === node.name) {
    namer.next(node.kind);
  } else {
    const quoted = quoteString(node.name);
    if (node.name === '' || node.name.includes('/')) return cannot(`a layer name must be non-empty and contain no '/'`);
    if (quoted === null) return cannot(`its name holds a line break, which a .nn string cannot`);
    extra.push(`name=${quoted}`);
  }
  if (!node.trainable) extra.push('trainable=false');

  const written = writeCall(signature, node, node.inputs.map((id) => graph.nodes[id].shape), extra);
  if ('text' in written) return written.text;
  if (written.attribute === null) return cannot(`its attributes do not resolve back to themselves from any arguments`);
  return cannot(`attribute '${written.attribute}' = ${describe(written.value)} has no .nn spelling`);
}

function describe(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value) ?? String(value);
  return JSON.stringify(value) ?? String(value);
}
