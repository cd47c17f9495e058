// Properties of formatSource on text no one wrote by hand:
//   - token soup (keywords, names, punctuation, comments, line breaks in any order):
//     formatting never fails inside nnc (its token guard would throw), and whatever
//     parses formats idempotently;
//   - models assembled from statements with comments and blank lines in every place
//     (own line, after code, inside a call spanning lines, inside repeat): idempotent,
//     and the formatted text checks to the same graph with the same diagnostics.
//
// FC_SEED=n and FC_RUNS=n override the seed and the number of runs.

import test from 'ava';
import fc from 'fast-check';
import { check } from '../../../compiler/check.js';
import { formatSource } from '../../../compiler/print/formatSource.js';
import { graphDifference } from '../../helpers/sameGraph.js';

const seed = process.env.FC_SEED === undefined ? 20261204 : Number(process.env.FC_SEED);
const numRuns = process.env.FC_RUNS === undefined ? 2000 : Number(process.env.FC_RUNS);

const PIECES = ['model', 'block', 'M', 'B', 'x', 'y', 'input', 'output', 'repeat', '2', '{', '}', '(', ')', '[', ']', ',', '=', ':', '->', ';', '-', '+', '*', '/', 'Dense', '3', '"s"', '# c\n', '\n', ' ', '\n\n', 'relu', 'true', 'null', '.5'];

test('token soup: no internal failure, and what parses formats idempotently', (t) => {
  let parsed = 0;
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }), (parts) => {
      const text = parts.join(' ');
      const once = formatSource(text).text;
      if (once === null) return true;
      parsed++;
      return formatSource(once).text === once;
    }),
    { seed, numRuns },
  );
  // Roughly a tenth of the soups parse; enough to say something.
  t.true(parsed >= numRuns / 20, `${parsed} of ${numRuns} parsed`);
});

const STATEMENTS = ['Dense(3)', 'h = Dense(3,\n  activation=relu)', 'repeat 2 { Dense(3) }', 'repeat 2 {\n# inside\nDense(3) }', 'repeat 1 {}', 'h2 = (x, x) -> Add', 'output x', 'input y: [4]', 'Dense(3)(x)', 'BatchNormalization\n(x, y) -> Add', 'B(2, b=1 + 1)', ';', ''];
const AFTER = ['', '  # after', '\n# own line', '\n\n', '\n', ' ; '];

test('models with comments everywhere: idempotent, same graphs, same diagnostics', (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom(...STATEMENTS), fc.constantFrom(...AFTER)), { maxLength: 10 }), fc.boolean(), (items, blockFirst) => {
      const body = items.map(([statement, after]) => statement + after).join('\n');
      const block = 'block B(a, b=2) { Dense(a)  # a block\n# last\n}';
      const model = `# head\nmodel M { input x: [4]\n${body}\n}`;
      const text = blockFirst ? `${block}\n${model}` : `${model}\n\n\n${block}`;
      const once = formatSource(text).text;
      if (once === null) throw new Error(`does not parse:\n${text}`);
      if (formatSource(once).text !== once) throw new Error(`not idempotent:\n${text}\n---\n${once}`);
      const before = check(text);
      const after = check(once);
      const messages = (r: typeof before) => r.diagnostics.map((d) => d.message).join('\n');
      if (messages(after) !== messages(before)) throw new Error(`diagnostics changed:\n${text}\n---\n${once}`);
      for (const [name, graph] of before.models) {
        const difference = after.models.get(name) ? graphDifference(after.models.get(name)!, graph) : 'no graph';
        if (difference) throw new Error(`${name}: ${difference}\n${text}`);
      }
      return true;
    }),
    { seed, numRuns },
  );
  t.pass();
});
