// formatSource: the canonical layout of `.nn` text, keeping what was written (blocks,
// repeat, names, spellings, comments); idempotent, and meaning-preserving: the
// formatted text checks to the same graphs.

import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { check } from '../../../compiler/check.js';
import { formatSource } from '../../../compiler/print/formatSource.js';
import { printGraph } from '../../../compiler/print/printGraph.js';
import { reported } from '../../helpers/check.js';
import { graphDifference } from '../../helpers/sameGraph.js';
import { testSources } from '../../helpers/testSources.js';

const EXAMPLE_FILES = readdirSync('examples').filter((f) => f.endsWith('.nn')).sort();

function formatted(text: string): string {
  const result = formatSource(text, 'test.nn');
  if (result.text === null) throw new Error(`unexpected syntax errors: ${result.diagnostics.map((d) => d.message).join('; ')}`);
  return result.text;
}

/** Formatting `text` is idempotent and keeps every model's graph and every diagnostic's message. */
function assertFormatKeepsMeaning(t: import('ava').ExecutionContext, text: string, label: string): void {
  const once = formatted(text);
  t.is(formatted(once), once, `${label}: idempotent`);
  const before = check(text, label);
  const after = check(once, label);
  t.deepEqual([...after.models.keys()], [...before.models.keys()], `${label}: models`);
  for (const [name, graph] of before.models) t.is(graphDifference(after.models.get(name)!, graph), null, `${label}: ${name}`);
  const messages = (r: typeof before) => r.diagnostics.map((d) => `${d.severity}: ${d.message}`);
  t.deepEqual(messages(after), messages(before), `${label}: diagnostics`);
}

test('the examples are in canonical form already', (t) => {
  t.true(EXAMPLE_FILES.length >= 5);
  for (const file of EXAMPLE_FILES) {
    const text = readFileSync(`examples/${file}`, 'utf8');
    t.is(formatted(text), text, file);
  }
});

test('every source in the test files formats idempotently to text that checks to the same graphs', (t) => {
  let count = 0;
  for (const { label, text } of testSources()) {
    if (formatSource(text, label).text === null) continue;
    assertFormatKeepsMeaning(t, text, label);
    count++;
  }
  t.true(count >= 200, `${count} sources formatted`);
});

test('printed graphs are in canonical form', (t) => {
  for (const file of EXAMPLE_FILES) {
    for (const graph of check(readFileSync(`examples/${file}`, 'utf8'), file).models.values()) {
      const printed = printGraph(graph, { comment: `printed from ${file}` });
      t.is(formatted(printed), printed, file);
    }
  }
});

const MESSY = `   # header comment

# second header
block   ConvBN( filters,kernel_size = 3 ,strides=1){ Conv2D(filters,kernel_size,strides=strides,padding=same,use_bias=false) ; BatchNormalization
  ReLU   # trailing relu


}
model   M {   # on the brace line
  input x:[32,32,3]


  y = ConvBN( 32 )->Conv2D(32 ,3, # inside a call
       padding=same)
  # before repeat
  repeat 2*1+ -1 + (3) {ConvBN(32)}
  repeat 2 {
    # inside repeat
    ConvBN(32)
  }
  repeat 1 { BatchNormalization ; ReLU }
  z = (y,y)->Add
  output z
  # before close
}
model Empty {}
model Empty2 { # c
}
# end of file
`;

test('layout is canonical; blocks, repeat, spellings and every comment are kept', (t) => {
  t.is(
    formatted(MESSY),
    `# header comment

# second header
block ConvBN(filters, kernel_size=3, strides=1) {
  Conv2D(filters, kernel_size, strides=strides, padding=same, use_bias=false)
  BatchNormalization
  ReLU  # trailing relu
}

model M {  # on the brace line
  input x: [32, 32, 3]

  # inside a call
  y = ConvBN(32) -> Conv2D(32, 3, padding=same)
  # before repeat
  repeat 2 * 1 + -1 + (3) { ConvBN(32) }
  repeat 2 {
    # inside repeat
    ConvBN(32)
  }
  repeat 1 {
    BatchNormalization
    ReLU
  }
  z = (y, y) -> Add
  output z
  # before close
}

model Empty {}

model Empty2 {  # c
}
# end of file
`,
  );
  assertFormatKeepsMeaning(t, MESSY, 'messy');
});

