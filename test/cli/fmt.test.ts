// `nnc fmt`: print, --check and --write, run in-process.

import test from 'ava';
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nnc, scratchDir } from '../helpers/cli.js';

const scratch = scratchDir('nnc-fmt-');
let folders = 0;

/** A fresh folder in the scratch directory holding `files` (name → text). */
function folderWith(files: Record<string, string>): string {
  const dir = join(scratch, `case-${folders++}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const MESSY = 'model M{input x:[4]  # the input\nDense(3,activation=relu);Dense(2)}\n';
const TIDY = 'model M {\n  input x: [4]  # the input\n  Dense(3, activation=relu)\n  Dense(2)\n}\n';
const BROKEN = 'model M {\n  input x: [4]\n  Dense(3, activation=relu\n}\n';

test('--check passes on examples/ (the directory stands for its .nn files)', async (t) => {
  const run = await nnc('fmt', '--check', 'examples');
  t.deepEqual(run, { code: 0, stdout: '', stderr: '' });
});

test('without a flag: the formatted text on stdout, the file untouched', async (t) => {
  const dir = folderWith({ 'm.nn': MESSY });
  const run = await nnc('fmt', join(dir, 'm.nn'));
  t.deepEqual(run, { code: 0, stdout: TIDY, stderr: '' });
  t.is(readFileSync(join(dir, 'm.nn'), 'utf8'), MESSY);
});

test('--check lists the files that would change and exits 1, changing nothing', async (t) => {
  const dir = folderWith({ 'a.nn': MESSY, 'b.nn': TIDY, 'c.nn': MESSY });
  const run = await nnc('fmt', '--check', dir);
  t.is(run.code, 1);
  t.is(run.stdout, `${join(dir, 'a.nn')}\n${join(dir, 'c.nn')}\n`);
  t.is(run.stderr, "2 of 3 files are not formatted; run 'nnc fmt --write' to format them\n");
  t.is(readFileSync(join(dir, 'a.nn'), 'utf8'), MESSY);
});

test('--write rewrites in place through a rename: the mode is kept, no temporary file is left, --check then passes', async (t) => {
  const dir = folderWith({ 'a.nn': MESSY, 'b.nn': TIDY });
  chmodSync(join(dir, 'a.nn'), 0o640);
  const before = statSync(join(dir, 'b.nn')).mtimeMs;
  const run = await nnc('fmt', '--write', join(dir, 'a.nn'), join(dir, 'b.nn'));
  t.deepEqual(run, { code: 0, stdout: `${join(dir, 'a.nn')}\n`, stderr: 'formatted 1 of 2 files\n' });
  t.is(readFileSync(join(dir, 'a.nn'), 'utf8'), TIDY);
  t.is(statSync(join(dir, 'a.nn')).mode & 0o777, 0o640);
  t.is(statSync(join(dir, 'b.nn')).mtimeMs, before, 'a formatted file is not rewritten');
  t.deepEqual(readdirSync(dir).sort(), ['a.nn', 'b.nn']);
  t.deepEqual(await nnc('fmt', '--check', dir), { code: 0, stdout: '', stderr: '' });
});

test('a file with syntax errors is reported and never rewritten; the other files are still formatted; exit 1', async (t) => {
  const dir = folderWith({ 'bad.nn': BROKEN, 'good.nn': MESSY });
  const bad = join(dir, 'bad.nn');
  const run = await nnc('fmt', '--write', bad, join(dir, 'good.nn'));
  t.is(run.code, 1);
  t.is(run.stdout, `${join(dir, 'good.nn')}\n`);
  t.is(run.stderr, [`${bad}:4:1: error: expected ')', found '}'`, '  |', '4 | }', '  | ^', 'formatted 1 of 2 files', ''].join('\n'));
  t.is(readFileSync(bad, 'utf8'), BROKEN);
  t.is(readFileSync(join(dir, 'good.nn'), 'utf8'), TIDY);
});

test('unreadable inputs: a missing file, a directory without .nn files; exit 1', async (t) => {
  const empty = folderWith({ 'notes.txt': 'hello' });
  const run = await nnc('fmt', '--check', 'no/such/model.nn', empty);
  t.is(run.code, 1);
  t.is(run.stdout, '');
  t.is(run.stderr, `error: no .nn files in directory '${empty}'\nerror: cannot read file 'no/such/model.nn': no such file or directory\n`);
});

test('usage errors exit 2: --check with --write, no file, an unknown option', async (t) => {
  const both = await nnc('fmt', '--check', '--write', 'examples');
  t.is(both.code, 2);
  t.true(both.stderr.startsWith('nnc fmt: --check and --write cannot be combined: --check changes nothing, --write formats\n\nusage: nnc fmt FILE... [options]\n'));
  const none = await nnc('fmt');
  t.is(none.code, 2);
  t.true(none.stderr.startsWith('nnc fmt: missing FILE (a .nn file, or a directory of them (several may be given))\n'));
  const unknown = await nnc('fmt', '--chek', 'examples');
  t.is(unknown.code, 2);
  t.true(unknown.stderr.startsWith("nnc fmt: unknown option '--chek'; did you mean '--check'?\n"));
});

test('--help prints the usage, exit 0; the overview lists fmt', async (t) => {
  const help = await nnc('fmt', '--help');
  t.is(help.code, 0);
  t.is(
    help.stdout,
    [
      'usage: nnc fmt FILE... [options]',
      '',
      'Format .nn files canonically: print them, or --check or --write them (comments, blocks and repeat kept).',
      '',
      '  FILE                   a .nn file, or a directory of them (several may be given)',
      '',
      'options:',
      '  --check                print the files that are not formatted, exit 1 if there are any; change nothing',
      '  --write                rewrite the files that are not formatted, in place',
      '',
    ].join('\n'),
  );
  t.true((await nnc('--help')).stdout.includes('\n  fmt        Format .nn files canonically'));
});
