// The tree's one-way data flow, checked on the sources (docs/architecture.md draws it):
// every module may import only from its own layer or the layers below it, the import
// graph has no cycles, and the platform-neutral core has no Node modules.

import test from 'ava';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * The layers, lowest first. A module belongs to the first layer whose prefix it starts
 * with; it may import modules of its own layer and of the layers listed before it.
 */
const LAYERS: readonly { readonly name: string; readonly prefixes: readonly string[] }[] = [
  { name: 'diagnostics', prefixes: ['src/diagnostics.ts'] },
  { name: 'ir', prefixes: ['src/ir/'] },
  { name: 'formats', prefixes: ['src/formats/'] },
  { name: 'grammar', prefixes: ['grammar/'] },
  { name: 'compiler', prefixes: ['compiler/'] },
  { name: 'runtime', prefixes: ['runtime/'] },
  { name: 'training', prefixes: ['runtime/train/'] },
  { name: 'api', prefixes: ['src/'] },
  { name: 'cli', prefixes: ['src/cli/'] },
];

/** Modules that run in a browser page: no `node:` modules, no esbuild, no Buffer or process. */
const PLATFORM_NEUTRAL = ['src/diagnostics.ts', 'src/ir/', 'src/formats/', 'grammar/', 'compiler/', 'src/driver/', 'src/core.ts'];
/** Node-only files inside the neutral folders, each with its reason. */
const NODE_ONLY: Readonly<Record<string, string>> = {
  'src/formats/npz.ts': 'inflates with node:zlib; read by the CLI and the dataset loader only',
};

function layerOf(file: string): number {
  // The most specific prefix wins: 'src/cli/' before 'src/', 'runtime/train/' before 'runtime/'.
  let best = -1;
  let bestLength = -1;
  LAYERS.forEach((layer, index) => {
    for (const prefix of layer.prefixes) {
      if (file.startsWith(prefix) && prefix.length > bestLength) {
        best = index;
        bestLength = prefix.length;
      }
    }
  });
  return best;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir))) {
    const path = join(dir, entry);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

interface Import {
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
}

const IMPORT = /^(?:import|export)\s(type\s)?[^;]*?from\s+'([^']+)'|^import\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/gms;

function importsOf(file: string): { local: Import[]; packages: string[] } {
  const text = readFileSync(join(ROOT, file), 'utf8').replace(/^\s*\/\/.*$/gm, '');
  const local: Import[] = [];
  const packages: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[2] ?? match[3] ?? match[4];
    if (specifier.startsWith('.')) {
      const to = relative(ROOT, join(ROOT, dirname(file), specifier)).replace(/\.js$/, '.ts');
      local.push({ from: file, to, typeOnly: match[1] !== undefined });
    } else packages.push(specifier);
  }
  return { local, packages };
}

const FILES = ['src', 'grammar', 'compiler', 'runtime'].flatMap(sourceFiles);
const GRAPH = new Map(FILES.map((file) => [file, importsOf(file)]));

test('every module belongs to a layer', (t) => {
  t.deepEqual(
    FILES.filter((file) => layerOf(file) < 0),
    [],
  );
});

test('nothing imports upward: each module imports only its own layer and the layers below', (t) => {
  const upward: string[] = [];
  for (const { local } of GRAPH.values()) {
    for (const edge of local) {
      const from = layerOf(edge.from);
      const to = layerOf(edge.to);
      if (to > from) upward.push(`${edge.from} (${LAYERS[from].name}) imports ${edge.to} (${LAYERS[to].name})`);
    }
  }
  t.deepEqual(upward, []);
});

test('the import graph has no cycles, type-only imports included', (t) => {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const { to } of GRAPH.get(file)?.local ?? []) {
      if (!GRAPH.has(to)) continue;
      if (state.get(to) === 'open') cycles.push([...stack.slice(stack.indexOf(to)), to].join(' → '));
      else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of FILES) if (!state.has(file)) visit(file);
  t.deepEqual(cycles, []);
});

test('the platform-neutral core imports no Node module, esbuild, Buffer or process', (t) => {
  const offenders: string[] = [];
  for (const [file, { packages }] of GRAPH) {
    if (!PLATFORM_NEUTRAL.some((prefix) => file.startsWith(prefix)) || Object.hasOwn(NODE_ONLY, file)) continue;
    for (const name of packages) if (name.startsWith('node:') || name === 'esbuild' || name === 'tsx') offenders.push(`${file} imports ${name}`);
    const code = readFileSync(join(ROOT, file), 'utf8').replace(/\/\/.*$/gm, '');
    if (/\bBuffer\.|\bprocess\.|\brequire\(/.test(code)) offenders.push(`${file} uses Buffer, process or require`);
    for (const { to } of GRAPH.get(file)!.local) if (Object.hasOwn(NODE_ONLY, to)) offenders.push(`${file} imports the Node-only ${to}`);
  }
  t.deepEqual(offenders, []);
});

test('the inference runtime never loads training: no runtime module outside runtime/train imports it', (t) => {
  const offenders = [...GRAPH.values()].flatMap(({ local }) => local.filter((e) => e.from.startsWith('runtime/') && !e.from.startsWith('runtime/train/') && e.to.startsWith('runtime/train/')));
  t.deepEqual(offenders, []);
});

test('the layer table catches an upward import (the rules are not vacuous)', (t) => {
  t.true(layerOf('src/ir/types.ts') < layerOf('compiler/check.ts'));
  t.true(layerOf('runtime/model.ts') < layerOf('runtime/train/fit.ts'));
  t.true(layerOf('src/api.ts') < layerOf('src/cli/main.ts'));
  t.is(LAYERS[layerOf('src/formats/npy.ts')].name, 'formats');
  // A real edge of the tree, read by the same parser, points downward.
  const edge = GRAPH.get('compiler/check.ts')!.local.find((e) => e.to === 'src/diagnostics.ts');
  t.truthy(edge);
});
