// A Keras-style model summary: per layer its type, output shape and parameter count,
// then the totals split into trainable and non-trainable, exactly as Keras counts them.

import { nodeWeights } from '../src/ir/ops.js';
import { elementCount, formatShapeTuple } from '../src/ir/shape.js';
import type { Graph, Shape } from '../src/ir/types.js';

export interface SummaryRow {
  readonly name: string;
  readonly type: string;
  readonly outputShape: Shape;
  readonly params: number;
  readonly trainableParams: number;
  readonly nonTrainableParams: number;
  /** Producers as Keras prints them: `dense[0][0]`. */
  readonly connectedTo: readonly string[];
}

export interface Summary {
  readonly model: string;
  /** Whether the graph is a single chain (Keras prints such models like a Sequential: no input rows, no "Connected to"). */
  readonly sequential: boolean;
  readonly layers: readonly SummaryRow[];
  readonly totalParams: number;
  readonly trainableParams: number;
  readonly nonTrainableParams: number;
}

export function summarize(graph: Graph): Summary {
  const sequential = isChain(graph);
  const layers: SummaryRow[] = [];
  // Plain numbers stay exact while every partial sum is at most 2^53 - 1 (sums of safe
  // integers below that bound are exact); past it the count is refused, never rounded.
  let total = 0;
  let trainable = 0;
  for (const node of graph.nodes) {
    let params = 0;
    let trainableHere = 0;
    for (const weight of nodeWeights(graph, node)) {
      const size = elementCount(weight.shape);
      if (size === null) throw new Error(`weight '${node.name}/${weight.name}' has more than 2^53 elements`);
      params += size;
      if (weight.trainable) trainableHere += size;
    }
    total += params;
    trainable += trainableHere;
    if (total > Number.MAX_SAFE_INTEGER) throw new Error(`model '${graph.name}' has more than 2^53 parameters`);
    if (sequential && node.kind === 'Input') continue;
    layers.push({
      name: node.name,
      type: node.kind === 'Input' ? 'InputLayer' : node.kind,
      outputShape: node.shape,
      params,
      trainableParams: trainableHere,
      nonTrainableParams: params - trainableHere,
      connectedTo: node.inputs.map((id) => `${graph.nodes[id].name}[0][0]`),
    });
  }
  return {
    model: graph.name,
    sequential,
    layers,
    totalParams: total,
    trainableParams: trainable,
    nonTrainableParams: total - trainable,
  };
}

/** One input, one output, every node consuming exactly the node before it. */
function isChain(graph: Graph): boolean {
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1 || graph.outputs[0] !== graph.nodes.length - 1) return false;
  return graph.nodes.every((node, i) => (i === 0 ? node.kind === 'Input' : node.inputs.length === 1 && node.inputs[0] === i - 1));
}

/** `1,000,000`: every count nnc prints (summary, reports, messages). */
export function formatCount(n: number | bigint): string {
  // Grouped by hand, not with toLocaleString: that loads ICU's locale data on first use,
  // about 20 ms of every `nnc check` (npm run bench -- startup).
  const digits = typeof n === 'bigint' ? n.toString() : Math.round(n).toString();
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Keras 3 reports sizes at 4 bytes per float32 parameter, in binary units. */
export function formatBytes(params: number): string {
  const bytes = params * 4;
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(2)} ${units[unit]}`;
}

/** The summary as Keras prints it (tf.keras's plain-text layout, columns sized to fit). */
export function formatSummary(summary: Summary): string {
  const headers = ['Layer (type)', 'Output Shape', 'Param #', ...(summary.sequential ? [] : ['Connected to'])];
  const rows = summary.layers.map((layer) => [
    `${layer.name} (${layer.type})`,
    formatShapeTuple(layer.outputShape),
    formatCount(layer.params),
    ...(summary.sequential ? [] : [layer.connectedTo.join(', ')]),
  ]);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)) + 3);
  const line = (cells: string[]) => ` ${cells.map((c, i) => c.padEnd(widths[i])).join('')}`.trimEnd();
  const width = widths.reduce((a, b) => a + b, 0) + 1;
  const out = [`Model: "${summary.model}"`, '_'.repeat(width), line(headers), '='.repeat(width)];
  rows.forEach((row, i) => {
    out.push(line(row));
    if (i < rows.length - 1) out.push('');
  });
  out.push('='.repeat(width));
  out.push(`Total params: ${formatCount(summary.totalParams)} (${formatBytes(summary.totalParams)})`);
  out.push(`Trainable params: ${formatCount(summary.trainableParams)} (${formatBytes(summary.trainableParams)})`);
  out.push(`Non-trainable params: ${formatCount(summary.nonTrainableParams)} (${formatBytes(summary.nonTrainableParams)})`);
  out.push('_'.repeat(width));
  return out.join('\n') + '\n';
}
