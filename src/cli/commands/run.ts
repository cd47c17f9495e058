import { initNodeBackend } from '../../../runtime/backends/node.js';
import type { BackendName } from '../../../runtime/backend.js';
import { Model } from '../../../runtime/model.js';
import { NncError } from '../../diagnostics.js';
import { formatShape } from '../../ir/shape.js';
import type { Graph } from '../../ir/types.js';
import type { HostTensor } from '../../ir/tensors.js';
import { type FlagValues, UsageError } from '../args.js';
import { BACKEND_FLAG, type Command, EXIT_OK, type Io, MODEL_FLAG, WEIGHTS_FLAG } from '../command.js';
import { isDirectory, readTensorFile, writeTensorFile } from '../files.js';
import { loadModelOrBundle } from '../loadModelOrBundle.js';

/** Reads `--input` files and checks them against the graph's inputs (batch dimension included). */
export function readInputs(graph: Graph, paths: readonly string[]): HostTensor[] {
  const nodes = graph.inputs.map((id) => graph.nodes[id]);
  if (paths.length !== nodes.length) {
    throw new NncError(`model '${graph.name}' takes ${nodes.length} input${nodes.length > 1 ? 's' : ''} (${nodes.map((n) => n.name).join(', ')}); give ${nodes.length === 1 ? 'one file' : 'one file per input, comma-separated,'} to --input`);
  }
  return paths.map((path, i) => {
    const tensor = readTensorFile(path);
    const node = nodes[i];
    const fits = tensor.shape.length === node.shape.length && node.shape.every((d, axis) => d === null || d === tensor.shape[axis]) && tensor.shape[0] > 0;
    if (!fits) {
      const hint = tensor.shape.length === node.shape.length - 1 ? ' (add a batch dimension: x[np.newaxis])' : '';
      throw new NncError(`${path} has shape ${formatShape(tensor.shape)}, but input '${node.name}' expects ${formatShape(node.shape)}${hint}`);
    }
    return tensor;
  });
}

/** Rows of an output, for the terminal: values and, for 2-D outputs, each row's argmax. */
export function formatOutput(name: string, tensor: HostTensor, maxRows = 20): string {
  const lines = [`${name}: shape [${tensor.shape.join(', ')}]`];
  const rows = tensor.shape[0];
  const width = tensor.data.length / Math.max(rows, 1);
  for (let r = 0; r < Math.min(rows, maxRows); r++) {
    const row = Array.from(tensor.data.subarray(r * width, (r + 1) * width));
    const shown = row.slice(0, 16).map((v) => v.toPrecision(6)).join(' ') + (row.length > 16 ? ` ... (${row.length} values)` : '');
    const best = row.reduce((bi, v, i) => (v > row[bi] ? i : bi), 0);
    lines.push(`  [${r}] ${shown}${tensor.shape.length === 2 && row.length > 1 ? `  argmax ${best}` : ''}`);
  }
  if (rows > maxRows) lines.push(`  ... ${rows - maxRows} more rows (write them all with --output y.npy)`);
  return lines.join('\n') + '\n';
}

function writeOrPrint(graph: Graph, outputs: HostTensor[], flags: FlagValues, io: Io): number {
  const names = graph.outputs.map((id) => graph.nodes[id].name);
  if (flags.output) {
    writeTensorFile(flags.output as string, outputs[0]);
    io.stdout(`wrote ${flags.output}: output ${names[0]}, shape [${outputs[0].shape.join(', ')}]\n`);
  } else {
    outputs.forEach((o, i) => io.stdout(formatOutput(names[i], o)));
  }
  return EXIT_OK;
}

export const runCommand: Command = {
  positionals: [{ name: 'FILE|DIR', description: 'a .nn file, or a bundle directory made by nnc build', arity: 'one' }],
  flags: [
    MODEL_FLAG,
    WEIGHTS_FLAG,
    { name: 'input', type: 'list', metavar: 'x.npy', description: 'input tensor(s), float32, batch first' },
    { name: 'output', type: 'string', metavar: 'y.npy', description: 'write the (first) output here instead of printing it' },
    BACKEND_FLAG,
    { name: 'training', type: 'boolean', description: 'run in training mode (batch statistics, active Dropout)' },
  ],
  async run({ positional, flags, io }) {
    if (!flags.input) throw new UsageError('--input x.npy is required');
    // A usage error before the bundle is read and its hashes checked.
    if (flags.training && isDirectory(positional[0])) throw new UsageError('a bundle is an inference build: --training does not apply');
    const { graph, weights, weightsName } = await loadModelOrBundle(positional[0], flags, io);
    const inputs = readInputs(graph, flags.input as string[]);
    const backend = await initNodeBackend(flags.backend as BackendName);
    io.stderr(`backend: ${backend}\n`);
    const model = new Model(graph, weights, backend, { weightsName });
    try {
      const outputs = await model.predictHost(inputs, { training: Boolean(flags.training) });
      return writeOrPrint(graph, outputs, flags, io);
    } finally {
      model.dispose();
    }
  },
};
