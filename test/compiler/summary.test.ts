import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { check } from '../../compiler/check.js';
import { formatBytes, formatCount, formatSummary, summarize } from '../../compiler/summary.js';
import { assertValidGraph } from '../../src/ir/verify.js';
import { summaryOf } from '../helpers/check.js';

function exampleSummary(path: string) {
  const result = check(readFileSync(path, 'utf8'), path);
  const [graph] = result.models.values();
  return summarize(graph);
}

function totals(path: string): [number, number, number] {
  const s = exampleSummary(path);
  return [s.totalParams, s.trainableParams, s.nonTrainableParams];
}

test("Géron's MLP matches Keras: 271,346 / 268,978 / 2,368", (t) => {
  const s = exampleSummary('examples/geron.nn');
  t.deepEqual([s.totalParams, s.trainableParams, s.nonTrainableParams], [271346, 268978, 2368]);
});

test('the tagger matches Keras: 2,140,752 / 2,139,728 / 1,024', (t) => {
  const s = exampleSummary('examples/tagger.nn');
  t.deepEqual([s.totalParams, s.trainableParams, s.nonTrainableParams], [2140752, 2139728, 1024]);
});

test("Géron's variant, BN before the activation and no Dense bias: 270,946 / 268,578 / 2,368", (t) => {
  // 3,136 + 784*300 + 1,200 + 300*100 + 400 + (100*10 + 10) = 270,946; non-trainable 2 * (784 + 300 + 100).
  t.deepEqual(totals('examples/geron_bn_before_activation.nn'), [270_946, 268_578, 2_368]);
});

test('the tiny ResNet: 57,386 / 56,938 / 448', (t) => {
  // Stem conv 3*3*3*32 = 864, six residual convs 3*3*32*32 = 9,216 each, seven BN of 4*32 = 128,
  // Dense 32*10 + 10 = 330: 864 + 55,296 + 896 + 330 = 57,386; non-trainable 7 * 64 = 448.
  t.deepEqual(totals('examples/tiny_resnet.nn'), [57_386, 56_938, 448]);
});

test('the MobileNet-style stack: 20,074 / 19,114 / 960', (t) => {
  // stem conv 3*3*3*16 = 432, BN(16) 64;
  // Separable(32) on 16 ch: dw 9*16 = 144, BN 64, 1x1 16*32 = 512, BN 128 → 848;
  // Separable(64, 2) on 32: 288 + 128 + 2,048 + 256 = 2,720;
  // Separable(64) on 64: 576 + 256 + 4,096 + 256 = 5,184;
  // Separable(128, 2) on 64: 576 + 256 + 8,192 + 512 = 9,536; Dense 128*10 + 10 = 1,290.
  // Total 432 + 64 + 848 + 2,720 + 5,184 + 9,536 + 1,290 = 20,074.
  // Non-trainable: half of every BN: 32 + (32 + 64) + (64 + 128) + (128 + 128) + (128 + 256) = 960.
  t.deepEqual(totals('examples/mobilenet_block.nn'), [20_074, 19_114, 960]);
});

test('every example checks clean, and its graph passes the verifier', (t) => {
  const files = readdirSync('examples').filter((f) => f.endsWith('.nn'));
  t.true(files.length >= 5);
  for (const file of files) {
    const result = check(readFileSync(`examples/${file}`, 'utf8'), file);
    t.deepEqual(result.diagnostics, [], file);
    t.is(result.models.size, result.modelNames.length, file);
    for (const graph of result.models.values()) t.notThrows(() => assertValidGraph(graph), file);
  }
});

test('shapes through the tiny ResNet and the MobileNet stack', (t) => {
  const resnet = exampleSummary('examples/tiny_resnet.nn');
  t.deepEqual(resnet.layers.at(-2)?.outputShape, [null, 32]);
  const mobile = exampleSummary('examples/mobilenet_block.nn');
  // 64 → stem stride 2 → 32 → Separable(64, 2) → 16 → Separable(128, 2) → 8 (same padding: ceil).
  const gap = mobile.layers.findIndex((l) => l.type === 'GlobalAveragePooling2D');
  t.deepEqual(mobile.layers[gap - 1].outputShape, [null, 8, 8, 128]);
});