test('one-line models are laid out; number and string spellings and empty parentheses stay as written', (t) => {
  t.is(
    formatted('model M { input x: [4]; Dense(.5e1, name="a\\"b", kernel_initializer=he_normal()) ; Dropout(0.50)}model N{input y:[2]\tFlatten()}'),
    'model M {\n  input x: [4]\n  Dense(.5e1, name="a\\"b", kernel_initializer=he_normal())\n  Dropout(0.50)\n}\n\nmodel N {\n  input y: [2]\n  Flatten()\n}\n',
  );
});

test('CRLF line ends and tabs become LF and spaces; blank lines collapse to one', (t) => {
  t.is(formatted('model M {\r\n\r\n\tinput x: [4]\r\n\r\n\r\n\tDense(3)  # c\r\n\r\n}\r\n'), 'model M {\n  input x: [4]\n\n  Dense(3)  # c\n}\n');
});

test('an empty source, and a source of comments only', (t) => {
  t.is(formatted(''), '');
  t.is(formatted('\n\n  # only a comment   \n\n'), '# only a comment\n');
});

test('a source with syntax errors is not rewritten: its errors come back', (t) => {
  const result = formatSource('model M {\n  input x: [4]\n  Dense(3, activation=relu\n}\n', 'bad.nn');
  t.is(result.text, null);
  t.deepEqual(result.diagnostics.map(reported), [{ message: "expected ')', found '}'", line: 4, column: 1 }]);
  const lexical = formatSource('model M { input x: [4] $ Dense(3) }', 'bad.nn');
  t.is(lexical.text, null);
  t.deepEqual(lexical.diagnostics.map(reported), [{ message: "unexpected character '$'", line: 1, column: 24 }]);
});

test("Keras's call syntax `Dense(3)(x)` stays as written, so its error still explains '->'", (t) => {
  const text = 'model M {\n  input x: [4]\n  Dense(3)(x)\n}\n';
  t.is(formatted(text), text);
  t.is(formatted('model M{input x:[4]\nDense(3) (x)}'), 'model M {\n  input x: [4]\n  Dense(3)\n  (x)\n}\n');
});

test('a source that checks with errors but parses is still formatted, errors unchanged', (t) => {
  const text = 'model M{input x:[4]\nDence(3)}';
  t.is(formatted(text), 'model M {\n  input x: [4]\n  Dence(3)\n}\n');
  t.deepEqual(check(formatted(text), 'test.nn').diagnostics.map(reported), [{ message: "unknown layer or block 'Dence'; did you mean 'Dense'?", line: 3, column: 3 }]);
});

test('a chain longer than 100 columns breaks before `->`, as many steps a line as fit, continuations one level deeper', (t) => {
  const steps = Array.from({ length: 6 }, (_, i) => `Conv2D(${8 * (i + 1)}, 3, padding=same, use_bias=false)`);
  const source = `block B {\n  input x\n  y = x -> ${steps.join(' -> ')}\n  (x, y) -> Concatenate # joined\n}\n`;
  t.is(
    formatted(source),
    'block B {\n' +
      '  input x\n' +
      '  y = x -> Conv2D(8, 3, padding=same, use_bias=false) -> Conv2D(16, 3, padding=same, use_bias=false)\n' +
      '    -> Conv2D(24, 3, padding=same, use_bias=false) -> Conv2D(32, 3, padding=same, use_bias=false)\n' +
      '    -> Conv2D(40, 3, padding=same, use_bias=false) -> Conv2D(48, 3, padding=same, use_bias=false)\n' +
      '  (x, y) -> Concatenate  # joined\n' +
      '}\n',
  );
  assertFormatKeepsMeaning(t, source, 'wrapped');
  for (const line of formatted(source).split('\n')) t.true(line.length <= 100, line);
});

test('the zoo formats idempotently to the same graphs', (t) => {
  for (const file of readdirSync('examples/zoo').filter((f) => f.endsWith('.nn'))) assertFormatKeepsMeaning(t, readFileSync(`examples/zoo/${file}`, 'utf8'), file);
});
