// Property: no input makes `check` throw, and whatever it returns is sound. Random
// strings, soups of the language's own tokens, and mutations of the examples (which
// reach deep into lowering, where random text rarely gets) all go through `check`;
// every returned graph must pass the verifier and summarize, every diagnostic must
// point inside the text and print.
//
// numRuns are tuned so the whole file takes a few seconds; a failure prints the seed
// and the shrunk counterexample (rerun with `fc.assert(..., { seed, path })`).

import test from 'ava';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { check } from '../../compiler/check.js';
import { summarize } from '../../compiler/summary.js';
import { formatDiagnostics } from '../../src/diagnostics.js';
import { printGraph } from '../../src/ir/printer.js';
import { verifyGraph } from '../../src/ir/verify.js';

const EXAMPLES = readdirSync('examples')
  .filter((f) => f.endsWith('.nn'))
  .sort()
  .map((f) => readFileSync(`examples/${f}`, 'utf8'));

/** Checks `text` and asserts everything about the result that must hold for any input; returns the graph count. */
function checkSoundly(text: string): number {
  const result = check(text, 'fuzz.nn');
  if (!Array.isArray(result.diagnostics)) throw new Error('diagnostics is not an array');
  for (const d of result.diagnostics) {
    if (typeof d.message !== 'string' || d.message === '') throw new Error('a diagnostic without a message');
    const loc = d.location;
    if (loc && !(loc.start >= 0 && loc.start <= text.length && loc.end >= loc.start)) throw new Error(`location ${loc.start}..${loc.end} outside a text of ${text.length}: ${d.message}`);
  }
  formatDiagnostics(result.diagnostics);
  for (const graph of result.models.values()) {
    const problems = verifyGraph(graph);
    if (problems.length > 0) throw new Error(`invalid graph from\n${text}\n${problems.join('\n')}`);
    summarize(graph);
    printGraph(graph);
  }
  return result.models.size;
}

const KEYWORDS = ['model', 'block', 'input', 'output', 'repeat', 'true', 'false', 'null'];
const PUNCTUATION = ['{', '}', '(', ')', '[', ']', ',', '=', ':', '->', ';', '+', '-', '*', '/', '\n', '#'];
const NAMES = ['M', 'B', 'x', 'y', 'a', 'Dense', 'Conv2D', 'DepthwiseConv2D', 'BatchNormalization', 'ReLU', 'Add', 'Concatenate', 'Flatten', 'Reshape', 'Softmax', 'ZeroPadding2D', 'MaxPooling2D', 'GlobalAveragePooling2D', 'Dropout', 'axis', 'units', 'padding', 'same', 'valid', 'relu', 'he_normal', 'l2', 'name', 'trainable', 'strides'];
const LITERALS = ['0', '1', '2', '3', '-1', '2.5', '1e-3', '.5', '1e400', '9007199254740991', '9007199254740993', '4503599627370496', '"s"', '"a/b"', '"', '\\'];

const token = fc.oneof(fc.constantFrom(...KEYWORDS), fc.constantFrom(...PUNCTUATION), fc.constantFrom(...NAMES), fc.constantFrom(...LITERALS));
const tokenSoup = fc.tuple(fc.array(token, { maxLength: 80 }), fc.constantFrom(' ', '\n', '')).map(([tokens, separator]) => tokens.join(separator));

/** Soups framed like a model, so that lowering, not only parsing, sees them. */
const framedSoup = tokenSoup.map((body) => `model M {\n  input x: [8, 8, 3]\n${body}\n}\n`);

type Mutation = { kind: 'delete' | 'insert' | 'duplicate' | 'swap'; at: number; length: number; text: string };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('delete', 'insert', 'duplicate', 'swap'),
  at: fc.nat(),
  length: fc.integer({ min: 1, max: 12 }),
  text: fc.oneof(token, fc.string({ maxLength: 3 })),
});

function mutate(text: string, m: Mutation): string {
  const at = m.at % (text.length + 1);
  switch (m.kind) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.length);
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'duplicate':
      return text.slice(0, at) + text.slice(at, at + m.length) + text.slice(at);
    case 'swap': {
      const other = (at + m.length) % (text.length + 1);
      const [i, j] = at < other ? [at, other] : [other, at];
      return text.slice(0, i) + text.slice(j, j + 1) + text.slice(i + 1, j) + text.slice(i, i + 1) + text.slice(j + 1);
    }
  }
}

/** Mutating tokens (whole words) rather than characters keeps the text closer to valid. */
function mutateTokens(text: string, m: Mutation): string {
  const words = text.split(/(\s+|[{}()[\],=:;])/);
  const at = m.at % (words.length + 1);
  switch (m.kind) {
    case 'delete':
      return [...words.slice(0, at), ...words.slice(at + 1)].join('');
    case 'insert':
      return [...words.slice(0, at), m.text, ...words.slice(at)].join('');
    case 'duplicate':
      return [...words.slice(0, at + 1), ...words.slice(at, at + 1), ...words.slice(at + 1)].join('');
    case 'swap': {
      const other = (at + m.length) % words.length;
      const copy = [...words];
      [copy[at % words.length], copy[other]] = [copy[other], copy[at % words.length]];
      return copy.join('');
    }
  }
}

