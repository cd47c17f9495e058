// Node's half of a bundle: model.js and the files on disk. model.js is one ES module
// built by esbuild: the loader, the manifest embedded as an escaped string literal, the
// WebGL, wasm and CPU backends without their register-every-kernel entries, and, for
// each backend, the kernels the graph calls (runtime/kernelNames.ts), imported one by
// one from the backend packages so that esbuild leaves the rest out. The wasm binaries
// are copied next to it (fetched only if wasm runs). model.json and the weights come
// from files.ts, which is platform-neutral. Same inputs give byte-identical files.

import { type BuildOptions, type Metafile, type Plugin, build } from 'esbuild';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, sep } from 'node:path';
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
import { LAYER_DEFS } from '../../src/ir/layers/index.js';
import { ACTIVATION_NAMES } from '../../src/ir/attributes.js';
import type { ModuleFacts } from './browser.js';
import { PINNED_WEBGL_FLAGS } from './backends/webglFlags.js';
import { FACTS_SLOT, type LoaderTemplate, MANIFEST_SLOT, fillSlot } from './template.js';
import type { BundleManifest } from './manifest.js';
import { type BundleDataFiles, type BundleOptions, WEIGHTS_FILE, bundleFiles } from './files.js';

export { WEIGHTS_FILE, readableJson } from './files.js';

/**
 * How model.js is built for a page (bench/webBuild.ts builds tfjs-layers' peer bundle the
 * same way). ES2022, as the playground's page: class private fields (`#x`) stay native
 * instead of lowered to WeakMaps (Chrome 94, Firefox 93, Safari 15.4, which the loader's
 * `Object.hasOwn` needs anyway).
 */
export const BROWSER_BUILD = {
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
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
  /** esbuild's account of model.js and its chunks: which input files each output holds, and how many bytes of each (bench/webBuild.ts). */
  readonly metafile: Metafile;
}

/**
 * The manifest travels inside model.js as a string literal with `<`, `>` and every
 * character outside printable ASCII escaped (seal.ts): it cannot form a quote, a
 * backtick, a newline, `</script>` or `<!--`, whatever the layer names hold. It is put
 * in after esbuild (in place of a placeholder), so esbuild's printer cannot unescape it.
 * model.js is sealed (seal.ts), so `nnc run DIR` can tell it is whole and embeds the
 * model.json beside it.
 */
export const manifestLiteral = embeddedManifestLiteral;

/** Every file of a bundle, in memory. `options` may be a dtype alone. */
export async function makeBundle(graph: Graph, weights: WeightMap, options: BundleOptions | BundleOptions['dtype'] = {}): Promise<BundleFiles> {
  const data = await bundleFiles(graph, weights, { generator: `nnc ${nncVersion()}`, ...(typeof options === 'string' ? { dtype: options } : options) });
  const { code, chunks, missingKernels, metafile } = await bundleModule(data.modelJson, graph);
  return { ...data, moduleJs: await sealModule(code), chunks, missingKernels, wasm: wasmFiles(), metafile };
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
 * Kernels the bundle brings in place of the backend package's: WebGL's Softmax in one
 * shader program instead of seven (backends/webglSoftmax.ts), and its mean over height
 * and width (GlobalAveragePooling2D) in one instead of three or more
 * (backends/webglMean.ts); first prediction, issue 18.
 */
const OWN_KERNELS: Readonly<Partial<Record<BackendName, Readonly<Record<string, KernelModule>>>>> = {
  webgl: {
    Softmax: { path: join(RUNTIME_DIR, 'backends', 'webglSoftmax.js'), exportName: 'softmaxConfig' },
    Mean: { path: join(RUNTIME_DIR, 'backends', 'webglMean.js'), exportName: 'meanConfig' },
  },
};

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
    const own: KernelModule[] = [];
    for (const kernel of kernels) {
      const module = available.get(kernel);
      if (OWN_KERNELS[backend]?.[kernel]) own.push(OWN_KERNELS[backend][kernel]);
      else if (module) visit(module.path);
      else (missingKernels[backend] ??= []).push(kernel);
    }
    modules[backend] = [...[...files].sort().flatMap((path) => byPath.get(path) ?? []), ...own];
  }
  return { modules, missingKernels };
}

/**
 * The entry esbuild bundles into model.js; each backend is a dynamic import, its own
 * chunk. The manifest is a slot, filled after esbuild (`manifestLiteral`);
 * `factsExpression` is JavaScript source: the facts as an object, or, for a template, a
 * string-literal slot parsed at load.
 */
