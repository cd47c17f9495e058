// nnc's version: the one in package.json, for `nnc --version`, the `generator` of every
// bundle (runtime/bundle/write.ts, hence this layer) and the npm package alike. Read
// when first asked for, from the package.json nearest above this file: the repository's
// when running from the sources (runtime/) or from the compiled output (dist/runtime/),
// the installed package's in node_modules/nnc/.

import { readFileSync } from 'node:fs';

let version: string | undefined;

export function nncVersion(): string {
  if (version === undefined) version = readVersion();
  return version;
}

function readVersion(): string {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    let text: string | undefined;
    try {
      text = readFileSync(new URL('package.json', dir), 'utf8');
    } catch {
      // No package.json here: look one folder up.
    }
    if (text !== undefined) {
      const pkg = JSON.parse(text) as { name?: unknown; version?: unknown };
      if (pkg.name === 'nnc' && typeof pkg.version === 'string') return pkg.version;
      throw new Error(`${new URL('package.json', dir).pathname} is not nnc's package.json`);
    }
    if (new URL('../', dir).href === dir.href) throw new Error("nnc's package.json was not found above the compiler");
  }
}