const mutatedExample = fc.tuple(fc.constantFrom(...EXAMPLES), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([example, mutations, byToken]) =>
  mutations.reduce((text, m) => (byToken ? mutateTokens(text, m) : mutate(text, m)), example),
);

test('random strings never make check throw', (t) => {
  fc.assert(fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (text) => void checkSoundly(text)), { numRuns: 400 });
  t.pass();
});

test('soups of the language tokens never make check throw', (t) => {
  fc.assert(fc.property(tokenSoup, (text) => void checkSoundly(text)), { numRuns: 600 });
  t.pass();
});

test('token soups inside a model never make check throw, and any graph verifies', (t) => {
  fc.assert(fc.property(framedSoup, (text) => void checkSoundly(text)), { numRuns: 600 });
  t.pass();
});

test('mutated examples never make check throw, and any graph verifies', (t) => {
  let runs = 0;
  let graphs = 0;
  fc.assert(
    fc.property(mutatedExample, (text) => {
      runs++;
      if (checkSoundly(text) > 0) graphs++;
    }),
    { numRuns: 600 },
  );
  // Many mutations (in comments, names, numbers) leave a valid model: the verifier part
  // of the property is exercised, not vacuous.
  t.true(graphs > runs / 10, `${graphs} of ${runs} mutants produced a graph`);
});

/** Layer calls with arguments drawn from small, boundary and huge values: stacks that often check clean. */
const dimension = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 4 }), weight: 8 }, { arbitrary: fc.constantFrom(0, -1, 2.5, 64, 100_000_000, 4503599627370496, 9007199254740991), weight: 1 });
const layerCall = fc.oneof(
  dimension.map((n) => `Dense(${n})`),
  fc.tuple(dimension, dimension, dimension, fc.constantFrom('valid', 'same')).map(([f, k, s, p]) => `Conv2D(${f}, ${k}, strides=${s}, padding=${p})`),
  fc.tuple(dimension, dimension, dimension).map(([k, m, d]) => `DepthwiseConv2D(${k}, depth_multiplier=${m}, dilation_rate=${d})`),
  fc.tuple(dimension, fc.constantFrom('valid', 'same')).map(([k, p]) => `MaxPooling2D(${k}, padding=${p})`),
  dimension.map((k) => `AveragePooling2D([${k}, 2])`),
  fc.tuple(dimension, dimension).map(([a, b]) => `ZeroPadding2D([[${a}, 0], [0, ${b}]])`),
  fc.constantFrom(-4, -3, -2, -1, 0, 1, 2, 3, 4).map((a) => `BatchNormalization(axis=${a})`),
  fc.constantFrom('[1, 2]', '[-1, 1]', '[2, 2]', '[]').map((a) => `BatchNormalization(axis=${a}, center=false)`),
  fc.constantFrom(-2, -1, 1, 2, 3).map((a) => `Softmax(axis=${a})`),
  fc.tuple(dimension, fc.constantFrom(-1, 2, 3)).map(([a, b]) => `Reshape([${a}, ${b}])`),
  fc.constantFrom('Flatten', 'GlobalAveragePooling2D', 'ReLU(max_value=6)', 'Dropout(0.5)', 'Activation(gelu)', 'Rescaling(1 / 255)'),
  fc.constantFrom(1, -1, 2, 3).map((a) => `y = Dense(2)\n(y, y) -> Concatenate(axis=${a})`),
);
const randomStack = fc
  .tuple(
    fc.oneof({ arbitrary: fc.tuple(fc.integer({ min: 8, max: 32 }), fc.integer({ min: 8, max: 32 }), fc.integer({ min: 1, max: 4 })), weight: 4 }, { arbitrary: fc.array(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(100_000_000, 9007199254740991)), { maxLength: 3 }), weight: 1 }),
    fc.array(layerCall, { minLength: 1, maxLength: 6 }),
  )
  .map(([dims, layers]) => `model M {\n  input x: [${dims.join(', ')}]\n${layers.map((l, i) => `  ${l.replace('y =', `y${i} =`).replace('(y, y)', `(y${i}, y${i})`)}`).join('\n')}\n}\n`);

test('random layer stacks (boundary and huge arguments): any graph verifies, counts stay exact', (t) => {
  let graphs = 0;
  fc.assert(
    fc.property(randomStack, (text) => {
      if (checkSoundly(text) > 0) graphs++;
    }),
    { numRuns: 800 },
  );
  t.true(graphs > 80, `only ${graphs} of 800 random stacks checked clean: the property would be nearly vacuous`);
  t.log(`${graphs} of 800 random stacks checked clean`);
});

test('the examples themselves pass the same property', (t) => {
  for (const example of EXAMPLES) t.notThrows(() => checkSoundly(example));
});
