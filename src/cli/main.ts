// The `nnc` command line: dispatches to one command per file in ./commands.
// Bad input of any kind ends in a message and an exit code, never a stack trace.

import { NncError, didYouMean, formatDiagnostics } from '../diagnostics.js';
import { UsageError, formatUsage, parseArgs } from './args.js';
import { type Command, EXIT_ERRORS, EXIT_OK, EXIT_USAGE, type Io } from './command.js';
import { buildCommand } from './commands/build.js';
import { checkCommand } from './commands/check.js';
import { evaluateCommand } from './commands/evaluate.js';
import { fmtCommand } from './commands/fmt.js';
import { graphCommand } from './commands/graph.js';
import { irCommand } from './commands/ir.js';
import { initCommand } from './commands/init.js';
import { runCommand } from './commands/run.js';
import { summaryCommand } from './commands/summary.js';
import { trainCommand } from './commands/train.js';
import { verifyCommand } from './commands/verify.js';

export const COMMANDS: readonly Command[] = [checkCommand, fmtCommand, summaryCommand, irCommand, initCommand, runCommand, verifyCommand, buildCommand, trainCommand, evaluateCommand, graphCommand];

export const VERSION = '0.1.0';

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stderr.isTTY),
};

function overview(): string {
  const lines = ['usage: nnc <command> [arguments] [options]', '', 'commands:'];
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  lines.push('', "Run 'nnc <command> --help' for a command's options.");
  return lines.join('\n') + '\n';
}

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
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
    io.stderr(`nnc ${command.name}: internal error: ${message}\n`);
    if (process.env.NNC_DEBUG && e instanceof Error) io.stderr(`${e.stack}\n`);
    return 70;
  }
}
