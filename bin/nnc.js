#!/usr/bin/env node
// The `nnc` command. It runs the compiled JavaScript in dist/ with no TypeScript loader:
// dist/ ships in the npm package, and in a clone `npm run build` makes it (`prepare`
// runs it on `npm ci` and `npm install`). In a clone whose dist/ is missing or older
// than one of the sources (an edit, a pull, a checkout since the last build), it runs
// the TypeScript sources through tsx instead, so that a stale build never answers for
// the code in front of you. The folders compiled are tsconfig.build.json's `include`,
// and that file is in a clone only, so an installed package never looks at sources.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const stamp = new URL('dist/.built', root);
const buildConfig = new URL('tsconfig.build.json', root);

/** The newest modification time of a `.ts` file under `dir`. */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const child = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(child));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(child).mtimeMs);
  }
  return newest;
}

function compiledIsCurrent() {
  if (!existsSync(stamp)) return false;
  if (!existsSync(buildConfig)) return true; // an installed package: dist/ is all there is
  const built = statSync(stamp).mtimeMs; // when the last successful build started
  const { include } = JSON.parse(readFileSync(buildConfig, 'utf8'));
  return include.every((folder) => newestSource(new URL(`${folder}/`, root)) <= built);
}

let main;
if (compiledIsCurrent()) {
  ({ main } = await import('../dist/src/cli/main.js'));
} else if (existsSync(buildConfig)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
} else {
  process.stderr.write(`nnc: internal error: the compiled CLI (dist/) is missing from this installation at ${root.pathname}\n`);
  process.exit(70);
}
process.exitCode = await main(process.argv.slice(2));
