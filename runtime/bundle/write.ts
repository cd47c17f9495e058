// Node's half of a bundle: model.js and the files on disk. model.js is one ES module
// built by esbuild: the loader, the manifest embedded as a base64 string literal, the
// WebGL, wasm and CPU backends without their register-every-kernel entries, and, for
// each backend, the kernels the graph calls (runtime/kernelNames.ts), imported one by
// one from the backend packages so that esbuild leaves the rest out. The wasm binaries
// are copied next to it (fetched only if wasm runs). model.json and the weights come
// from files.ts, which is platform-neutral. Same inputs give byte-identical files.

import { type BuildOptions, type Plugin, build } from 'esbuild';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tfCore from '@tensorflow/tfjs-core';
import { NncError } from '../../src/diagnostics.js';
import { nncVersion } from '../version.js';
import { describeFsError, replaceDirectory } from '../atomicWrite.js';
import { embeddedManifestLiteral, sealModule } from './seal.js';
import type { Graph } from '../../src/ir/types.js';
import type { WeightMap } from '../../src/ir/tensors.js';
import type { BackendName } from '../backend.js';
import { ALL_INFERENCE_KERNELS, inferenceKernelNames } from '../kernelNames.js';
import type { ModuleFacts } from './browser.js';
import { FACTS_SLOT, type LoaderTemplate, MANIFEST_SLOT } from './template.js';
import { type BundleDataFiles, type BundleOptions, WEIGHTS_FILE, bundleFiles } from './files.js';

export { WEIGHTS_FILE, readableJson } from './files.js';

/** How model.js is built for a page (bench/webBuild.ts builds tfjs-layers' peer bundle the same way). */
export const BROWSER_BUILD = {
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  write: false,
  logLevel: 'silent',
  define: { 'process.env.NODE_ENV': '"production"' },
} as const satisfies BuildOptions;

/** The binaries tfjs-backend-wasm fetches: plain and SIMD (threads are left out). */
export const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'] as const;

export interface BundleFiles extends BundleDataFiles {
  /** model.js. */
  readonly moduleJs: string;
  /** The chunks model.js imports, by file name: one per backend (fetched when that backend is tried) and shared code. */
  readonly chunks: ReadonlyMap<string, string>;
  /** Per backend, the graph's kernels that backend lacks (the loader skips it). */
  readonly missingKernels: ModuleFacts['missingKernels'];
  /** The wasm binaries, by file name. */
  readonly wasm: ReadonlyMap<string, Uint8Array>;
}

/**
 * The manifest travels inside model.js as base64: its alphabet (A–Z, a–z, 0–9, +, /, =)
 * cannot form a quote, a backtick, a newline, `</script>` or `<!--`, whatever the layer
 * names hold, and esbuild prints it back unchanged. model.js is sealed (seal.ts), so
 * `nnc run DIR` can tell it is whole and embeds the model.json beside it.
 */
export const base64Literal = embeddedManifestLiteral;

/** Every file of a bundle, in memory. `options` may be a dtype alone. */
export async function makeBundle(graph: Graph, weights: WeightMap, options: BundleOptions | BundleOptions['dtype'] = {}): Promise<BundleFiles> {
  const data = await bundleFiles(graph, weights, { generator: `nnc ${nncVersion()}`, ...(typeof options === 'string' ? { dtype: options } : options) });
  const { code, chunks, missingKernels } = await bundleModule(data.modelJson, graph);
  return { ...data, moduleJs: await sealModule(code), chunks, missingKernels, wasm: wasmFiles() };
}

