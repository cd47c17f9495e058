import test from 'ava';
import { type FlagSpec, type PositionalSpec, UsageError, formatUsage, parseArgs } from '../../src/cli/args.js';

const POSITIONALS: PositionalSpec[] = [{ name: 'FILE', description: 'a .nn file', arity: 'one' }];
const FLAGS: FlagSpec[] = [
  { name: 'model', type: 'string', metavar: 'NAME', description: 'the model' },
  { name: 'json', type: 'boolean', description: 'as JSON' },
  { name: 'batch', type: 'positive-int', description: 'batch size', default: 32 },
  { name: 'seed', type: 'non-negative-int', description: 'seed' },
  { name: 'lr', type: 'number', description: 'learning rate' },
  { name: 'passes', type: 'list', description: 'passes' },
  { name: 'backend', type: 'string', choices: ['wasm', 'cpu'], description: 'backend' },
];

const parse = (...argv: string[]) => parseArgs('test', POSITIONALS, FLAGS, argv);

function usageError(t: { throws: (fn: () => unknown, expectations: object) => unknown }, argv: string[], message: string) {
  t.throws(() => parse(...argv), { instanceOf: UsageError, message });
}

test('values by space or =, switches and --no-switches, defaults', (t) => {
  t.deepEqual(parse('f.nn', '--model', 'M', '--json'), { positional: ['f.nn'], flags: { model: 'M', json: true, batch: 32 } });
  t.deepEqual(parse('--model=M', 'f.nn', '--no-json', '--batch=8'), { positional: ['f.nn'], flags: { model: 'M', json: false, batch: 8 } });
  t.deepEqual(parse('f.nn', '--json=false', '--seed', '0', '--lr', '1e-3', '--passes', 'a, b,-c,'), {
    positional: ['f.nn'],
    flags: { json: false, batch: 32, seed: 0, lr: 0.001, passes: ['a', 'b', '-c'] },
  });
});

test("'--' ends the options; '-' is a positional", (t) => {
  t.deepEqual(parse('--', '--json').positional, ['--json']);
  t.deepEqual(parse('-').positional, ['-']);
});

test('typed values are checked', (t) => {
  usageError(t, ['f.nn', '--batch', '0'], "option --batch expects a positive integer, found '0'");
  usageError(t, ['f.nn', '--batch', '2.5'], "option --batch expects a positive integer, found '2.5'");
  usageError(t, ['f.nn', '--seed', '-1'], "option --seed expects a non-negative integer, found '-1'");
  usageError(t, ['f.nn', '--lr', 'fast'], "option --lr expects a number, found 'fast'");
  usageError(t, ['f.nn', '--backend', 'wsam'], "option --backend must be one of wasm, cpu, found 'wsam'; did you mean 'wasm'?");
  usageError(t, ['f.nn', '--no-model'], 'option --model is not a switch: --no-model does not apply');
  usageError(t, ['f.nn', '--modle', 'M'], "unknown option '--modle'; did you mean '--model'?");
  usageError(t, ['f.nn', '--no-json=1'], 'option --no-json takes no value');
});

test('usage text lists arguments and options with their defaults', (t) => {
  const usage = formatUsage('test', POSITIONALS, FLAGS, 'Test things.');
  t.true(usage.startsWith('usage: nnc test FILE [options]\n\nTest things.\n\n  FILE                   a .nn file\n\noptions:\n'));
  t.true(usage.includes('  --batch VALUE          batch size [default: 32]\n'));
  t.true(usage.includes('  --backend VALUE        backend (wasm|cpu)\n'));
});
