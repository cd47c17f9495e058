// Writing a bundle: model.json (graph + weights manifest + content hash),
// weights.safetensors (float32 or float16) and model.js (an ES module bundled by
// esbuild: tfjs-core, the WebGL backend with CPU as fallback, the loader, and the
// manifest embedded as a string literal). Same inputs give byte-identical files.

import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NncError } from '../../src/diagnostics.js';
import { graphToJson } from '../../src/ir/json.js';
import type { Graph } from '../../src/ir/types.js';
import { nncVersion } from '../version.js';
import type { WeightMap } from '../../src/ir/tensors.js';
import { parseSafetensorsHeader, writeSafetensors } from '../../src/formats/safetensors.js';
import { checkWeightMap } from '../../src/ir/weights.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleDtype, type BundleManifest, hashedText } from './manifest.js';

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
export function base64Literal(text: string): string {
  return JSON.stringify(Buffer.from(text, 'utf8').toString('base64'));
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/** The three files of a bundle, in memory. */
export async function makeBundle(graph: Graph, weights: WeightMap, dtype: BundleDtype = 'float32'): Promise<BundleFiles> {
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
  const manifest: BundleManifest = { ...body, generator: `nnc ${nncVersion()}`, contentHash: sha256(hashedText(body)) };
  const modelJson = readableJson(manifest) + '\n';
  return { manifest, modelJson, weights: bytes, moduleJs: await bundleModule(modelJson) };
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

// The folder of this file: runtime/bundle/ in the sources, where esbuild resolves
// './browser.js' to browser.ts as TypeScript does, or dist/runtime/bundle/ in the
// compiled package, where browser.js is the file itself.
const RUNTIME_DIR = dirname(fileURLToPath(import.meta.url));

/** model.js: the browser loader with the manifest embedded, bundled and minified by esbuild. */
async function bundleModule(modelJson: string): Promise<string> {
  const entry = [
    `import { createLoader, decodeBase64 } from './browser.js';`,
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

export function writeBundle(dir: string, files: BundleFiles): { path: string; bytes: number }[] {
  const written: { path: string; bytes: number }[] = [];
  try {
    mkdirSync(dir, { recursive: true });
    for (const [name, content] of [['model.json', files.modelJson], [WEIGHTS_FILE, files.weights], ['model.js', files.moduleJs]] as const) {
      const path = join(dir, name);
      writeFileSync(path, content);
      written.push({ path, bytes: typeof content === 'string' ? Buffer.byteLength(content) : content.length });
    }
  } catch (e) {
    throw new NncError(`cannot write the bundle to '${dir}': ${e instanceof Error ? e.message : String(e)}`);
  }
  return written;
}
