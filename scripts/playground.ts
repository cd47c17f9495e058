// `npm run playground`: builds the playground page into out/playground (esbuild, no
// CDN: everything the page needs is in the folder) and serves it on 127.0.0.1 with the
// URL printed. `--build-only` builds and exits; `--port N` picks the port (default 8737).
// bundle/ holds what "Download bundle" needs and the page cannot make: a model.js for
// any graph with slots for its manifest (runtime/bundle/template.ts), its backend
// chunks and the wasm binaries.

import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeLoaderTemplate } from '../runtime/bundle/write.js';
import { serve } from './staticServer.js';

const ROOT = join(import.meta.dirname, '..');
const PAGE = join(ROOT, 'src', 'playground');

/** The examples' sources, in the menu's order: Géron's first, then the rest, then the zoo. */
function examples(): { name: string; text: string }[] {
  const list = (dir: string) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith('.nn'))
      .sort()
      .map((f) => ({ name: `${dir === 'examples' ? '' : 'zoo/'}${basename(f, '.nn')}`, text: readFileSync(join(ROOT, dir, f), 'utf8') }));
  const all = [...list('examples'), ...(readdirSync(join(ROOT, 'examples')).includes('zoo') ? list('examples/zoo') : [])];
  return [...all.filter((e) => e.name === 'geron'), ...all.filter((e) => e.name !== 'geron')];
}

export async function buildPlayground(out = join(ROOT, 'out', 'playground')): Promise<string> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(PAGE, 'main.ts')],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    outdir: out,
    entryNames: 'app',
    logLevel: 'error',
  });
  for (const file of ['index.html', 'style.css']) copyFileSync(join(PAGE, file), join(out, file));
  writeFileSync(join(out, 'examples.json'), JSON.stringify(examples()));
  const { chunks, wasm, ...template } = await makeLoaderTemplate();
  mkdirSync(join(out, 'bundle'));
  writeFileSync(join(out, 'bundle', 'template.json'), JSON.stringify(template));
  for (const [name, content] of [...chunks, ...wasm]) writeFileSync(join(out, 'bundle', name), content);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { 'build-only': { type: 'boolean' }, port: { type: 'string', default: '8737' } } });
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port!) || port > 65535) {
    console.error(`npm run playground: --port must be a port number, got '${values.port}'`);
    process.exit(2);
  }
  const out = await buildPlayground();
  console.log(`built ${out}`);
  if (!values['build-only']) {
    const server = await serve(out, {}, port);
    console.log(`playground: ${server.url}/  (Ctrl+C to stop)`);
  }
}