/** The wasm binaries, by file name, from tfjs-backend-wasm's package. */
function wasmFiles(): Map<string, Uint8Array> {
  return new Map(WASM_FILES.map((name) => [name, new Uint8Array(readFileSync(join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist', name)))]));
}

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));
// The folder of this file: runtime/bundle/ in the sources, where esbuild resolves
// './browser.js' to browser.ts as TypeScript does, or dist/runtime/bundle/ in the
// compiled package, where browser.js is the file itself.
const RUNTIME_DIR = dirname(fileURLToPath(import.meta.url));
const BACKEND_PACKAGES: Readonly<Record<BackendName, string>> = {
  webgl: '@tensorflow/tfjs-backend-webgl',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

/** A backend's kernel config: the module that exports it and the export's name. */
interface KernelModule {
  readonly path: string;
  readonly exportName: string;
}

const kernelModuleCache = new Map<BackendName, ReadonlyMap<string, KernelModule>>();

/**
 * Every kernel a backend package has, by registry name, read from the package's own
 * register-all list (`import { xConfig } from './kernels/X'`) and each config's
 * `kernelName` (a tfjs-core constant).
 */
export function backendKernelModules(backend: BackendName): ReadonlyMap<string, KernelModule> {
  const cached = kernelModuleCache.get(backend);
  if (cached) return cached;
  const dist = join(packageDir(BACKEND_PACKAGES[backend]), 'dist');
  const list = readFileSync(join(dist, 'register_all_kernels.js'), 'utf8');
  const modules = new Map<string, KernelModule>();
  for (const [, names, file] of list.matchAll(/import\s*\{([^}]+)\}\s*from\s*'\.\/(kernels\/[^']+)'/g)) {
    const path = join(dist, `${file}.js`);
    const source = readFileSync(path, 'utf8');
    for (const exportName of names.split(',').map((n) => n.trim()).filter(Boolean)) {
      // `export const xConfig = { kernelName: X, ... };` or `= createUnaryKernelConfig(X);`:
      // the one identifier in the statement that is a tfjs-core string constant names the kernel.
      const start = source.indexOf(`export const ${exportName} =`);
      const statement = start < 0 ? '' : source.slice(start + `export const ${exportName} =`.length, source.indexOf(';', start));
      const kernelNames = [...new Set(statement.match(/\b\w+\b/g) ?? [])].map((id) => (tfCore as unknown as Record<string, unknown>)[id]).filter((v): v is string => typeof v === 'string');
      if (kernelNames.length !== 1) throw new Error(`${path}: cannot find the kernel name of ${exportName}`);
      modules.set(kernelNames[0], { path, exportName });
    }
  }
  if (modules.size < 50) throw new Error(`${BACKEND_PACKAGES[backend]}: read only ${modules.size} kernels from register_all_kernels.js; has its layout changed?`);
  kernelModuleCache.set(backend, modules);
  return modules;
}

/**
 * Per backend, the kernel configs to register for `kernels`, and the kernels it lacks.
 * A kernel module may call another kernel's function directly, and on wasm that
 * function is bound in its own config's setup (`Mean` transposes through `Transpose`'s):
 * every config in the import closure of the needed modules is registered too.
 */
export function kernelsByBackend(kernels: readonly string[]): { modules: Record<BackendName, KernelModule[]>; missingKernels: Partial<Record<BackendName, string[]>> } {
  const modules: Record<BackendName, KernelModule[]> = { webgl: [], wasm: [], cpu: [] };
  const missingKernels: Partial<Record<BackendName, string[]>> = {};
  for (const backend of ['webgl', 'wasm', 'cpu'] as const) {
    const available = backendKernelModules(backend);
    const byPath = new Map<string, KernelModule[]>();
    for (const m of available.values()) byPath.set(m.path, [...(byPath.get(m.path) ?? []), m]);
    const kernelsDir = join(packageDir(BACKEND_PACKAGES[backend]), 'dist', 'kernels') + sep;
    const files = new Set<string>();
    const visit = (path: string) => {
      if (files.has(path)) return;
      files.add(path);
      for (const [, spec] of readFileSync(path, 'utf8').matchAll(/from\s*'(\.[^']+)'/g)) {
        const imported = join(dirname(path), `${spec}.js`);
        if (imported.startsWith(kernelsDir) && existsSync(imported)) visit(imported);
      }
    };
    for (const kernel of kernels) {
      const module = available.get(kernel);
      if (module) visit(module.path);
      else (missingKernels[backend] ??= []).push(kernel);
    }
    modules[backend] = [...files].sort().flatMap((path) => byPath.get(path) ?? []);
  }
  return { modules, missingKernels };
}

/**
 * The entry esbuild bundles into model.js; each backend is a dynamic import, its own
 * chunk. `manifestLiteral` and `factsExpression` are JavaScript source: the manifest's
 * base64 literal and the facts as an object, or, for a template, string-literal slots.
 */
function entrySource(manifestLiteral: string, factsExpression: string): string {
  return [
    `import { createLoader, decodeBase64 } from './browser.js';`,
    `export const manifestText = decodeBase64(${manifestLiteral});`,
    `const chunks = { webgl: () => import('nnc-backend:webgl'), wasm: () => import('nnc-backend:wasm'), cpu: () => import('nnc-backend:cpu') };`,
    `export const load = createLoader(manifestText, import.meta.url, ${factsExpression}, chunks);`,
  ].join('\n');
}

/** A backend chunk's module: registers the graph's kernels for that backend, exports `createBackend`. */
function backendChunkSource(backend: BackendName, modules: readonly KernelModule[]): string {
  const imports = modules.map((m, i) => `import { ${m.exportName} as k${i} } from ${JSON.stringify(m.path)};`);
  return [
    `import { registerKernel } from '@tensorflow/tfjs-core';`,
    ...imports,
    `for (const config of [${modules.map((_, i) => `k${i}`).join(', ')}]) registerKernel(config);`,
    `export { createBackend } from ${JSON.stringify(join(RUNTIME_DIR, 'backends', `${backend}.js`))};`,
  ].join('\n');
}

/**
 * Three rewrites that let esbuild leave out what a bundle never runs:
 * - `@tensorflow/tfjs-core` is its `base` with its side effects (engine, flags, platform),
 *   without the optimizers that its index registers for training;
 * - tfjs-backend-webgl's `kernel_utils/shared.js` takes the CPU implementations out of a
 *   namespace by destructuring, which keeps all 49; the same names as re-exports keep
 *   only those the bundled WebGL kernels use;
 * - tfjs-backend-wasm's multi-threaded glue (~36 KB), which runs only in a
 *   cross-origin-isolated page, is replaced by a stub (threads are switched off).
 */
function treeShakingPlugin(chunks: Readonly<Record<BackendName, string>>): Plugin {
  const core = join(packageDir('@tensorflow/tfjs-core'), 'dist');
  return {
    name: 'nnc-tree-shaking',
    setup(b) {
      b.onResolve({ filter: /^nnc-backend:/ }, (args) => ({ path: args.path.slice('nnc-backend:'.length), namespace: 'nnc-backend' }));
      b.onLoad({ filter: /.*/, namespace: 'nnc-backend' }, (args) => ({ contents: chunks[args.path as BackendName], loader: 'js', resolveDir: RUNTIME_DIR }));
      b.onResolve({ filter: /^@tensorflow\/tfjs-core$/ }, () => ({ path: 'tfjs-core', namespace: 'nnc' }));
      // tfjs-core's model IO (HTTP, IndexedDB, local-storage routers) registers itself on
      // import, so esbuild keeps it; a bundle loads no tfjs model: unused, it may go.
      const io = join(core, 'io');
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const path = join(args.resolveDir, `${args.path}.js`);
        return path.startsWith(io + sep) && existsSync(path) ? { path, sideEffects: false } : undefined;
      });
      b.onResolve({ filter: /tfjs-backend-wasm-threaded-simd(\.worker)?\.js$/ }, (args) => ({ path: args.path.endsWith('.worker.js') ? 'threads-worker' : 'threads', namespace: 'nnc' }));
      b.onLoad({ filter: /.*/, namespace: 'nnc' }, (args) => {
        if (args.path === 'tfjs-core') return { contents: `import ${JSON.stringify(join(core, 'base_side_effects.js'))};\nexport * from ${JSON.stringify(join(core, 'base.js'))};`, loader: 'js', resolveDir: core };
        if (args.path === 'threads-worker') return { contents: `export const wasmWorkerContents = '';`, loader: 'js' };
        return { contents: `export default function () { throw new Error('this bundle has no multi-threaded wasm'); }`, loader: 'js' };
      });
      b.onLoad({ filter: /tfjs-backend-webgl[\\/]dist[\\/]kernel_utils[\\/]shared\.js$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        const destructured = /const\s*\{([^}]*)\}\s*=\s*shared;/.exec(source);
        if (!destructured) throw new Error(`${args.path}: no 'const { ... } = shared;' to rewrite; has tfjs-backend-webgl changed?`);
        const names = destructured[1].split(',').map((pair) => pair.trim()).filter(Boolean).map((pair) => pair.split(/\s*:\s*/).join(' as '));
        return { contents: `export { ${names.join(', ')} } from '@tensorflow/tfjs-backend-cpu/dist/shared.js';`, loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}

/**
 * model.js (the loader, the manifest embedded) and its chunks: one per backend with the
 * graph's kernels for it, and the code they share. Bundled and minified by esbuild;
 * chunk names carry a hash of their content, so the same inputs give the same files.
 */
async function bundleModule(modelJson: string, graph: Graph): Promise<{ code: string; chunks: Map<string, string>; missingKernels: ModuleFacts['missingKernels'] }> {
  const { modules, missingKernels } = kernelsByBackend(inferenceKernelNames(graph));
  const facts: ModuleFacts = { missingKernels };
  return { ...(await buildModule(entrySource(base64Literal(modelJson), JSON.stringify(facts)), modules)), missingKernels };
}

/**
 * A model.js for any graph, with slots for its manifest and facts: every kernel of
 * ALL_INFERENCE_KERNELS in the backend chunks. The playground builds it once and fills
 * it in the page (template.ts `fillLoaderTemplate`), where esbuild cannot run.
 */
export async function makeLoaderTemplate(): Promise<LoaderTemplate & { readonly chunks: ReadonlyMap<string, string>; readonly wasm: ReadonlyMap<string, Uint8Array> }> {
  const kernels = [...ALL_INFERENCE_KERNELS].sort();
  const { modules, missingKernels } = kernelsByBackend(kernels);
  const { code, chunks } = await buildModule(entrySource(JSON.stringify(MANIFEST_SLOT), `JSON.parse(${JSON.stringify(FACTS_SLOT)})`), modules);
  for (const slot of [MANIFEST_SLOT, FACTS_SLOT]) {
    if (code.split(JSON.stringify(slot)).length !== 2) throw new Error(`esbuild's model.js does not hold the slot ${slot} exactly once`);
  }
  const wasm = wasmFiles();
  return { code, kernels, missingKernels, files: [...chunks.keys(), ...wasm.keys()], generator: `nnc ${nncVersion()} (playground)`, chunks, wasm };
}

async function buildModule(entry: string, modules: Record<BackendName, KernelModule[]>): Promise<{ code: string; chunks: Map<string, string> }> {
  const chunkSources = { webgl: backendChunkSource('webgl', modules.webgl), wasm: backendChunkSource('wasm', modules.wasm), cpu: backendChunkSource('cpu', modules.cpu) };
  const result = await build({
    stdin: { contents: entry, resolveDir: RUNTIME_DIR, sourcefile: 'model.ts', loader: 'ts' },
    bundle: true,
    splitting: true,
    outdir: '/nnc-bundle',
    entryNames: 'model',
    chunkNames: '[name]-[hash]',
    ...BROWSER_BUILD,
    charset: 'ascii',
    plugins: [treeShakingPlugin(chunkSources)],
  });
  let code: string | undefined;
  const chunks = new Map<string, string>();
  for (const file of result.outputFiles) {
    const name = file.path.slice('/nnc-bundle/'.length);
    if (/<\/script|<!--/i.test(file.text)) throw new NncError(`${name} would contain </script> or <!--; refusing to write it`);
    if (name === 'model.js') code = file.text;
    else chunks.set(name, file.text);
  }
  if (code === undefined) throw new Error('esbuild wrote no model.js');
  return { code, chunks: new Map([...chunks].sort(([a], [b]) => (a < b ? -1 : 1))) };
}

/** Whether a file name is one a bundle holds: an existing bundle may be replaced, anything else is kept out of harm's way. */
export function isBundleFile(name: string): boolean {
  // model.js's chunks are named `[name]-[hash].js` by esbuild (bundleModule).
  return name === 'model.json' || name === WEIGHTS_FILE || name === 'model.js' || (WASM_FILES as readonly string[]).includes(name) || /^[A-Za-z0-9_]+-[A-Z0-9]{8}\.js$/.test(name);
}

/**
 * Refuses, before any work, a `dir` that is a file or holds files a bundle does not
 * (they would go with the old bundle when the new one is swapped in). Returns the
 * bundle files it holds (none when it does not exist yet).
 */
export function checkBundleTarget(dir: string): string[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new NncError(`cannot write the bundle to '${dir}': it is a file; a bundle is a directory (model.json, weights.safetensors, model.js)`);
    names = readdirSync(dir);
  } catch (e) {
    if (e instanceof NncError) throw e;
    if ((e as { code?: string }).code === 'ENOENT') return [];
    throw new NncError(`cannot write the bundle to '${dir}': ${describeFsError(e)}`);
  }
  const other = names.filter((name) => !isBundleFile(name)).sort();
  if (other.length > 0) {
    throw new NncError(`cannot write the bundle to '${dir}': it holds files that are not part of a bundle (${other.join(', ')}); a new bundle replaces the whole directory, so give a new or empty one`);
  }
  return names;
}

/**
 * Writes the bundle to `dir`, assembled in a temporary sibling folder and swapped in
 * (runtime/atomicWrite.ts): a failure or a kill leaves the previous bundle, or none,
 * never a mix or a truncated file. A `dir` holding other files is refused.
 */
export function writeBundle(dir: string, files: BundleFiles): { path: string; bytes: number }[] {
  const entries = [
    { name: 'model.json', content: files.modelJson },
    { name: WEIGHTS_FILE, content: files.weights },
    { name: 'model.js', content: files.moduleJs },
    ...[...files.chunks, ...files.wasm].map(([name, content]) => ({ name, content })),
  ];
  const existing = checkBundleTarget(dir);
  try {
    replaceDirectory(dir, entries, new Set(existing));
  } catch (e) {
    throw new NncError(`cannot write the bundle to '${dir}': ${describeFsError(e)}`);
  }
  return entries.map((entry) => ({ path: join(dir, entry.name), bytes: typeof entry.content === 'string' ? Buffer.byteLength(entry.content) : entry.content.length }));
}
