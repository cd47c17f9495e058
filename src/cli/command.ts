// What a command is: its arguments, options and an async `run` that returns an exit code.

import type { FlagSpec, FlagValues, PositionalSpec } from './args.js';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal (progress bars redraw in place only then). */
  readonly isTTY: boolean;
}

export interface CommandContext {
  readonly positional: readonly string[];
  readonly flags: FlagValues;
  readonly io: Io;
}

/** A command's options and code, in ./commands/<name>.ts; its name and summary are in main.ts's table. */
export interface Command {
  readonly positionals: readonly PositionalSpec[];
  readonly flags: readonly FlagSpec[];
  run(context: CommandContext): Promise<number>;
}

/** Exit codes (docs/cli.md): 0 ok, 1 the input has errors (diagnostics printed), 2 bad command line, 70 a bug in nnc (EX_SOFTWARE). */
export const EXIT_OK = 0;
export const EXIT_ERRORS = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

export const MODEL_FLAG: FlagSpec = { name: 'model', type: 'string', metavar: 'NAME', description: 'the model to use when the file defines several' };

export const BACKEND_FLAG: FlagSpec = { name: 'backend', type: 'string', metavar: 'NAME', choices: ['wasm', 'cpu'], description: 'TensorFlow.js backend', default: 'wasm' };
export const WEIGHTS_FLAG: FlagSpec = { name: 'weights', type: 'string', metavar: 'W.safetensors', description: 'weights file (safetensors, keyed <layer>/<variable>)' };
export const PASSES_FLAG: FlagSpec = { name: 'passes', type: 'list', metavar: 'a,b,-c', description: 'choose optimizer passes: names to run, or -name to skip one' };
