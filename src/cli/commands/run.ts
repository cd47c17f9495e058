import { initNodeBackend } from '../../../runtime/backends/node.js';
import type { BackendName } from '../../../runtime/backend.js';
import { Model, checkFiniteInput } from '../../../runtime/model.js';
import { NncError } from '../../diagnostics.js';
import { formatShape } from '../../ir/shape.js';
import type { Graph } from '../../ir/types.js';
import type { HostTensor } from '../../ir/tensors.js';
import { type FlagValues, UsageError } from '../args.js';
import { BACKEND_FLAG, type Command, EXIT_OK, type Io, MODEL_FLAG, WEIGHTS_FLAG } from '../command.js';
import { isDirectory, readTensorFile, writeBytes, writeTensorFile } from '../files.js';
import { writeNpz } from '../../formats/npz.js';
import { float32 } from '../../ir/tensors.js';
import { loadModelOrBundle } from '../loadModelOrBundle.js';

/** Reads `--input` files and checks them against the graph's inputs (batch dimension included). */
export function readInputs(graph: Graph, paths: readonly string[]): HostTensor[] {
  const nodes = graph.inputs.map((id) => graph.nodes[id]);
  if (paths.length !== nodes.length) {
    throw new NncError(`model '${graph.name}' takes ${nodes.length} input${nodes.length > 1 ? 's' : ''} (${nodes.map((n) => n.name).join(', ')}); give ${nodes.length === 1 ? 'one file' : 'one file per input, comma-separated,'} to --input`);
  }
  const inputs = paths.map((path, i) => {
    const tensor = readTensorFile(path);
    const node = nodes[i];
    const fits = tensor.shape.length === node.shape.length && node.shape.every((d, axis) => d === null || d === tensor.shape[axis]) && tensor.shape[0] > 0;
    if (!fits) {
      const hint = tensor.shape.length === node.shape.length - 1 ? ' (add a batch dimension: x[np.newaxis])' : '';
      throw new NncError(`${path} has shape ${formatShape(tensor.shape)}, but input '${node.name}' expects ${formatShape(node.shape)}${hint}`);
    }
    checkFiniteInput(tensor, path);
    return tensor;
  });
  for (let i = 1; i < inputs.length; i++) {
    if (inputs[i].shape[0] !== inputs[0].shape[0]) {
      throw new NncError(`the --input files have different batch sizes: ${paths[0]} holds ${inputs[0].shape[0]} examples for '${nodes[0].name}', ${paths[i]} holds ${inputs[i].shape[0]} for '${nodes[i].name}'; every input needs one row per example`);
    }
  }
  return inputs;
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

/**
 * `--output`: one .npy per output (comma-separated, in the model's output order), or one
 * .npz holding every output under its name. Without it, the outputs are printed.
 */
function writeOrPrint(names: readonly string[], outputs: HostTensor[], flags: FlagValues, io: Io): number {
  const paths = flags.output as string[] | undefined;
  if (!paths) {
    outputs.forEach((o, i) => io.stdout(formatOutput(names[i], o)));
    return EXIT_OK;
  }
  const describe = (i: number) => `output ${names[i]}, shape [${outputs[i].shape.join(', ')}]`;
  if (paths.length === 1 && paths[0].endsWith('.npz')) {
    const arrays = Object.fromEntries(outputs.map((o, i) => [names[i], { shape: o.shape, data: float32(o.data) }]));
    writeBytes(paths[0], writeNpz(arrays), 'output file');
    io.stdout(`wrote ${paths[0]}: ${outputs.map((_, i) => describe(i)).join('; ')}\n`);
    return EXIT_OK;
  }
  paths.forEach((path, i) => {
    writeTensorFile(path, outputs[i]);
    io.stdout(`wrote ${path}: ${describe(i)}\n`);
  });
  return EXIT_OK;
}

/** Refused before any work: as many .npy files as outputs, or one .npz. */
function checkOutputPaths(paths: readonly string[], names: readonly string[]): void {
  if (paths.length === 1 && paths[0].endsWith('.npz')) return;
  const bad = paths.find((p) => !p.endsWith('.npy'));
  if (bad !== undefined) throw new UsageError(`--output expects .npy files (one per output) or one .npz, found '${bad}'`);
  if (paths.length !== names.length) {
    const count = `${names.length} output${names.length === 1 ? '' : 's'} (${names.join(', ')})`;
    throw new UsageError(`the model has ${count}: give --output ${names.length === 1 ? 'one .npy file' : `${names.length} .npy files, comma-separated, or one .npz`}, not ${paths.length}`);
  }
}

export const runCommand: Command = {
  positionals: [{ name: 'FILE|DIR', description: 'a .nn file (with --weights), a Keras or TensorFlow.js model, or a bundle directory made by nnc build', arity: 'one' }],
  flags: [
    MODEL_FLAG,
    WEIGHTS_FLAG,
    { name: 'input', type: 'list', metavar: 'x.npy', description: 'input tensor(s), float32, batch first' },
    { name: 'output', type: 'list', metavar: 'y.npy', description: 'write the outputs instead of printing them: one .npy per output (comma-separated), or one .npz holding each under its name' },
    BACKEND_FLAG,
    { name: 'training', type: 'boolean', description: 'run in training mode (batch statistics, active Dropout)' },
  ],
  async run({ positional, flags, io }) {
    if (!flags.input) throw new UsageError('--input x.npy is required');
    // A usage error before the bundle is read and its hashes checked.
    if (flags.training && isDirectory(positional[0])) throw new UsageError('a bundle is an inference build: --training does not apply');
    const { graph, weights, weightsName, outputNames } = await loadModelOrBundle(positional[0], flags, io);
    if (flags.output) checkOutputPaths(flags.output as string[], outputNames);
    const inputs = readInputs(graph, flags.input as string[]);
    const backend = await initNodeBackend(flags.backend as BackendName);
    io.stderr(`backend: ${backend}\n`);
    const model = new Model(graph, weights, backend, { weightsName });
    try {
      const outputs = await model.predictHost(inputs, { training: Boolean(flags.training) });
      return writeOrPrint(outputNames, outputs, flags, io);
    } finally {
      model.dispose();
    }
  },
};
