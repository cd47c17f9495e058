// Issue 20, class 1 (and 3): what nnc never does to your files. A failed write leaves the
// old file byte-identical; a path whose folders cannot be made fails at once; a bundle
// never replaces a folder holding other files; `nnc run DIR` refuses a model.js that is
// truncated or embeds another model.json.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nnc, scratchDir } from '../helpers/cli.js';

const dir = scratchDir('nnc-outputs-');

test.serial('a failed nnc init --out leaves the old weights file byte-identical and no temporary', (t) => {
  const out = join(dir, 'w.safetensors');
  const before = new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 7) & 255));
  writeFileSync(out, before);
  // A file-size limit of 200 blocks (100 KiB) makes the write of Géron's 1 MiB weights fail
  // half-way (EFBIG), as a full disk would.
  const result = spawnSync('sh', ['-c', `ulimit -f 200; exec "${process.execPath}" bin/nnc.js init examples/geron.nn --out "${out}"`], { encoding: 'utf8' });
  t.is(result.status, 1, result.stderr);
  t.is(result.stderr, `error: cannot write weights file '${out}': file too large (a size limit of the system or the file system)\n`);
  t.deepEqual(new Uint8Array(readFileSync(out)), before);
  t.deepEqual(readdirSync(dir).filter((name) => name.startsWith('.')), []);
});

test.serial('--out under /proc fails at once, naming the folder that cannot be made', async (t) => {
  const started = Date.now();
  const init = await nnc('init', 'examples/geron.nn', '--out', '/proc/nnc-test/w.safetensors');
  t.is(init.code, 1);
  t.is(init.stderr, "error: cannot write weights file '/proc/nnc-test/w.safetensors': cannot make folder '/proc/nnc-test': no such file or directory\n");
  const weights = join(dir, 'tiny.safetensors');
  t.is((await nnc('init', 'examples/geron.nn', '--out', weights)).code, 0);
  const build = await nnc('build', 'examples/geron.nn', '--weights', weights, '--out', '/proc/nnc-test/bundle', '--no-optimize');
  t.is(build.code, 1);
  t.regex(build.stderr, /error: cannot write the bundle to '\/proc\/nnc-test\/bundle': cannot make folder '\/proc\/nnc-test': no such file or directory\n$/);
  t.true(Date.now() - started < 60_000);
});

test.serial('a bundle never replaces a folder holding other files, and says so before any work', async (t) => {
  const weights = join(dir, 'g.safetensors');
  t.is((await nnc('init', 'examples/geron.nn', '--out', weights)).code, 0);
  const out = join(dir, 'mine');
  mkdirSync(out);
  writeFileSync(join(out, 'notes.txt'), 'my notes');
  writeFileSync(join(out, 'model.json'), '{}');
  const build = await nnc('build', 'examples/geron.nn', '--weights', weights, '--out', out);
  t.is(build.code, 1);
  t.is(build.stdout, '', 'refused before the optimizer ran');
  t.is(build.stderr, `error: cannot write the bundle to '${out}': it holds files that are not part of a bundle (notes.txt); a new bundle replaces the whole directory, so give a new or empty one\n`);
  t.is(readFileSync(join(out, 'notes.txt'), 'utf8'), 'my notes');
  t.is(readFileSync(join(out, 'model.json'), 'utf8'), '{}');
});

test.serial('nnc run DIR refuses a truncated model.js, and one that embeds another model.json', async (t) => {
  const weights = join(dir, 'g.safetensors');
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  t.is((await nnc('build', 'examples/geron.nn', '--weights', weights, '--out', a, '--no-optimize')).code, 0);
  t.is((await nnc('build', 'examples/geron.nn', '--weights', weights, '--out', b)).code, 0);
  const input = ['--input', 'examples/fashion-mnist-4.npy'];
  t.is((await nnc('run', a, ...input)).code, 0);

  const truncated = join(dir, 'truncated');
  cpSync(a, truncated, { recursive: true });
  const js = readFileSync(join(a, 'model.js'));
  writeFileSync(join(truncated, 'model.js'), js.subarray(0, js.length - 1000));
  const cut = await nnc('run', truncated, ...input);
  t.is(cut.code, 1);
  t.is(cut.stderr, `error: ${join(truncated, 'model.js')} is not a complete nnc model.js: its last line should be '// nnc-bundle sha256=…' (truncated, edited, or built by an older nnc? rebuild the bundle with nnc build)\n`);

  // Cut in the middle but with the seal line kept: the digest no longer matches.
  const text = js.toString('utf8');
  const seal = text.slice(text.lastIndexOf('\n// nnc-bundle'));
  writeFileSync(join(truncated, 'model.js'), text.slice(0, 5000) + seal);
  const edited = await nnc('run', truncated, ...input);
  t.is(edited.code, 1);
  t.regex(edited.stderr, new RegExp(`^error: ${join(truncated, 'model.js')} is corrupted: its SHA-256 is [0-9a-f]{64}, its seal says [0-9a-f]{64} \\(truncated or edited; rebuild the bundle with nnc build\\)\\n$`));

  // b's model.js (whole, sealed) beside a's model.json and weights.
  const mixed = join(dir, 'mixed');
  cpSync(a, mixed, { recursive: true });
  cpSync(join(b, 'model.js'), join(mixed, 'model.js'));
  const other = await nnc('run', mixed, ...input);
  t.is(other.code, 1);
  t.is(other.stderr, `error: ${join(mixed, 'model.js')} does not embed ${join(mixed, 'model.json')}: the page would run a different model than model.json describes (a bundle's files come from one nnc build; rebuild it)\n`);
});
