// `npm run build`, which `prepack` runs (on `npm pack` and `npm publish`; not on `npm ci`
// or `npm install`, where a `prepare` script would be an install script that npm 11 asks
// an installing project to approve): the sources compiled by tsc into dist/ — JavaScript and
// .d.ts declarations, same folder layout (tsconfig.build.json). Plain JavaScript, so that
// it needs no loader. Steps:
//   1. empty dist/, so that no file of a renamed or deleted source survives;
//   2. tsc -p tsconfig.build.json;
//   3. copy the hand-written declarations (grammar/cst.d.ts), which tsc does not emit;
//   4. chevrotain as one file: its package's ES entry imports lodash-es module by module,
//      about 700 files that take Node longer to load than all of nnc's front end (3× a
//      bare Node start on their own; bench/startup.ts measures it). chevrotain ships the
//      same version as a single ES module (lib/chevrotain.mjs, lodash inlined), which
//      loads in a fraction of that: it is copied to dist/vendor/chevrotain.js and the
//      compiled files import it instead of 'chevrotain' (the .d.ts files keep the
//      package, which stays a dependency for them);
//   5. write dist/.built with the time the build started: bin/nnc.js runs dist/ only
//      while no source is newer than that (a file edited during the build counts as newer).

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = join(root, 'dist');
const started = new Date();

rmSync(dist, { recursive: true, force: true });
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) {
  process.stderr.write(`build: tsc failed (exit ${compiled.status ?? compiled.signal})\n`);
  process.exit(1);
}
const { include } = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8'));
for (const folder of include) {
  for (const file of readdirSync(join(root, folder), { recursive: true })) {
    if (!file.endsWith('.d.ts')) continue;
    mkdirSync(dirname(join(dist, folder, file)), { recursive: true });
    copyFileSync(join(root, folder, file), join(dist, folder, file));
  }
}
const chevrotainEntry = createRequire(import.meta.url).resolve('chevrotain'); // <package>/lib/src/api.js
const chevrotainBundle = readFileSync(join(dirname(chevrotainEntry), '..', 'chevrotain.mjs'), 'utf8');
mkdirSync(join(dist, 'vendor'), { recursive: true });
writeFileSync(join(dist, 'vendor', 'chevrotain.js'), chevrotainBundle.replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n'));
let rewritten = 0;
for (const file of readdirSync(dist, { recursive: true })) {
  if (!file.endsWith('.js') || file.startsWith('vendor')) continue;
  const text = readFileSync(join(dist, file), 'utf8');
  const target = relative(dirname(join(dist, file)), join(dist, 'vendor', 'chevrotain.js')).replaceAll('\\', '/');
  const replaced = text.replace(/ from (['"])chevrotain\1;/g, ` from '${target.startsWith('.') ? target : `./${target}`}';`);
  if (replaced === text) continue;
  writeFileSync(join(dist, file), replaced);
  rewritten++;
}
if (rewritten === 0) {
  process.stderr.write("build: no compiled file imports 'chevrotain' any more: drop step 4 of scripts/build.js\n");
  process.exit(1);
}
writeFileSync(join(dist, '.built'), `${started.toISOString()}\n`);
utimesSync(join(dist, '.built'), started, started);
