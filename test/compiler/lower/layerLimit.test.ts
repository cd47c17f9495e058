// The layer limit stops work where it is passed (issue 20 point 4): the parser reads a
// model only a little past the call that could be its 100,001st layer (grammar/parse.ts
// `cutModelsAfter`), and the check reports the one error the whole text would give, at
// the same place. Work is counted in tokens the parser read, not timed (the time is
// bench/reliability.ts's "Written-out sources").

import test from 'ava';
import { check } from '../../../compiler/check.js';
import { MAX_LAYERS } from '../../../compiler/lower/limits.js';
import { lower } from '../../../compiler/lower/lower.js';
import { lexer, parse } from '../../../grammar/parse.js';
import type { BodyCstNode, ModelDefinitionCstNode } from '../../../grammar/cst.js';
import { Source } from '../../../src/diagnostics.js';
import { reported } from '../../helpers/check.js';

/** Each top-level statement of a model as its first token and its chain's calls: `x -> ReLU -> ReLU` is 'x ReLU ReLU'. */
function statements(model: ModelDefinitionCstNode): string[] {
  const body = model.children.body[0] as BodyCstNode;
  return (body.children.statement ?? []).map((statement) => {
    const images: string[] = [];
    const walk = (node: unknown): void => {
      if (node && typeof node === 'object' && 'image' in node) images.push((node as { image: string }).image);
      else if (node && typeof node === 'object' && 'children' in node) for (const list of Object.values((node as { children: Record<string, unknown[]> }).children)) list.forEach(walk);
    };
    walk(statement);
    return images.filter((image) => /^[A-Za-z_]/.test(image)).join(' ');
  });
}

const SMALL = `block B { ReLU ReLU ReLU ReLU }
model M {
  input x: [4]
  a = Dense(4)
  x -> ReLU -> ReLU
  repeat 3 { ReLU ReLU ReLU ReLU ReLU }
  output a
}
model N { input x: [4]; ReLU; ReLU; ReLU; ReLU; ReLU }
`;

test('a model is cut at the first statement or -> of its top level past the calls allowed; blocks and repeat bodies are not counted', (t) => {
  // Calls at M's top level: Dense (after '='), x, ReLU, ReLU; 'a =' is a target, input and output names are not calls.
  const source = new Source(SMALL, 'small.nn');
  const cutAfter3 = parse(source, { cutModelsAfter: 3 });
  t.deepEqual(cutAfter3.diagnostics, []);
  const [, m3, n3] = cutAfter3.definitions as ModelDefinitionCstNode[];
  t.deepEqual(statements(m3), ['input x', 'a Dense', 'x ReLU ReLU']); // cut at 'repeat'
  t.deepEqual(statements(n3), ['input x', 'ReLU', 'ReLU', 'ReLU', 'ReLU']); // 4 calls, more than 3: cut at the fifth ReLU
  t.deepEqual([...cutAfter3.cutDefinitions], [m3, n3]);
  // One call fewer allowed: M is cut inside its chain, at the second '->'.
  const [, m2] = parse(source, { cutModelsAfter: 2 }).definitions as ModelDefinitionCstNode[];
  t.deepEqual(statements(m2), ['input x', 'a Dense', 'x ReLU']);
  // Enough calls allowed, or no option: nothing is cut.
  const whole = parse(source, { cutModelsAfter: 5 });
  t.deepEqual(statements(whole.definitions[1] as ModelDefinitionCstNode), ['input x', 'a Dense', 'x ReLU ReLU', 'repeat ReLU ReLU ReLU ReLU ReLU', 'output a']);
  t.is(whole.cutDefinitions.size, 0);
  t.is(whole.tokensParsed, lexer.tokenize(SMALL).tokens.length);
  t.is(parse(source).tokensParsed, lexer.tokenize(SMALL).tokens.length);
});

test('a model cut before it reaches the limit asks for the whole text (the lowering did not stop at a limit)', (t) => {
  const source = new Source(SMALL, 'small.nn');
  t.true(lower(source, parse(source, { cutModelsAfter: 3 })).cutTooEarly);
  t.false(lower(source, parse(source)).cutTooEarly);
});

/** `count` Dense layers written out one per line, after an input on line 2: layer k is on line k + 2. */
const writtenOut = (count: number) => `model Long {\n  input x: [4]\n${'  Dense(4)\n'.repeat(count)}}\n`;

test('twice the limit written out: one error at the 100,001st layer, and the parser reads half the file', (t) => {
  const text = writtenOut(2 * MAX_LAYERS);
  const result = check(text, 'long.nn');
  t.deepEqual(result.diagnostics.map(reported), [
    { message: "the model expands to more than 100,000 layers, the limit; reduce the repeat counts or the blocks' nesting", line: MAX_LAYERS + 3, column: 3 },
  ]);
  t.is(result.models.size, 0);
  // 'model Long {' and 'input x : [ 4 ]': 9 tokens; 'Dense ( 4 )': 4 per layer; the 100,001st
  // is the last one read, and the '}' that closes the cut: 9 + 4 * 100,001 + 1.
  t.is(result.tokensParsed, 9 + 4 * (MAX_LAYERS + 1) + 1);
  t.is(lexer.tokenize(text).tokens.length, 9 + 4 * 2 * MAX_LAYERS + 1);
});

test('a model exactly at the limit whose calls pass it (one is a value) is parsed whole and accepted', (t) => {
  // Calls: x, then 100,000 ReLU layers (the last after 'y ='): 100,001 calls, 100,000 layers.
  // The cut falls at 'output'; the cut model does not reach the limit, so the text is parsed whole.
  const text = `model Edge {\n  input x: [4]\n  x -> ReLU\n${'  ReLU\n'.repeat(MAX_LAYERS - 2)}  y = ReLU\n  output y\n}\n`;
  const result = check(text, 'edge.nn');
  t.deepEqual(result.diagnostics, []);
  t.is(result.models.get('Edge')?.nodes.length, MAX_LAYERS + 1);
  t.is(result.tokensParsed, lexer.tokenize(text).tokens.length);
});
