// Writing a bundle: model.json (graph + weights manifest + content hash),
// weights.safetensors (float32 or float16) and model.js (an ES module bundled by
// esbuild: tfjs-core, the WebGL backend with CPU as fallback, the loader, and the
// manifest embedded as a string literal). Same inputs give byte-identical files.

import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NncError } from '../../src/diagnostics.js';
import { describeFsError, replaceDirectory } from '../atomicWrite.js';
import { graphToJson } from '../../src/ir/json.js';
import type { Graph } from '../../src/ir/types.js';
import type { WeightMap } from '../../src/ir/tensors.js';
import { parseSafetensorsHeader, writeSafetensors } from '../../src/formats/safetensors.js';
import { checkWeightMap } from '../../src/ir/weights.js';
import { embeddedManifestLiteral, sealModule } from './seal.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleDtype, type BundleManifest, hashedText } from './manifest.js';

export const GENERATOR = 'nnc 0.1.0';
export const WEIGHTS_FILE = 'weights.safetensors';

export interface BundleFiles {
  readonly manifest: BundleManifest;
  readonly modelJson: string;
  readonly weights: Uint8Array;
  readonly moduleJs: string;
}

/**
 * The manifest travels inside model.js as base64: its alphabet (A–Z, a–z, 0–9, +, /, =)
 * cannot form a quote, a backtick, a newline, `</script>` or `<!--`, whatever the layer
 * names hold, and esbuild prints it back unchanged.
 */
export const base64Literal = embeddedManifestLiteral;

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/**
 * The three files of a bundle, in memory. `outputNames`: the model's output names as
 * declared (the unoptimized graph's), recorded when the optimized graph's differ.
 */
export async function makeBundle(graph: Graph, weights: WeightMap, dtype: BundleDtype = 'float32', outputNames?: readonly string[]): Promise<BundleFiles> {
  checkWeightMap(graph, weights, 'the weights');
  // writeSafetensors orders the tensors by name, so the same weights give the same bytes.
  const bytes = writeSafetensors(weights, { dtype: dtype === 'float16' ? 'F16' : 'F32', metadata: { format: BUNDLE_FORMAT, model: graph.name } });
  const header = parseSafetensorsHeader(bytes, WEIGHTS_FILE);
  const tensors = [...header.entries].map(([name, e]) => ({ name, dtype: e.dtype as 'F32' | 'F16', shape: [...e.shape], offsets: [e.begin, e.end] as [number, number] }));
  const body = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    model: graph.name,
    graph: graphToJson(graph),
    weights: { file: WEIGHTS_FILE, dtype, byteLength: bytes.length, sha256: sha256(bytes), tensors },
  } as const;
  const ownNames = graph.outputs.map((id) => graph.nodes[id].name);
  if (outputNames !== undefined && outputNames.length !== ownNames.length) throw new NncError(`makeBundle: ${outputNames.length} output names for ${ownNames.length} outputs`);
  const renamed = outputNames !== undefined && outputNames.some((name, i) => name !== ownNames[i]);
  const withOutputs = renamed ? { ...body, outputs: [...outputNames] } : body;
  const manifest: BundleManifest = { ...withOutputs, generator: GENERATOR, contentHash: sha256(hashedText(withOutputs)) };
  const modelJson = readableJson(manifest) + '\n';
  return { manifest, modelJson, weights: bytes, moduleJs: sealModule(await bundleModule(modelJson)) };
}

/** JSON with one level of indentation per nesting, but values that fit in 100 characters on one line. */
export function readableJson(value: unknown, indent = ''): string {
  const compact = JSON.stringify(value);
  if (compact.length <= 100 || typeof value !== 'object' || value === null) return compact;
  const inner = `${indent}  `;
  if (Array.isArray(value)) return `[\n${value.map((v) => inner + readableJson(v, inner)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${readableJson(v, inner)}`);
  return `{\n${entries.join(',\n')}\n${indent}}`;
}

const RUNTIME_DIR = dirname(fileURLToPath(import.meta.url));

/** model.js: the browser loader with the manifest embedded, bundled and minified by esbuild. */
async function bundleModule(modelJson: string): Promise<string> {
  const entry = [
    `import { createLoader, decodeBase64 } from './browser.ts';`,
    `export const manifestText = decodeBase64(${base64Literal(modelJson)});`,
    `export const load = createLoader(manifestText, import.meta.url);`,
  ].join('\n');
  const result = await build({
    stdin: { contents: entry, resolveDir: RUNTIME_DIR, sourcefile: 'model-entry.ts', loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
    charset: 'ascii',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const code = result.outputFiles[0].text;
  if (/<\/script|<!--/i.test(code)) throw new NncError('model.js would contain </script> or <!--; refusing to write it');
  return code;
}

/** The files a bundle directory holds: an existing bundle may be replaced, anything else is kept out of harm's way. */
export const BUNDLE_FILE_NAMES: ReadonlySet<string> = new Set(['model.json', WEIGHTS_FILE, 'model.js']);

/**
 * Refuses, before any work, a `dir` that is a file or holds files a bundle does not
 * (they would go with the old bundle when the new one is swapped in).
 */
export function checkBundleTarget(dir: string): void {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new NncError(`cannot write the bundle to '${dir}': it is a file; a bundle is a directory (model.json, weights.safetensors, model.js)`);
    names = readdirSync(dir);
  } catch (e) {
    if (e instanceof NncError) throw e;
    if ((e as { code?: string }).code === 'ENOENT') return;
    throw new NncError(`cannot write the bundle to '${dir}': ${describeFsError(e)}`);
  }
  const other = names.filter((name) => !BUNDLE_FILE_NAMES.has(name)).sort();
  if (other.length > 0) {
    throw new NncError(`cannot write the bundle to '${dir}': it holds files that are not part of a bundle (${other.join(', ')}); a new bundle replaces the whole directory, so give a new or empty one`);
  }
}

/**
 * Writes the bundle to `dir`, assembled in a temporary sibling folder and swapped in
 * (src/formats/atomicWrite.ts): a failure or a kill leaves the previous bundle, or none,
 * never a mix or a truncated file. A `dir` holding other files is refused.
 */
export function writeBundle(dir: string, files: BundleFiles): { path: string; bytes: number }[] {
  const entries = [
    { name: 'model.json', content: files.modelJson },
    { name: WEIGHTS_FILE, content: files.weights },
    { name: 'model.js', content: files.moduleJs },
  ];
  checkBundleTarget(dir);
  try {
    replaceDirectory(dir, entries, BUNDLE_FILE_NAMES);
  } catch (e) {
    throw new NncError(`cannot write the bundle to '${dir}': ${describeFsError(e)}`);
  }
  return entries.map((entry) => ({ path: join(dir, entry.name), bytes: typeof entry.content === 'string' ? Buffer.byteLength(entry.content) : entry.content.length }));
}