test('counts and sizes read like Keras: thousands separators, float32 bytes in binary units', (t) => {
  t.is(formatCount(2140752), '2,140,752');
  t.is(formatCount(0), '0');
  // Checked against ICU's en-US grouping (what toLocaleString gave before), negatives and bigints included.
  for (const n of [999, 1000, -1_234_567, Number.MAX_SAFE_INTEGER]) t.is(formatCount(n), n.toLocaleString('en-US'));
  t.is(formatCount(2n ** 70n), (2n ** 70n).toLocaleString('en-US'));
  t.is(formatBytes(0), '0 B');
  t.is(formatBytes(200), '800 B'); // 200 * 4 bytes
  t.is(formatBytes(2368), '9.25 KB'); // 9,472 / 1,024
  t.is(formatBytes(271346), '1.04 MB'); // 1,085,384 / 1,048,576 = 1.035
});

test('a sequential summary: no input row, no Connected to, totals with sizes', (t) => {
  const text = formatSummary(exampleSummary('examples/geron.nn'));
  t.is(
    text,
    [
      'Model: "FashionMLP"',
      '_'.repeat(71),
      ' Layer (type)                                 Output Shape   Param #',
      '='.repeat(71),
      ' flatten (Flatten)                            (None, 784)    0',
      '',
      ' batch_normalization (BatchNormalization)     (None, 784)    3,136',
      '',
      ' dense (Dense)                                (None, 300)    235,500',
      '',
      ' batch_normalization_1 (BatchNormalization)   (None, 300)    1,200',
      '',
      ' dense_1 (Dense)                              (None, 100)    30,100',
      '',
      ' batch_normalization_2 (BatchNormalization)   (None, 100)    400',
      '',
      ' dense_2 (Dense)                              (None, 10)     1,010',
      '='.repeat(71),
      'Total params: 271,346 (1.04 MB)',
      'Trainable params: 268,978 (1.03 MB)',
      'Non-trainable params: 2,368 (9.25 KB)',
      '_'.repeat(71),
      '',
    ].join('\n'),
  );
});

test('a branching graph: an input row, and Connected to naming producers as Keras does', (t) => {
  const summary = exampleSummary('examples/tiny_resnet.nn');
  t.false(summary.sequential);
  t.deepEqual(summary.layers[0], { name: 'image', type: 'InputLayer', outputShape: [null, 32, 32, 3], params: 0, trainableParams: 0, nonTrainableParams: 0, connectedTo: [] });
  const add = summary.layers.find((l) => l.name === 'add')!;
  t.deepEqual(add.connectedTo, ['re_lu[0][0]', 'batch_normalization_2[0][0]']);
  const text = formatSummary(summary);
  const lines = text.split('\n');
  t.regex(lines[2], /^ Layer \(type\) +Output Shape +Param # +Connected to$/);
  t.truthy(lines.find((l) => /^ add \(Add\) +\(None, 32, 32, 32\) +0 +re_lu\[0\]\[0\], batch_normalization_2\[0\]\[0\]$/.test(l)));
  t.truthy(lines.find((l) => /^ conv2d_1 \(Conv2D\) +\(None, 32, 32, 32\) +9,216 +re_lu\[0\]\[0\]$/.test(l)));
  t.true(text.includes('Total params: 57,386 (224.16 KB)')); // 229,544 bytes / 1,024
  t.true(text.includes('Non-trainable params: 448 (1.75 KB)'));
});

test('a model with two inputs is not sequential', (t) => {
  const s = summaryOf('model M {\n  input a: [4]\n  input b: [4]\n  (a, b) -> Add\n}\n');
  t.false(s.sequential);
  t.deepEqual(
    s.layers.map((l) => [l.name, l.connectedTo]),
    [
      ['a', []],
      ['b', []],
      ['add', ['a[0][0]', 'b[0][0]']],
    ],
  );
});

test('a chain with an explicit output of its last layer is still sequential', (t) => {
  const s = summaryOf('model M {\n  input x: [4]\n  h = Dense(3)\n  output h\n}\n');
  t.true(s.sequential);
  t.deepEqual(
    s.layers.map((l) => l.name),
    ['dense'],
  );
});