function entrySource(factsExpression: string): string {
  return [
    `import { createLoader } from './browser.js';`,
    `export const manifestText = ${JSON.stringify(MANIFEST_SLOT)};`,
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
 * tfjs-core's index hands its utility modules out as namespace objects (`backend_util`,
 * `util`, ...), re-exported from `base.js`; a backend that reads `backend_util.x`
 * through that re-export keeps the whole namespace (einsum, ragged tensors, sparse ops,
 * ...), since esbuild prunes a namespace only where it is imported with `import * as`.
 * The same namespaces imported from their own modules keep only the members used.
 */
const CORE_NAMESPACES: Readonly<Record<string, string>> = {
  backend_util: 'backends/backend_util.js',
  kernel_impls: 'backends/kernel_impls.js',
  util: 'util.js',
  broadcast_util: 'ops/broadcast_util.js',
  slice_util: 'ops/slice_util.js',
  gather_util: 'ops/gather_nd_util.js',
  scatter_util: 'ops/scatter_nd_util.js',
  device_util: 'device_util.js',
  tensor_util: 'tensor_util.js',
  io: 'io/io.js',
  math: 'math.js',
  serialization: 'serialization.js',
  browser: 'ops/browser.js',
};

export function importNamespacesDirectly(source: string, coreDist: string): string {
  const imported = new Set<string>();
  const rewritten = source.replace(/import\s*\{([^}]*)\}\s*from\s*'@tensorflow\/tfjs-core';/g, (statement, list: string) => {
    const names = list.split(',').map((n) => n.trim()).filter(Boolean);
    const namespaces = names.filter((n) => n in CORE_NAMESPACES);
    if (namespaces.length === 0) return statement;
    const rest = names.filter((n) => !(n in CORE_NAMESPACES));
    for (const n of namespaces) imported.add(n);
    return [
      ...(rest.length > 0 ? [`import { ${rest.join(', ')} } from '@tensorflow/tfjs-core';`] : []),
      ...namespaces.map((n) => `import * as ${n} from ${JSON.stringify(join(coreDist, CORE_NAMESPACES[n]))};`),
    ].join(' ');
  });
  // `const { getBroadcastDims } = backend_util;` (the WebGL shader compiler) reads the
  // namespace as an object, which keeps all of it: the same as member reads.
  return rewritten.replace(/const\s*\{([^}]*)\}\s*=\s*(\w+);/g, (statement, list: string, ns: string) => {
    if (!imported.has(ns)) return statement;
    const pairs = list.split(',').map((p) => p.trim()).filter(Boolean).map((p) => p.split(/\s*:\s*/));
    return `const ${pairs.map(([name, alias]) => `${alias ?? name} = ${ns}.${name}`).join(', ')};`;
  });
}

/** platform_browser.js without its model-store registrations and their imports. */
export function withoutModelStores(source: string, path: string): string {
  const out = source
    .replace(/import\s*\{[^}]*\}\s*from\s*'\.\.\/io\/[\w_]+';/g, '')
    .replace(/\/\/ Register \w+ IOHandler\s*try\s*\{[^}]*\}\s*catch\s*\(err\)\s*\{\s*\}/g, '');
  if (/ModelStoreManagerRegistry|BrowserLocalStorage|BrowserIndexedDB/.test(out)) throw new Error(`${path}: cannot take out the model-store registrations; has tfjs-core changed?`);
  return out;
}

/**
 * runtime/kernels.ts as a bundle runs it: every `context.training` false, so esbuild
 * drops the training branches; and in the kernel table, the kinds the graph does not
 * have replaced by a kernel that throws, so their tfjs-core ops stay out too.
 */
