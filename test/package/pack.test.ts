// The npm package as a user gets it. A copy of this working tree (tracked and new files,
// not ignored ones) is packed with `npm pack`, whose prepack builds dist/ in the copy,
// leaving this tree's dist/ alone; the tarball is installed into an empty project with
// `npm install --offline` (every dependency from the npm cache; if the cache lacks one,
// the install is retried with the registry, and the test says so in its log). Then, in
// that project, what the README promises: `npx nnc --help | --version | check | init |
// build`, `import { compile, check } from 'nnc'` in a plain .mjs, the types for
// TypeScript users, and `nnc/core`; and what a fast start needs: the commands that only
// read `.nn` files (check, fmt, summary, ir, graph) load neither TensorFlow.js nor esbuild.

import test from 'ava';
import { type SpawnSyncReturns, execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nnc } from '../helpers/cli.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string> };
const TRACE_HOOK = join(REPO, 'test/helpers/traceModules.mjs');
const TSC = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

const root = mkdtempSync(join(tmpdir(), 'nnc-pack-'));
const copy = join(root, 'repo');
const project = join(root, 'project');
let tarballFiles: string[] = [];
let installLog = '';

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 180_000 });
}

const npx = (...args: string[]) => run('npx', ['--no-install', 'nnc', ...args], project);

test.before(() => {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' }).split('\0');
  for (const file of files) {
    if (!file || !existsSync(join(REPO, file))) continue; // a tracked file deleted in the working tree
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    copyFileSync(join(REPO, file), join(copy, file));
  }
  symlinkSync(realpathSync(join(REPO, 'node_modules')), join(copy, 'node_modules'));
  const packed = run('npm', ['pack', '--json', '--pack-destination', root], copy);
  if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  tarballFiles = info.files.map((f) => f.path);

  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-nnc', private: true, type: 'module' }));
  const tarball = join(root, info.filename);
  let installed = run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], project);
  installLog = installed.stderr;
  if (installed.status !== 0 && /ENOTCACHED/.test(installed.stderr)) {
    installLog = `the npm cache lacked a dependency; installed with the registry\n`;
    installed = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], project);
    installLog += installed.stderr;
  }
  if (installed.status !== 0) throw new Error(`npm install of the tarball failed:\n${installed.stderr}`);
});

test.after.always(() => rmSync(root, { recursive: true, force: true }));

