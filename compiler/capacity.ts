// A model the runtime cannot hold is an error at check time, with the limit
// (src/ir/runtimeLimits.ts): every weight, every layer's output for one example (and a
// causal Conv1D's padded input), and all the weights together, as float32, must fit in
// the runtime's memory. One pass
// over the graph; sizes are computed in BigInt so that no product overflows unnoticed.

import { type Diagnostic, error } from '../src/diagnostics.js';
import { nodeWeights } from '../src/ir/ops.js';
import { FLOAT32_BYTES, MAX_RUNTIME_BYTES } from '../src/ir/runtimeLimits.js';
import type { Graph } from '../src/ir/types.js';
import { formatCount } from './summary.js';

const LIMIT = BigInt(MAX_RUNTIME_BYTES);
const BYTES = BigInt(FLOAT32_BYTES);

const size = (shape: readonly (number | null)[]) => shape.reduce((n: bigint, d) => n * BigInt(d ?? 1), 1n);

const limitText = `more than the ${formatCount(MAX_RUNTIME_BYTES)} bytes the runtime can hold (the WebAssembly backend's 4 GiB memory)`;

/** The first thing in `graph` the runtime cannot hold, as an error at its layer; null when everything fits. */
export function checkCapacity(graph: Graph): Diagnostic | null {
  let total = 0n;
  for (const node of graph.nodes) {
    const perExample = size(node.shape.slice(1));
    if (perExample * BYTES > LIMIT) {
      return error(`layer '${node.name}' outputs ${formatCount(perExample)} values per example (${formatCount(perExample * BYTES)} bytes as float32), ${limitText}; make it smaller`, node.loc);
    }
    // A causal Conv1D pads (kernel_size − 1)·dilation_rate zeros before its input inside its kernel.
    if (node.kind === 'Conv1D' && node.attrs.padding === 'causal') {
      const [, steps, channels] = graph.nodes[node.inputs[0]].shape;
      const zeros = BigInt(node.attrs.kernel_size - 1) * BigInt(node.attrs.dilation_rate);
      const padded = (BigInt(steps ?? 1) + zeros) * BigInt(channels ?? 1);
      if (padded * BYTES > LIMIT) {
        return error(`layer '${node.name}' pads its input with ${formatCount(zeros)} steps of zeros (padding=causal: (kernel_size − 1)·dilation_rate), ${formatCount(padded)} values per example (${formatCount(padded * BYTES)} bytes as float32), ${limitText}; make the dilation smaller`, node.loc);
      }
    }
    for (const spec of nodeWeights(graph, node)) {
      const values = size(spec.shape);
      if (values * BYTES > LIMIT) {
        return error(`layer '${node.name}' has a ${spec.name} of ${formatCount(values)} values (${formatCount(values * BYTES)} bytes as float32), ${limitText}; make the layer smaller`, node.loc);
      }
      total += values;
      if (total * BYTES > LIMIT) {
        return error(`model '${graph.name}' reaches ${formatCount(total)} parameters at layer '${node.name}' (${formatCount(total * BYTES)} bytes as float32), ${limitText}`, node.loc);
      }
    }
  }
  return null;
}