export function inferenceOnlyKernels(source: string, path: string, kinds: ReadonlySet<string>): string {
  const out = source.replace(/\bcontext\.training\b/g, 'false');
  if (out === source || /\.training\b(?!:)/.test(out.replace(/\/\/.*|\/\*[\s\S]*?\*\//g, ''))) throw new Error(`${path}: training is read other than as 'context.training'; the inference-only rewrite would miss it`);
  const table = /const KERNELS(?::\s*KernelTable)?\s*=\s*\{/.exec(out);
  if (!table) throw new Error(`${path}: no 'const KERNELS = {' table to trim`);
  const entries = topLevelEntries(out, table.index + table[0].length);
  const kept = entries.entries.map((entry) => {
    const kind = /^\s*(?:\/\/.*\n\s*)*(\w+)\s*:/.exec(entry)?.[1];
    if (kind === undefined) throw new Error(`${path}: cannot read a kind in the kernel table at '${entry.trim().slice(0, 40)}'`);
    return kinds.has(kind) ? entry : `\n  ${kind}: absentKernel`;
  });
  // One kernel for every absent kind, naming the node's kind.
  // Plain JavaScript: the same rewrite serves kernels.ts and the compiled package's kernels.js.
  const absent = 'const absentKernel = (node) => { throw new Error(`no ${node.kind} kernel in this bundle`); };\n';
  return `${out.slice(0, table.index)}${absent}${out.slice(table.index, table.index + table[0].length)}${kept.join(',')}${out.slice(entries.end)}`;
}

/**
 * runtime/activations.ts as a bundle runs it: `activate` without the cases of the
 * activations the graph does not name (`graphActivations`), so their tfjs-core ops (erf,
 * where, softplus, ...) stay out; an activation it lacks is an error naming it, as
 * an absent kind is (only a manifest edited after the build names one, and where
 * WebCrypto exists its content hash is refused at load).
 */
export function withoutOtherActivations(source: string, path: string, activations: ReadonlySet<string>): string {
  const head = /export function activate\(.*\{\s*switch \(a\.name\) \{/.exec(source);
  const close = head ? /\n\s*\}\n/.exec(source.slice(head.index + head[0].length)) : null;
  if (!head || !close) throw new Error(`${path}: no 'export function activate(' with a 'switch (a.name) {'; the bundle's activation rewrite would miss it`);
  const from = head.index + head[0].length;
  const body = source.slice(from, from + close.index);
  const cases = [...body.matchAll(/\s*case '(\w+)':(?:\s*\/\/[^\n]*)*\s*return [^\n]*;/g)];
  if (cases.map((m) => m[0]).join('') !== body || cases.length < 10) throw new Error(`${path}: activate's switch is not one 'case 'name': return ...;' per activation; the bundle's activation rewrite would miss it`);
  const kept = cases.filter((m) => activations.has(m[1])).map((m) => m[0]);
  return `${source.slice(0, from)}${kept.join('')}\n    default:\n      throw new Error(\`no \${a.name} activation in this bundle\`);${source.slice(from + close.index)}`;
}

/** Every activation name a node of `graph` carries in its attributes (at any depth: an object with an activation's `name`). */
export function graphActivations(graph: Graph): Set<string> {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return;
    const name = (value as { name?: unknown }).name;
    if (typeof name === 'string' && (ACTIVATION_NAMES as readonly string[]).includes(name)) names.add(name);
    for (const child of Object.values(value)) visit(child);
  };
  for (const node of graph.nodes) visit(node.attrs);
  return names;
}

/**
 * A layer family module (src/ir/layers/<family>.ts, whose exports are layer definitions
 * named by kind) as a bundle runs it: the definitions of kinds the graph does not have
 * taken out (each `export const Kind = ...;` statement), so neither they nor the
 * attribute types and shape rules only they use reach model.js. `LAYER_DEFS` spreads
 * what is left; the loader checks the graph's kinds as before, and any other kind in a
 * manifest is an unknown kind.
 */
export function withoutOtherLayers(source: string, path: string, kinds: ReadonlySet<string>): string {
  let out = '';
  let from = 0;
  for (const match of source.matchAll(/^export const (\w+)\b/gm)) {
    if (match.index < from) throw new Error(`${path}: cannot read the statement before 'export const ${match[1]}'`);
    if (kinds.has(match[1])) continue;
    out += source.slice(from, match.index);
    from = endAtDepthZero(source, match.index, ';');
    if (from < 0) throw new Error(`${path}: cannot find the end of 'export const ${match[1]}'`);
  }
  return out + source.slice(from);
}

const LAYERS_DIR = join(dirname(dirname(RUNTIME_DIR)), 'src', 'ir', 'layers');
let families: ReadonlySet<string> | undefined;

/** The layer family modules (file names without extension), as src/ir/layers/index.ts imports them (`import * as core from './core.js'`). */
function layerFamilies(): ReadonlySet<string> {
  if (families) return families;
  const index = ['index.ts', 'index.js'].map((file) => join(LAYERS_DIR, file)).find((path) => existsSync(path));
  const found = new Set(index ? [...readFileSync(index, 'utf8').matchAll(/^import \* as \w+ from '\.\/(\w+)\.js';/gm)].map((m) => m[1]) : []);
  if (found.size < 5) throw new Error(`${LAYERS_DIR}: found ${found.size} layer family imports in its index; has its layout changed?`);
  families = found;
  return found;
}

/** The index of the backtick closing the template literal that opens at `start`, through `${...}` holes. */
function templateEnd(source: string, start: number): number {
  for (let i = start + 1; i < source.length; i++) {
    if (source[i] === '\\') i++;
    else if (source[i] === '`') return i;
    else if (source[i] === '$' && source[i + 1] === '{') {
      let depth = 0;
      for (i += 2; i < source.length && !(source[i] === '}' && depth === 0); i++) {
        if (source[i] === '`') i = templateEnd(source, i);
        else if (source[i] === "'" || source[i] === '"') {
          const q = source[i];
          for (i++; source[i] !== q; i++) if (source[i] === '\\') i++;
        } else if (source[i] === '{') depth++;
        else if (source[i] === '}') depth--;
        if (i < 0) return -1;
      }
    }
  }
  return -1;
}

/**
 * runtime/executor.ts as a bundle runs it: the random generator, which only a kernel in
 * training asks for (Dropout's mask; the kernels are inference-only in a bundle,
 * `inferenceOnlyKernels`), replaced by an error, so runtime/random.ts stays out.
 */
export function executorWithoutRandom(source: string, path: string): string {
  const uses = source.match(/new Random\(/g)?.length ?? 0;
  const out = source.replace(/\(\w+ \?\?= new Random\(\w+\)\)\.nextUint32\(\)/, "(() => { throw new Error('no random generator in this bundle: it runs inference only'); })()");
  if (uses !== 1 || out === source) throw new Error(`${path}: the random generator is made other than as '(random ??= new Random(seed)).nextUint32()'; the bundle's rewrite would miss it`);
  return out;
}

/**
 * runtime/bundle/quantize.ts and quantizedWeights.ts for a bundle whose weights have no
 * quantized tensor: every exported function replaced by a refusal, so the decoders, the
 * parameter checks and the source-code and batchNorms checks stay out. A manifest that
 * claims a quantized tensor is refused as before, naming it: `model.json: tensor
 * 'dense/kernel' (U8) is quantized, but ...`; one with source codes or a batchNorms list
 * by an NncError naming the manifest (a function's `what` parameter): `model.json has
 * quantized weights, but ...`.
 */
export function quantizationRefused(source: string, path: string): string {
  const functions = [...source.matchAll(/^export function (\w+)\(([^)]*)\)/gm)].map((m) => ({ name: m[1], params: m[2].split(',').map((p) => p.trim().split(/[?:=\s]/)[0]) }));
  const names = functions.map((f) => f.name);
  const expected = /quantizedWeights\.[jt]s$/.test(path) ? 'checkQuantizedWeights' : 'quantizationProblem';
  if (!names.includes(expected)) throw new Error(`${path}: no 'export function ${expected}'; has the loader's quantization check moved?`);
  const other = /^export (?:const|let|var|class) (\w+)/m.exec(source);
  if (other) throw new Error(`${path}: exports '${other[1]}', which is not a function; the float bundle's stub replaces functions only`);
  const why = 'is quantized, but this bundle was built for float weights and has no decoder for it';
  const stub = ({ name, params }: { name: string; params: string[] }) => {
    if (name === 'quantizationProblem') return `export function ${name}() { return ${JSON.stringify(why)}; }`;
    const what = params.indexOf('what');
    if (what >= 0) return `export function ${name}(...a) { throw new NncError(a[${what}] + ${JSON.stringify(' has quantized weights, but this bundle was built for float weights and has no decoder for them')}); }`;
    return `export function ${name}() { throw new Error(${JSON.stringify(`a tensor ${why}`)}); }`;
  };
  const body = functions.map(stub);
  return [...(body.some((f) => f.includes('NncError')) ? [`import { NncError } from '../../src/diagnostics.js';`] : []), ...body].join('\n');
}

/**
 * src/formats/safetensors.ts as a bundle runs it: the reader without its F64 and BF16
 * decoders (and F64's range message). A bundle's manifest lists F32, F16, U8 and U16
 * tensors only, and the loader refuses a header whose dtypes differ from the manifest's
 * before it decodes anything (manifest.ts `openWeights`), so they never run; if one
 * did, it would throw rather than decode.
 */
export function safetensorsWithoutWideFloats(source: string, path: string): string {
  const cuts: [RegExp, string][] = [
    [/\n([ \t]*)case 'F64': \{\n[\s\S]*?\n\1\}/, "\n$1default:\n$1  throw new Error('a bundle reads F32 and F16 weights only');"],
    [/\n([ \t]*)case 'BF16': \{\n[\s\S]*?\n\1\}/, ''],
    [/\n([ \t]*)if \(entry\.dtype === 'F64'\) \{\n[\s\S]*?\n\1\}/, ''],
  ];
  let out = source;
  for (const [pattern, replacement] of cuts) {
    if ([...out.matchAll(new RegExp(pattern.source, 'g'))].length !== 1) throw new Error(`${path}: not one ${pattern.source.slice(0, 40)}... block; has the safetensors reader changed?`);
    out = out.replace(pattern, replacement);
  }
  return out;
}

/**
 * src/diagnostics.ts as a bundle runs it: an NncError's message is its diagnostics'
 * messages. Only `.nn` source gives a diagnostic a location (quoted with the line and a
 * caret by `formatDiagnostic`); a bundle reads no `.nn`, so the excerpt code stays out.
 */
export function diagnosticsWithoutExcerpts(source: string, path: string): string {
  const located = '(d.location ? formatDiagnostic(d) : d.message)';
  if (source.split(located).length !== 2) throw new Error(`${path}: NncError no longer formats '${located}'; the bundle's rewrite would miss it`);
  return source.replace(located, 'd.message');
}

/**
 * runtime/paddingIntoConvolution.ts for a graph without ZeroPadding2D: the planner finds
 * nothing (an empty map), so the executor runs every node with its own kernel, and the
 * padded-convolution kernels stay out.
 */
export function withoutPaddingIntoConvolution(source: string, path: string): string {
  const names = [...source.matchAll(/^export (?:function|const) (\w+)/gm)].map((m) => m[1]);
  if (!names.includes('paddingIntoConvolution')) throw new Error(`${path}: no 'export function paddingIntoConvolution'; has the executor's padding plan moved?`);
  return names
    .map((name) => (name === 'paddingIntoConvolution' ? `export function ${name}() { return new Map(); }` : `export function ${name}() { throw new Error('this bundle has no ZeroPadding2D'); }`))
    .join('\n');
}

/**
 * src/ir/layers/paramTypes.ts as a bundle runs it: the attribute types without their
 * `convert` members, which turn a `.nn` argument into an attribute (with their
 * did-you-mean messages and the argument binder for initializers), and without the
 * `expects` texts only the binder's messages read. A bundle reads the attributes from
 * JSON and checks them with each type's `ir` check, which stays, messages and all.
 */
export function withoutConverters(source: string, path: string): string {
  let out = '';
  let from = 0;
  let cut = 0;
  for (const match of source.matchAll(/^\s*(?:convert(?:\(|:\s*\()|expects:)/gm)) {
    if (match.index < from) continue;
    const end = endAtDepthZero(source, match.index, ',');
    if (end < 0) throw new Error(`${path}: cannot find the end of the member at ${match.index}`);
    out += source.slice(from, match.index);
    from = end;
    cut++;
  }
  if (cut < 20) throw new Error(`${path}: found only ${cut} 'convert' and 'expects' members to take out; has its layout changed?`);
  return out + source.slice(from);
}

/**
 * Where the statement (`terminator` ';') or object member (',') starting at `start` ends,
 * scanning at bracket depth 0 outside strings and comments: just past its terminator, or,
 * for a member, at the brace closing the object. -1 if none.
 */
function endAtDepthZero(source: string, start: number, terminator: ';' | ','): number {
  let depth = 0;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (c === '/' && source[i + 1] === '/') i = source.indexOf('\n', i);
    else if (c === '/' && source[i + 1] === '*') i = source.indexOf('*/', i) + 1;
    else if (c === "'" || c === '"') {
      for (i++; source[i] !== c; i++) if (source[i] === '\\') i++;
    } else if (c === '`') i = templateEnd(source, i);
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (depth === 0) return terminator === ',' ? i : -1;
      depth--;
    } else if (c === terminator && depth === 0) return i + 1;
    if (i < 0) return -1;
  }
  return -1;
}

/** The comma-separated entries of an object literal whose body starts at `start`, up to its closing brace (`end`). */
function topLevelEntries(source: string, start: number): { entries: string[]; end: number } {
  const entries: string[] = [];
  let depth = 0;
  let from = start;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (c === '/' && source[i + 1] === '/') i = source.indexOf('\n', i);
    else if (c === '/' && source[i + 1] === '*') i = source.indexOf('*/', i) + 1;
    else if (c === "'" || c === '"' || c === '`') {
      for (i++; source[i] !== c; i++) if (source[i] === '\\') i++;
    } else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (depth === 0) {
        if (source.slice(from, i).trim() !== '') entries.push(source.slice(from, i));
        return { entries, end: i };
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      entries.push(source.slice(from, i));
      from = i + 1;
    }
  }
  throw new Error('unterminated object literal');
}

/**
 * A tfjs-backend-webgl file with its reads of the flags a bundle pins (backends/webglFlags.ts)
 * replaced by their values, where the pinned value cuts code: the convolution kernels'
 * program choice, and the backend's CPU forwarding test (`shouldExecuteOnCPU`, whose
 * callers then never run the CPU implementations, stubbed in `kernel_utils/shared.js`).
 * With `packedDepthwiseOnly` (the graph's depthwise convolutions all take the packed
 * program, `packedDepthwiseOnly`), the depthwise kernels' unpacked program is replaced by
 * an error. Other files as they are. Throws if a read it expects is gone (tfjs changed).
 */
export function withPinnedWebglFlags(source: string, path: string, packedDepthwiseOnly = false): string {
  const file = /tfjs-backend-webgl[\\/]dist[\\/](kernels[\\/]Conv2D|kernels[\\/]FusedConv2D|kernels[\\/]FusedDepthwiseConv2D|kernels[\\/]DepthwiseConv2dNative|backend_webgl)\.js$/.exec(path)?.[1];
  if (file === undefined) return source;
  const depthwise = /Depthwise/.test(file);
  if (depthwise && !packedDepthwiseOnly) return source;
  const flags = file === 'backend_webgl' ? ['WEBGL_CPU_FORWARD'] : depthwise ? ['WEBGL_PACK_DEPTHWISECONV'] : ['WEBGL_EXP_CONV', 'WEBGL_CONV_IM2COL'];
  let out = source;
  for (const flag of flags) {
    const read = `env().getBool('${flag}')`;
    if (!out.includes(read)) throw new Error(`${path}: no ${read} to pin; has tfjs-backend-webgl changed?`);
    out = out.split(read).join(String(PINNED_WEBGL_FLAGS[flag]));
  }
  if (depthwise) {
    if (!out.includes('new DepthwiseConv2DProgram(')) throw new Error(`${path}: no 'new DepthwiseConv2DProgram(' to replace; has tfjs-backend-webgl changed?`);
    const refusal = `(() => { throw new Error('this bundle runs depthwise convolutions with a width stride of at most 2 and a depth multiplier of 1 on WebGL (its graph has no other)'); })(`;
    out = out.split('new DepthwiseConv2DProgram(').join(refusal);
  }
  return out;
}

/**
 * tfjs-backend-webgl's Cast kernel without its complex64 branches (nnc has no complex
 * numbers; a cast to or from complex64 is an error saying so): the complex op and
 * `zeros` of tfjs-core, which only they call, stay out. Other files as they are. Throws
 * if the branches are not where they were (tfjs changed).
 */
export function castWithoutComplex(source: string, path: string): string {
  if (!/tfjs-backend-webgl[\\/]dist[\\/]kernels[\\/]Cast\.js$/.test(path)) return source;
  const start = source.indexOf('    // Casting to complex64.\n');
  const end = source.indexOf('    if (!util.hasEncodingLoss(x.dtype, dtype)) {');
  const branches = start < 0 || end < start ? '' : source.slice(start, end);
  if (!/^ {4}\/\/ Casting to complex64\.\n {4}if \(dtype === 'complex64'\) \{[\s\S]*\n {4}\/\/ Casting from complex64\n {4}if \(x\.dtype === 'complex64'\) \{[\s\S]*\n {4}\}\n$/.test(branches)) {
    throw new Error(`${path}: not the two complex64 branches before 'if (!util.hasEncodingLoss' it had; has tfjs-backend-webgl changed?`);
  }
  return `${source.slice(0, start)}    if (dtype === 'complex64' || x.dtype === 'complex64') throw new Error('this bundle has no complex numbers');\n${source.slice(end)}`;
}

/** Whether every depthwise convolution of `graph` takes tfjs WebGL's packed program: a width stride of at most 2 and a depth multiplier of 1. */
export function packedDepthwiseOnly(graph: Graph): boolean {
  return graph.nodes.every((node) => {
    if (node.kind !== 'DepthwiseConv2D' && node.kind !== 'SeparableConv2D') return true;
    const attrs = node.attrs as { strides: readonly [number, number]; depth_multiplier: number };
    return attrs.strides[1] <= 2 && attrs.depth_multiplier === 1;
  });
}

/**
 * The CPU implementations tfjs-backend-webgl's kernels call other than when forwarding
 * (Tile for rank above 5 or strings, Slice for strings): kept whole.
 */
const CPU_IMPLS_KEPT = new Set(['tileImplCPU', 'sliceImplCPU']);

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
export function treeShakingPlugin(chunks: Readonly<Record<BackendName, string>>, kinds: ReadonlySet<string>, options: { readonly packedDepthwiseOnly?: boolean; readonly quantized?: boolean; readonly activations?: ReadonlySet<string> } = {}): Plugin {
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
      // tfjs-core's browser platform registers the local-storage and IndexedDB model
      // stores on import, which keeps all of tfjs-core's model IO: a bundle loads no
      // tfjs model, so the registrations go (the platform itself stays).
      // tfjs-core's Node platform registers itself only under Node (`IS_NODE && !IS_BROWSER`);
      // model.js is built for a page (`nnc run` loads a bundle with runtime/bundle/node.ts).
      b.onLoad({ filter: /tfjs-core[\\/]dist[\\/]platforms[\\/]platform_node\.js$/ }, () => ({ contents: '', loader: 'js' }));
      b.onLoad({ filter: /tfjs-core[\\/]dist[\\/]platforms[\\/]platform_browser\.js$/ }, (args) => ({ contents: withoutModelStores(readFileSync(args.path, 'utf8'), args.path), loader: 'js', resolveDir: dirname(args.path) }));
      // nnc's own modules, rewritten where a bundle needs less of them: each is found by
      // its folder (its .ts here, or tsc's .js in the installed package) and rewritten
      // when `applies` to it.
      const SRC = join(dirname(dirname(RUNTIME_DIR)), 'src');
      const ownModule = (filter: RegExp, dir: string, rewrite: (source: string, path: string) => string, applies: (path: string) => boolean = () => true) =>
        b.onLoad({ filter }, (args) => {
          if (dirname(args.path) !== dir || !applies(args.path)) return undefined;
          return { contents: rewrite(readFileSync(args.path, 'utf8'), args.path), loader: args.path.endsWith('.ts') ? 'ts' : 'js', resolveDir: dir };
        });
      // Inference only: nnc's kernels with their training branches cut (`context.training`
      // is false in a bundle), so tfjs-core's fused ops with their gradients, moments
      // and dropout (with seedrandom) stay out.
      ownModule(/[\\/]runtime[\\/]kernels\.[jt]s$/, dirname(RUNTIME_DIR), (source, path) => inferenceOnlyKernels(source, path, kinds));
      // Only the graph's activations (none given: all, as the playground's template).
      const activations = options.activations;
      if (activations !== undefined) ownModule(/[\\/]runtime[\\/]activations\.[jt]s$/, dirname(RUNTIME_DIR), (source, path) => withoutOtherActivations(source, path, activations));
      ownModule(/[\\/]runtime[\\/]executor\.[jt]s$/, dirname(RUNTIME_DIR), executorWithoutRandom);
      // No quantized tensor: no dequantization, no source-code or batchNorms checks.
      if (options.quantized === false) ownModule(/[\\/]runtime[\\/]bundle[\\/](quantize|quantizedWeights)\.[jt]s$/, RUNTIME_DIR, quantizationRefused);
      ownModule(/[\\/]src[\\/]formats[\\/]safetensors\.[jt]s$/, join(SRC, 'formats'), safetensorsWithoutWideFloats);
      ownModule(/[\\/]src[\\/]diagnostics\.[jt]s$/, SRC, diagnosticsWithoutExcerpts);
      // No ZeroPadding2D: no padding folded into convolutions.
      if (!kinds.has('ZeroPadding2D')) ownModule(/[\\/]runtime[\\/]paddingIntoConvolution\.[jt]s$/, dirname(RUNTIME_DIR), withoutPaddingIntoConvolution);
      // A bundle never prints a tensor: Tensor.toString (tf.print) names its dtype and
      // shape, without tfjs-core's value formatter.
      b.onLoad({ filter: /tfjs-core[\\/]dist[\\/]tensor_format\.js$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if ([...source.matchAll(/^export (?:function|const|class) (\w+)/gm)].map((m) => m[1]).join() !== 'tensorToString') throw new Error(`${args.path}: exports other than tensorToString; has tfjs-core changed?`);
        return { contents: "export function tensorToString(vals, shape, dtype) { return `Tensor ${dtype} [${shape}] (this bundle does not print values)`; }", loader: 'js' };
      });
      // nnc has no complex numbers: Multiply's complex program is a refusal.
      b.onLoad({ filter: /tfjs-backend-webgl[\\/]dist[\\/]binaryop_complex_gpu\.js$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!/^export const COMPLEX_MULTIPLY = /m.test(source) || !/^export class BinaryOpComplexProgram /m.test(source)) throw new Error(`${args.path}: not the COMPLEX_MULTIPLY and BinaryOpComplexProgram it was; has tfjs-backend-webgl changed?`);
        return { contents: `export const COMPLEX_MULTIPLY = {};\nexport class BinaryOpComplexProgram { constructor() { throw new Error('this bundle has no complex numbers'); } }`, loader: 'js' };
      });
      // The attribute types' `ir` checks without the `.nn` converters.
      ownModule(/[\\/]src[\\/]ir[\\/]layers[\\/]paramTypes\.[jt]s$/, LAYERS_DIR, withoutConverters);
      // The layer definitions of the graph's kinds only.
      ownModule(/[\\/]src[\\/]ir[\\/]layers[\\/]\w+\.[jt]s$/, LAYERS_DIR, (source, path) => withoutOtherLayers(source, path, kinds), (path) => layerFamilies().has(basename(path).replace(/\.[jt]s$/, '')));
      b.onLoad({ filter: /tfjs-backend-(webgl|wasm|cpu)[\\/]dist[\\/].*\.js$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!/kernel_utils[\\/]shared\.js$/.test(args.path) || !args.path.includes('tfjs-backend-webgl')) {
          const contents = importNamespacesDirectly(castWithoutComplex(withPinnedWebglFlags(source, args.path, options.packedDepthwiseOnly), args.path), core);
          return contents === source ? undefined : { contents, loader: 'js', resolveDir: dirname(args.path) };
        }
        const destructured = /const\s*\{([^}]*)\}\s*=\s*shared;/.exec(source);
        if (!destructured) throw new Error(`${args.path}: no 'const { ... } = shared;' to rewrite; has tfjs-backend-webgl changed?`);
        const pairs = destructured[1].split(',').map((pair) => pair.trim()).filter(Boolean).map((pair) => pair.split(/\s*:\s*/));
        // CPU forwarding off (webglFlags.ts): the implementations only forwarding calls are a
        // function that says so; those a kernel calls on other grounds stay (CPU_IMPLS_KEPT).
        const kept = pairs.filter(([name]) => CPU_IMPLS_KEPT.has(name)).map((pair) => pair.join(' as '));
        const stubbed = pairs.filter(([name]) => !CPU_IMPLS_KEPT.has(name)).map(([name, alias]) => alias ?? name);
        return {
          contents: [
            ...(kept.length > 0 ? [`export { ${kept.join(', ')} } from '@tensorflow/tfjs-backend-cpu/dist/shared.js';`] : []),
            `const forwardingOff = () => { throw new Error('WebGL kernels do not forward to the CPU in this bundle (WEBGL_CPU_FORWARD is false)'); };`,
            `export const ${stubbed.map((alias) => `${alias} = forwardingOff`).join(', ')};`,
          ].join('\n'),
          loader: 'js',
          resolveDir: dirname(args.path),
        };
      });
    },
  };
}