test.serial('the tarball holds the compiled package and no sources, tests or scripts', (t) => {
  for (const file of ['package.json', 'README.md', 'bin/nnc.js', 'dist/.built', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/core.js', 'dist/src/core.d.ts', 'dist/src/cli/main.js', 'dist/grammar/cst.d.ts', 'dist/vendor/chevrotain.js', 'dist/runtime/bundle/browser.js', 'examples/geron.nn', 'docs/language.md']) {
    t.true(tarballFiles.includes(file), file);
  }
  t.deepEqual(tarballFiles.filter((f) => /^(src|compiler|runtime|grammar|test|bench|scripts)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts'))), []);
});

test.serial('installing runs no script of nnc: only esbuild has one, and nnc does not need it', (t) => {
  t.log(installLog.trim());
  const installedPkg = JSON.parse(readFileSync(join(project, 'node_modules/nnc/package.json'), 'utf8')) as { scripts?: Record<string, string> };
  t.deepEqual(Object.keys(installedPkg.scripts ?? {}).filter((s) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(s)), []);
  t.false(/install-scripts\s+nnc@/.test(installLog), 'npm lists nnc among packages with install scripts');
  // The build below runs esbuild whose postinstall npm 11 skipped (not yet approved).
});

test.serial('npx nnc --help, --version, -v', (t) => {
  const help = npx('--help');
  t.is(help.status, 0, help.stderr);
  t.true(help.stdout.startsWith('usage: nnc <command> [arguments] [options]\n'));
  t.true(help.stdout.includes('\n  check      Check .nn files'));
  for (const flag of ['--version', '-v']) {
    const version = npx(flag);
    t.is(version.status, 0, version.stderr);
    t.is(version.stdout, `nnc ${PKG.version}\n`);
  }
});

test.serial('npx nnc check: exit 0 on an example, 1 with the located error on a bad file', (t) => {
  const ok = npx('check', 'node_modules/nnc/examples/geron.nn');
  t.is(ok.status, 0, ok.stderr);
  t.is(ok.stdout, 'node_modules/nnc/examples/geron.nn: ok, model FashionMLP (271,346 params)\n');
  writeFileSync(join(project, 'bad.nn'), 'model M {\n  input x: [4]\n  Dense(3, activation=relu6x)\n}\n');
  const bad = npx('check', 'bad.nn');
  t.is(bad.status, 1);
  t.true(bad.stderr.startsWith("bad.nn:3:23: error: unknown activation 'relu6x'; did you mean 'relu6'?"), bad.stderr);
  t.true(bad.stderr.endsWith('bad.nn: 1 error\n'));
  t.false(bad.stderr.includes('    at '), 'a stack trace');
});

test.serial('npx nnc init and build: the bundle is the one the sources build from the same weights', async (t) => {
  const example = 'node_modules/nnc/examples/geron.nn';
  const init = npx('init', example, '--seed', '7', '--out', 'w.safetensors');
  t.is(init.status, 0, init.stderr);
  const build = npx('build', example, '--weights', 'w.safetensors', '--out', 'bundle');
  t.is(build.status, 0, build.stderr);
  t.regex(build.stdout, /before: 7 ops, 271,346 parameters\n {2}after: {2}4 ops, 266,610 parameters/);
  const manifest = JSON.parse(readFileSync(join(project, 'bundle/model.json'), 'utf8')) as { format: string; version: number; generator: string };
  t.deepEqual([manifest.format, manifest.version, manifest.generator], ['nnc-bundle', 1, `nnc ${PKG.version}`]);
  // model.js loads its backend chunks; together they carry tfjs-core and the kernels.
  const code = readdirSync(join(project, 'bundle')).filter((f) => f.endsWith('.js')).reduce((n, f) => n + readFileSync(join(project, 'bundle', f), 'utf8').length, 0);
  t.true(code > 100_000, 'model.js and its chunks bundle tfjs-core');
  t.true(readdirSync(join(project, 'bundle')).includes('tfjs-backend-wasm.wasm'), 'the wasm binary ships beside model.js');
  // The compiled package and the TypeScript sources must make the same bundle.
  const fromSources = join(root, 'bundle-from-sources');
  const ours = await nnc('build', 'examples/geron.nn', '--weights', join(project, 'w.safetensors'), '--out', fromSources);
  t.is(ours.code, 0, ours.stderr);
  t.is(readFileSync(join(project, 'bundle/model.json'), 'utf8'), readFileSync(join(fromSources, 'model.json'), 'utf8'));
  t.true(readFileSync(join(project, 'bundle/weights.safetensors')).equals(readFileSync(join(fromSources, 'weights.safetensors'))));
});

test.serial("import { compile, check } from 'nnc' in a plain .mjs, and nnc/core", (t) => {
  writeFileSync(
    join(project, 'use.mjs'),
    [
      "import { readFileSync } from 'node:fs';",
      "import { compile, check } from 'nnc';",
      "import * as core from 'nnc/core';",
      "const source = readFileSync('node_modules/nnc/examples/geron.nn', 'utf8');",
      'const checked = check(source);',
      "const summary = core.summarize(core.check(source).models.get('FashionMLP'));",
      "const model = await compile(source, { seed: 3, backend: 'cpu' });",
      'const [y] = await model.predictHost({ shape: [2, 28, 28], data: new Float32Array(2 * 784).fill(0.5) });',
      'console.log(JSON.stringify({ errors: checked.diagnostics.length, total: summary.totalParams, shape: y.shape, sums: [0, 1].map((r) => y.data.slice(r * 10, r * 10 + 10).reduce((a, b) => a + b, 0)) }));',
    ].join('\n'),
  );
  const used = run(process.execPath, ['use.mjs'], project);
  t.is(used.status, 0, used.stderr);
  const out = JSON.parse(used.stdout) as { errors: number; total: number; shape: number[]; sums: number[] };
  t.is(out.errors, 0);
  t.is(out.total, 271_346); // Keras's total for Géron's model
  t.deepEqual(out.shape, [2, 10]);
  // Softmax rows sum to 1; 1e-5: float32 rounding over ten terms.
  for (const sum of out.sums) t.true(Math.abs(sum - 1) < 1e-5, String(sum));
});

test.serial('types resolve for TypeScript users: the one error tsc reports is the deliberate one', (t) => {
  writeFileSync(
    join(project, 'use.ts'),
    [
      "import { check, compile, type CheckResult, type Model } from 'nnc';",
      "import { summarize, optimize } from 'nnc/core';",
      "const result: CheckResult = check('model M {\\n  input x: [3]\\n  Dense(2)\\n}\\n');",
      "const params: number = summarize(result.models.get('M')!).totalParams;",
      "const optimized = optimize({ graph: result.models.get('M')!, weights: null }).graph.nodes.length;",
      "const model: Promise<Model> = compile('model M {}', { backend: 'cpu' });",
      "const wrong: string = summarize(result.models.get('M')!).totalParams;",
      'export { params, optimized, model, wrong };',
    ].join('\n'),
  );
  // skipLibCheck off, so that nnc's own declarations are checked too; no @types/node.
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ['use.ts'] }),
  );
  const checked = run(process.execPath, [TSC, '-p', '.'], project);
  const lines = checked.stdout.split('\n').filter(Boolean);
  t.deepEqual(lines.filter((l) => l.startsWith('use.ts')), ["use.ts(7,7): error TS2322: Type 'number' is not assignable to type 'string'."]);
  // tfjs-core's and @webgpu/types' declarations have errors of their own under skipLibCheck
  // off; nnc's must have none.
  t.deepEqual(lines.filter((l) => l.includes('node_modules/nnc/')), []);
});

