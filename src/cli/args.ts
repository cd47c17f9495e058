// Command-line flags: `--name value`, `--name=value`, `--flag`, `--no-flag`. Every
// flag is declared with its type; anything else is a usage error with a suggestion.

import { didYouMean } from '../diagnostics.js';

export type FlagType = 'string' | 'boolean' | 'positive-int' | 'non-negative-int' | 'number' | 'list';

export interface FlagSpec {
  readonly name: string;
  readonly type: FlagType;
  readonly description: string;
  /** Placeholder in the usage text: `--out DIR`. */
  readonly metavar?: string;
  readonly choices?: readonly string[];
  readonly default?: string | number | boolean;
}

export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  /** `one`: exactly one; `many`: one or more. */
  readonly arity?: 'one' | 'many';
}

export type FlagValues = Record<string, string | number | boolean | string[] | undefined>;

export interface ParsedArgs {
  readonly positional: readonly string[];
  readonly flags: FlagValues;
}

/** A mistake on the command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(command: string, positionals: readonly PositionalSpec[], specs: readonly FlagSpec[], argv: readonly string[]): ParsedArgs {
  const flags: FlagValues = {};
  for (const spec of specs) if (spec.default !== undefined) flags[spec.name] = spec.default;
  const positional: string[] = [];
  const byName = new Map(specs.map((s) => [s.name, s]));
  let onlyPositional = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (onlyPositional || !arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositional = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unknown option '${arg}': options are written --name${didYouMean(arg.replace(/^-+/, ''), specs.map((s) => s.name)).replace(/'([^']+)'/, "'--$1'")}`);
    const eq = arg.indexOf('=');
    let name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    let spec = byName.get(name);
    if (!spec && name.startsWith('no-') && byName.get(name.slice(3))?.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`option --${name} takes no value`);
      name = name.slice(3);
      spec = byName.get(name);
      inline = 'false';
    }
    if (!spec && name.startsWith('no-') && byName.has(name.slice(3))) {
      throw new UsageError(`option --${name.slice(3)} is not a switch: --${name} does not apply`);
    }
    if (!spec) {
      const suggestion = didYouMean(name, specs.map((s) => s.name)).replace(/'([^']+)'/, "'--$1'");
      throw new UsageError(`unknown option '--${name}'${suggestion}`);
    }
    if (spec.type === 'boolean') {
      if (inline === undefined) flags[name] = true;
      else if (inline === 'true' || inline === 'false') flags[name] = inline === 'true';
      else throw new UsageError(`option --${name} is a switch: write --${name} or --no-${name}`);
      continue;
    }
    let raw = inline;
    if (raw === undefined) {
      const needs = `option --${name} needs a value${spec.metavar ? ` (${spec.metavar})` : ''}`;
      if (i + 1 >= argv.length) throw new UsageError(needs);
      // `--out --seed 1`: the next option is not a value (a value that starts with -- is written --out=--x).
      if (argv[i + 1].startsWith('--')) throw new UsageError(`${needs}, found option ${argv[i + 1]}`);
      raw = argv[++i];
    }
    flags[name] = convertFlag(spec, raw);
  }

  const required = positionals.filter((p) => p.arity !== undefined);
  const many = positionals.some((p) => p.arity === 'many');
  if (positional.length < required.length) {
    const missing = required.slice(positional.length);
    throw new UsageError(`missing ${missing.map((p) => `${p.name} (${p.description})`).join(' and ')}`);
  }
  if (!many && positional.length > positionals.length) {
    const takes = positionals.length === 0 ? 'no arguments' : positionals.map((p) => p.name).join(' ');
    throw new UsageError(`unexpected argument '${positional[positionals.length]}': 'nnc ${command}' takes ${takes}`);
  }
  return { positional, flags };
}

/** A decimal number as people write it: 3, -0.5, .5, 1e-3, 1.5E+2. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function convertFlag(spec: FlagSpec, raw: string): string | number | string[] {
  const fail = (what: string) => new UsageError(`option --${spec.name} expects ${what}, found '${raw}'`);
  switch (spec.type) {
    case 'string':
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new UsageError(`option --${spec.name} must be one of ${spec.choices.join(', ')}, found '${raw}'${didYouMean(raw, spec.choices)}`);
      }
      return raw;
    case 'positive-int': {
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1) throw fail('a positive integer');
      return n;
    }
    case 'non-negative-int': {
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw fail('a non-negative integer');
      return n;
    }
    case 'number': {
      // Decimal only: Number() would also take 0x10, 0b11, 1_000 (no) and ' 1 '.
      const n = Number(raw);
      if (!DECIMAL.test(raw) || !Number.isFinite(n)) throw fail('a number');
      return n;
    }
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    case 'boolean':
      throw fail('no value');
  }
}

export function formatUsage(command: string, positionals: readonly PositionalSpec[], specs: readonly FlagSpec[], summary: string): string {
  const args = positionals.map((p) => (p.arity === 'many' ? `${p.name}...` : p.arity === 'one' ? p.name : `[${p.name}]`)).join(' ');
  const lines = [`usage: nnc ${command}${args ? ` ${args}` : ''}${specs.length ? ' [options]' : ''}`, '', summary];
  if (positionals.length) {
    lines.push('');
    for (const p of positionals) lines.push(`  ${p.name.padEnd(22)} ${p.description}`);
  }
  if (specs.length) {
    lines.push('', 'options:');
    for (const s of specs) {
      const head = s.type === 'boolean' ? `--${s.name}` : `--${s.name} ${s.metavar ?? 'VALUE'}`;
      const extra = s.choices ? ` (${s.choices.join('|')})` : '';
      const def = s.default !== undefined && s.type !== 'boolean' ? ` [default: ${s.default}]` : '';
      lines.push(`  ${head.padEnd(22)} ${s.description}${extra}${def}`);
    }
  }
  return lines.join('\n') + '\n';
}
