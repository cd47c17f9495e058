// The `.nn` sources written in the test files, for tests that must hold for "every model
// in the tests" (the printer's round trip, the formatter): string and template literals
// that define a `model`, and `modelWith([dims], 'statement', ...)` and `outputShape` calls, read from the
// test files' text. Literals built with `${...}` are left out: their text is only known
// when the test runs.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { modelWith } from './check.js';

export interface TestSource {
  /** `test/compiler/names.test.ts#3`: the file and the literal's index in it. */
  readonly label: string;
  readonly text: string;
}

const DEFINES_MODEL = /\bmodel [A-Za-z_][A-Za-z0-9_]* *\{/;
const SINGLE = String.raw`'(?:[^'\\\n]|\\.)*'`;
const DOUBLE = String.raw`"(?:[^"\\\n]|\\.)*"`;
const PLAIN_TEMPLATE = '`(?:[^`\\\\$]|\\\\.|\\$(?!\\{))*`';
const STRING_ARGUMENT = new RegExp(`${PLAIN_TEMPLATE}|${SINGLE}|${DOUBLE}`, 'g');
/** `modelWith([4], 'Dense(3)', ...)` and `outputShape([4], 'Dense(3)')`: dims written as numbers, statements as literals. */
const MODEL_WITH = new RegExp(String.raw`(?:modelWith|outputShape)\(\s*\[([\d,\s]*)\]((?:\s*,\s*(?:${SINGLE}|${DOUBLE}|${PLAIN_TEMPLATE}))+)\s*,?\s*\)`, 'g');

/** A JavaScript string literal's value (the escapes test files use). */
function literalValue(literal: string): string {
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r' };
  return literal.slice(1, -1).replace(/\\(.)/gs, (_, c: string) => escapes[c] ?? c);
}

/**
 * The string and template literals of a TypeScript file, skipping comments; templates
 * with `${...}` are skipped too. A small scanner, not a parser: enough for test files.
 */
function stringLiterals(code: string): string[] {
  const found: string[] = [];
  let i = 0;
  while (i < code.length) {
    const c = code[i];
    if (c === '/' && code[i + 1] === '/') i = lineEnd(code, i);
    else if (c === '/' && code[i + 1] === '*') i = code.indexOf('*/', i + 2) < 0 ? code.length : code.indexOf('*/', i + 2) + 2;
    else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < code.length && code[j] !== c && code[j] !== '\n') j += code[j] === '\\' ? 2 : 1;
      if (code[j] === c) found.push(literalValue(code.slice(i, j + 1)));
      i = j + 1;
    } else if (c === '`') {
      let j = i + 1;
      let interpolated = false;
      while (j < code.length && code[j] !== '`') {
        if (code[j] === '\\') j += 2;
        else if (code[j] === '$' && code[j + 1] === '{') {
          interpolated = true;
          j = closingBrace(code, j + 1) + 1;
        } else j++;
      }
      if (!interpolated) found.push(literalValue(code.slice(i, j + 1)));
      i = j + 1;
    } else i++;
  }
  return found;
}

function lineEnd(code: string, from: number): number {
  const end = code.indexOf('\n', from);
  return end < 0 ? code.length : end;
}

/** The index of the `}` matching the `{` at `open` (braces inside nested literals are rare enough in tests to ignore). */
function closingBrace(code: string, open: number): number {
  let depth = 0;
  for (let k = open; k < code.length; k++) {
    if (code[k] === '{') depth++;
    else if (code[k] === '}' && --depth === 0) return k;
  }
  return code.length;
}

function testFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : testFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every model source written out in the test files under `folder`, in a stable order. */
export function testSources(folder = 'test'): TestSource[] {
  const sources: TestSource[] = [];
  for (const file of testFiles(folder).sort()) {
    const code = readFileSync(file, 'utf8');
    let index = 0;
    for (const text of stringLiterals(code)) {
      if (DEFINES_MODEL.test(text)) sources.push({ label: `${file}#${index++}`, text });
    }
    for (const match of code.matchAll(MODEL_WITH)) {
      const dims = match[1].split(',').map((d) => d.trim()).filter((d) => d !== '').map(Number);
      const statements = [...match[2].matchAll(STRING_ARGUMENT)].map((m) => literalValue(m[0]));
      sources.push({ label: `${file}#${index++}`, text: modelWith(dims, ...statements) });
    }
  }
  return sources;
}