/** The ES modules a process loads: its URLs, one per module. */
function loadedModules(args: readonly string[]): string[] {
  const trace = join(root, `trace-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(trace, '');
  const result = run(process.execPath, ['--import', TRACE_HOOK, ...args], project, { NNC_TRACE_MODULES: trace });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed:\n${result.stderr}`);
  return readFileSync(trace, 'utf8').split('\n').filter(Boolean);
}

const BIN = 'node_modules/nnc/bin/nnc.js';
const heavy = (modules: readonly string[]) => modules.filter((m) => /\/node_modules\/(@tensorflow\/[^/]+|esbuild|tsx|lodash-es|h5wasm)\//.test(m));

test.serial('a command loads only its own modules: --help nothing of the compiler; check, fmt, summary, ir, graph no TensorFlow.js or esbuild', (t) => {
  const help = loadedModules([BIN, '--help']);
  t.deepEqual(heavy(help), []);
  t.deepEqual(help.filter((m) => /chevrotain|\/dist\/(compiler|runtime|grammar)\//.test(m)), []);
  for (const command of ['check', 'fmt', 'summary', 'ir', 'graph']) {
    const modules = loadedModules([BIN, command, 'node_modules/nnc/examples/geron.nn', ...(command === 'graph' ? ['--svg', 'geron.svg'] : [])]);
    t.deepEqual(heavy(modules), [], command);
    t.true(modules.some((m) => m.endsWith('/node_modules/nnc/dist/vendor/chevrotain.js')), `${command} parses with the vendored chevrotain`);
  }
  // The trace does see TensorFlow.js when a command needs it (so the checks above can fail).
  const run = loadedModules([BIN, 'run', 'bundle', '--input', 'node_modules/nnc/examples/fashion-mnist-4.npy']);
  t.true(run.some((m) => m.includes('/node_modules/@tensorflow/tfjs-core/')));
});

test.serial("nnc/core loads no node: module, TensorFlow.js or esbuild (it can run in a page)", (t) => {
  const modules = loadedModules(['--input-type=module', '-e', "import { check, summarize } from 'nnc/core'; summarize(check('model M {\\n  input x: [3]\\n  Dense(2)\\n}\\n').models.get('M'));"]);
  t.true(modules.some((m) => m.endsWith('/node_modules/nnc/dist/src/core.js')));
  t.deepEqual(modules.filter((m) => m.startsWith('node:')), []);
  t.deepEqual(heavy(modules), []);
});
