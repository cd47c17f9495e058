// The platform-neutral core bundles for a browser: esbuild, platform 'browser', no
// Node module resolved, and the bundle checks, summarizes and optimizes Géron's model
// when run in a plain V8 context that has no Node globals.

import test from 'ava';
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';

const ROOT = join(import.meta.dirname, '..', '..');

test('src/core.ts bundles for the browser and runs without Node', async (t) => {
  const result = await build({
    entryPoints: [join(ROOT, 'src/core.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'nnc',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  t.deepEqual(inputs.filter((path) => path.startsWith('node:') || /(^|\/)esbuild\//.test(path) || /@tensorflow\/tfjs-backend/.test(path)), []);
  const code = result.outputFiles[0].text;
  // A context with the web platform's globals that the core uses, and none of Node's.
  const context: Record<string, unknown> = { TextEncoder, TextDecoder, console };
  runInNewContext(`${code}\nthis.nnc = nnc;`, context);
  const core = context.nnc as typeof import('../../src/core.js');
  const source = readFileSync(join(ROOT, 'examples/geron.nn'), 'utf8');
  const checked = core.checkSource(source, 'geron.nn');
  t.deepEqual(checked.diagnostics, []);
  const graph = core.modelGraph(checked, undefined, '--model');
  t.is(core.summarize(graph).totalParams, 271_346);
  t.is(core.optimizeGraph(graph).graph.nodes.filter((n) => n.kind === 'BatchNormalization').length, 0);
});
