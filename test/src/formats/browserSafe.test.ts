import test from 'ava';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Every file a module imports, transitively, within the repository. */
function closure(entry: string): Map<string, string> {
  const files = new Map<string, string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    files.set(file, text);
    for (const [, specifier] of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) {
      if (specifier.startsWith('.')) pending.push(join(dirname(file), specifier).replace(/\.js$/, '.ts'));
      else files.set(`${file} → ${specifier}`, '');
    }
  }
  return files;
}

for (const entry of ['src/formats/safetensors.ts', 'src/formats/npy.ts', 'src/formats/crc32.ts']) {
  test(`${entry} and what it imports use no Node modules and no Buffer (the bundle loader runs in browsers)`, (t) => {
    const files = closure(entry);
    t.deepEqual([...files.keys()].filter((name) => name.includes(' → ')), []);
    const offenders = [...files].filter(([, text]) => /\bBuffer\b|\bprocess\.|\brequire\(/.test(text.replace(/\/\/.*$/gm, '')));
    t.deepEqual(offenders.map(([name]) => name), []);
  });
}
