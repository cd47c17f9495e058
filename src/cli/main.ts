// The `nnc` command line: dispatches to one command per file in ./commands.
// Bad input of any kind ends in a message and an exit code, never a stack trace.

import { NncError, didYouMean, formatDiagnostics } from '../diagnostics.js';
import { UsageError, formatUsage, parseArgs } from './args.js';
import { type Command, EXIT_ERRORS, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, type Io } from './command.js';
import { buildCommand } from './commands/build.js';
import { checkCommand } from './commands/check.js';
import { evaluateCommand } from './commands/evaluate.js';
import { fmtCommand } from './commands/fmt.js';
import { graphCommand } from './commands/graph.js';
import { importCommand } from './commands/import.js';
import { irCommand } from './commands/ir.js';
import { initCommand } from './commands/init.js';
import { runCommand } from './commands/run.js';
import { summaryCommand } from './commands/summary.js';
import { trainCommand } from './commands/train.js';
import { verifyCommand } from './commands/verify.js';

export const COMMANDS: readonly Command[] = [checkCommand, fmtCommand, summaryCommand, irCommand, initCommand, runCommand, verifyCommand, buildCommand, trainCommand, evaluateCommand, graphCommand, importCommand];

export const VERSION = '0.1.0';

export const INTERNAL_ERROR_HINT = 'This is a bug in nnc, not in your input: please report it with the command and its files (NNC_DEBUG=1 prints the stack).';

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stderr.isTTY),
};

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

function overview(): string {
  const lines = ['usage: nnc <command> [arguments] [options]', '', 'commands:'];
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  lines.push('', "Run 'nnc <command> --help' for a command's options.");
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
  if (name === '--version') {
    io.stdout(`nnc ${VERSION}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`nnc: unknown command '${name}'${didYouMean(name, COMMANDS.map((c) => c.name))}\n\n${overview()}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(formatUsage(command.name, command.positionals, command.flags, command.summary));
    return EXIT_OK;
  }
  try {
    const { positional, flags } = parseArgs(command.name, command.positionals, command.flags, rest);
    return await command.run({ positional, flags, io });
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`nnc ${command.name}: ${e.message}\n\n${formatUsage(command.name, command.positionals, command.flags, command.summary)}`);
      return EXIT_USAGE;
    }
    if (e instanceof NncError) {
      io.stderr(formatDiagnostics(e.diagnostics) + '\n');
      return EXIT_ERRORS;
    }
    // A bug in nnc, not in the input: say so plainly, without a stack unless asked.
    const message = e instanceof Error ? e.message : String(e);
    io.stderr(`nnc ${command.name}: internal error: ${message}\n${INTERNAL_ERROR_HINT}\n`);
    if (process.env.NNC_DEBUG === '1' && e instanceof Error) io.stderr(`${e.stack}\n`);
    return EXIT_INTERNAL;
  }
}
