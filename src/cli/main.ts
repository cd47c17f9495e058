// The `nnc` command line: one command per file in ./commands, each loaded only when it
// runs, so that `nnc --help` loads none of them and `nnc check` neither TensorFlow.js
// nor esbuild. Bad input of any kind ends in a message and an exit code, never a stack
// trace.

import { NncError, didYouMean, formatDiagnostics } from '../diagnostics.js';
import { UsageError, formatUsage, parseArgs } from './args.js';
import { type Command, EXIT_ERRORS, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, type Io } from './command.js';

export interface CommandEntry {
  readonly name: string;
  /** One line, shown by `nnc --help` and at the top of the command's own usage. */
  readonly summary: string;
  /** The command's options and code (./commands/<name>.ts). */
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'check',
    summary: 'Check .nn files: exit 0 when clean, 1 with every diagnostic otherwise.',
    load: async () => (await import('./commands/check.js')).checkCommand,
  },
  {
    name: 'fmt',
    summary: 'Format .nn files canonically: print them, or --check or --write them (comments, blocks and repeat kept).',
    load: async () => (await import('./commands/fmt.js')).fmtCommand,
  },
  {
    name: 'summary',
    summary: "Print a Keras-style summary: each layer's output shape and parameters, and the totals (FILE may also be a .keras, .h5 or model.json).",
    load: async () => (await import('./commands/summary.js')).summaryCommand,
  },
  {
    name: 'ir',
    summary: 'Print the IR of a model as text: one line per node with its inputs, attributes, shape and weights.',
    load: async () => (await import('./commands/ir.js')).irCommand,
  },
  {
    name: 'init',
    summary: "Write a model's initial weights (Keras's initializers, reproducible from a seed) as safetensors.",
    load: async () => (await import('./commands/init.js')).initCommand,
  },
  {
    name: 'run',
    summary: 'Run a model on an input tensor (.npy) and print or save its predictions.',
    load: async () => (await import('./commands/run.js')).runCommand,
  },
  {
    name: 'verify',
    summary: 'Prove the optimized graph computes the same function: run both on the given and on random inputs, compare every output.',
    load: async () => (await import('./commands/verify.js')).verifyCommand,
  },
  {
    name: 'build',
    summary: 'Optimize a model for inference and write a self-contained bundle: model.json, weights.safetensors, model.js.',
    load: async () => (await import('./commands/build.js')).buildCommand,
  },
  {
    name: 'train',
    summary: 'Train a model (Keras fit semantics) on Fashion-MNIST or an .npz; write the trained weights.',
    load: async () => (await import('./commands/train.js')).trainCommand,
  },
  {
    name: 'evaluate',
    summary: 'Loss and accuracy of a model (with weights) or of a bundle on a dataset split, in inference mode.',
    load: async () => (await import('./commands/evaluate.js')).evaluateCommand,
  },
  {
    name: 'graph',
    summary: 'Draw the graph as SVG: each layer with its kind, name and output shape; with --optimize, after folding, each BatchNormalization’s fate marked.',
    load: async () => (await import('./commands/graph.js')).graphCommand,
  },
  {
    name: 'import',
    summary: 'Import a Keras (.keras, .h5) or TensorFlow.js (model.json) model: write DIR/model.nn and DIR/weights.safetensors.',
    load: async () => (await import('./commands/import.js')).importCommand,
  },
  {
    name: 'export',
    summary: 'Export a model with its weights for Keras 3 (.keras, optionally compiled for training) or TensorFlow.js layers (model.json and shards).',
    load: async () => (await import('./commands/export.js')).exportCommand,
  },
];

export const INTERNAL_ERROR_HINT = 'This is a bug in nnc, not in your input: please report it with the command and its files (NNC_DEBUG=1 prints the stack).';

/**
 * What nnc prints can hold names from files (layer and model names, tensor keys): control
 * characters could drive the terminal (ESC sequences) and bidirectional overrides could
 * reorder what is shown. Both are printed escaped, as \xNN or \uNNNN; newlines and tabs
 * pass, and so does the one control sequence nnc writes itself (progress bars: CR, ESC[K).
 */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (match) => (match === CLEAR_LINE ? match : [...match].map(escapeChar).join('')));
}

const CLEAR_LINE = '\r\x1b[K';
// C0 controls but \t and \n, DEL, C1 controls, and the bidirectional marks, embeddings, overrides and isolates.
const UNSAFE = /\r\x1b\[K|[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** A reader that stops reading (`nnc summary ... | head -1`) ends nnc quietly: no EPIPE stack. */
function endQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
}

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stderr.isTTY),
};

function overview(): string {
  const lines = ['usage: nnc <command> [arguments] [options]', '', 'commands:'];
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  lines.push(
    '',
    'options:',
    '  -h, --help     this overview (or, after a command, its options)',
    '  -v, --version  the version of nnc',
    '',
    "Run 'nnc <command> --help' for a command's options.",
    'Exit codes: 0 ok, 1 invalid input (every diagnostic printed), 2 usage error, 70 internal error.',
  );
  return lines.join('\n') + '\n';
}

export async function main(argv: readonly string[], rawIo: Io = processIo): Promise<number> {
  if (rawIo === processIo) endQuietlyOnClosedPipe();
  const io: Io = { stdout: (text) => rawIo.stdout(escapeControls(text)), stderr: (text) => rawIo.stderr(escapeControls(text)), isTTY: rawIo.isTTY };
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? io.stderr : io.stdout)(overview());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    const { nncVersion } = await import('../../runtime/version.js');
    io.stdout(`nnc ${nncVersion()}\n`);
    return EXIT_OK;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.stderr(`nnc: unknown command '${name}'${didYouMean(name, COMMANDS.map((c) => c.name))}\n\n${overview()}`);
    return EXIT_USAGE;
  }
  let command: Command;
  try {
    command = await entry.load();
  } catch (e) {
    return internalError(entry.name, e, io);
  }
  const usage = () => formatUsage(entry.name, command.positionals, command.flags, entry.summary);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(usage());
    return EXIT_OK;
  }
  try {
    const { positional, flags } = parseArgs(entry.name, command.positionals, command.flags, rest);
    return await command.run({ positional, flags, io });
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`nnc ${entry.name}: ${e.message}\n\n${usage()}`);
      return EXIT_USAGE;
    }
    if (e instanceof NncError) {
      io.stderr(formatDiagnostics(e.diagnostics) + '\n');
      return EXIT_ERRORS;
    }
    return internalError(entry.name, e, io);
  }
}

/** A bug in nnc, not in the input: said plainly, without a stack unless NNC_DEBUG is set. */
function internalError(name: string, e: unknown, io: Io): number {
  const message = e instanceof Error ? e.message : String(e);
  io.stderr(`nnc ${name}: internal error: ${message}\n${INTERNAL_ERROR_HINT}\n`);
  if (process.env.NNC_DEBUG === '1' && e instanceof Error) io.stderr(`${e.stack}\n`);
  return EXIT_INTERNAL;
}