/**
 * model.js (the loader, the manifest embedded) and its chunks: one per backend with the
 * graph's kernels for it, and the code they share. Bundled and minified by esbuild;
 * chunk names carry a hash of their content, so the same inputs give the same files.
 */
async function bundleModule(modelJson: string, graph: Graph): Promise<{ code: string; chunks: Map<string, string>; missingKernels: ModuleFacts['missingKernels']; metafile: Metafile }> {
  const { modules, missingKernels } = kernelsByBackend(inferenceKernelNames(graph));
  const facts: ModuleFacts = { missingKernels };
  const kinds = new Set(graph.nodes.map((n) => n.kind));
  const quantized = (JSON.parse(modelJson) as BundleManifest).weights.tensors.some((t) => t.dtype === 'U8' || t.dtype === 'U16');
  const { code, chunks, metafile } = await buildModule(entrySource(JSON.stringify(facts)), modules, kinds, { packedDepthwiseOnly: packedDepthwiseOnly(graph), quantized, activations: graphActivations(graph) });
  return { code: fillSlot(code, MANIFEST_SLOT, manifestLiteral(modelJson)), chunks, missingKernels, metafile };
}

/**
 * A model.js for any graph, with slots for its manifest and facts: every kernel of
 * ALL_INFERENCE_KERNELS in the backend chunks. The playground builds it once and fills
 * it in the page (template.ts `fillLoaderTemplate`), where esbuild cannot run.
 */
export async function makeLoaderTemplate(): Promise<LoaderTemplate & { readonly chunks: ReadonlyMap<string, string>; readonly wasm: ReadonlyMap<string, Uint8Array> }> {
  const kernels = [...ALL_INFERENCE_KERNELS].sort();
  const { modules, missingKernels } = kernelsByBackend(kernels);
  const { code, chunks } = await buildModule(entrySource(`JSON.parse(${JSON.stringify(FACTS_SLOT)})`), modules, new Set(Object.keys(LAYER_DEFS)), { packedDepthwiseOnly: false, quantized: true });
  for (const slot of [MANIFEST_SLOT, FACTS_SLOT]) {
    if (code.split(JSON.stringify(slot)).length !== 2) throw new Error(`esbuild's model.js does not hold the slot ${slot} exactly once`);
  }
  const wasm = wasmFiles();
  return { code, kernels, missingKernels, files: [...chunks.keys(), ...wasm.keys()], generator: `nnc ${nncVersion()} (playground)`, chunks, wasm };
}

/** model.js (unfilled: the manifest slot in it) and its chunks; `kinds` are the layer kinds whose kernels the kernel table keeps; `options`: the graph's depthwise convolutions all take WebGL's packed program (`packedDepthwiseOnly`), its weights have a quantized tensor. */
async function buildModule(entry: string, modules: Record<BackendName, KernelModule[]>, kinds: ReadonlySet<string>, options: { readonly packedDepthwiseOnly: boolean; readonly quantized: boolean; readonly activations?: ReadonlySet<string> }): Promise<{ code: string; chunks: Map<string, string>; metafile: Metafile }> {
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
    metafile: true,
    plugins: [treeShakingPlugin(chunkSources, kinds, options)],
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
  return { code, chunks: new Map([...chunks].sort(([a], [b]) => (a < b ? -1 : 1))), metafile: result.metafile };
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
