// printGraph: an IR graph printed as flat `.nn` text checks back to the same graph
// (kinds, names, attributes, shapes, summary), and is written the way a user writes it.

import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { check } from '../../../compiler/check.js';
import { printGraph } from '../../../compiler/print/printGraph.js';
import { GraphBuilder } from '../../../src/ir/graph.js';
import type { AttrsByKind, Graph } from '../../../src/ir/types.js';
import { graphOf, modelWith, nncErrorMessage } from '../../helpers/check.js';
import { assertSameGraph, graphDifference } from '../../helpers/sameGraph.js';
import { testSources } from '../../helpers/testSources.js';

const EXAMPLE_FILES = readdirSync('examples').filter((f) => f.endsWith('.nn')).sort();

/** The printed text of `graph`, checked back (it must check clean). */
function reprinted(graph: Graph): { text: string; graph: Graph } {
  const text = printGraph(graph);
  return { text, graph: graphOf(text, graph.name) };
}

/** The one layer line printed for `layer` applied to an input of `dims`. */
function printedLayer(dims: readonly number[], layer: string): string {
  const graph = graphOf(modelWith(dims, layer));
  const { text, graph: back } = reprinted(graph);
  const difference = graphDifference(back, graph);
  if (difference) throw new Error(`${layer}: ${difference}`);
  return text.split('\n')[2].trim();
}

test('every example prints to text that checks to the same graph and summary', (t) => {
  t.true(EXAMPLE_FILES.length >= 5);
  for (const file of EXAMPLE_FILES) {
    const result = check(readFileSync(`examples/${file}`, 'utf8'), file);
    t.true(result.models.size >= 1, file);
    for (const graph of result.models.values()) assertSameGraph(t, reprinted(graph).graph, graph, file);
  }
});

test('every model written in the test files prints to text that checks to the same graph and summary', (t) => {
  let graphs = 0;
  for (const { label, text } of testSources()) {
    for (const graph of check(text, label).models.values()) {
      graphs++;
      assertSameGraph(t, reprinted(graph).graph, graph, label);
    }
  }
  // The sources are read from the test files' text: make sure that still finds them.
  t.true(graphs >= 150, `${graphs} graphs`);
});

test("a chain prints as the example is written: Géron's MLP comes back line for line", (t) => {
  const source = readFileSync('examples/geron.nn', 'utf8');
  const withoutComments = source.replace(/^#.*\n/gm, '');
  t.is(printGraph(graphOf(source)), withoutComments);
});

test('residual blocks print flat: a value used twice is bound, merges take a tuple', (t) => {
  const graph = graphOf(readFileSync('examples/tiny_resnet.nn', 'utf8'));
  const residual = [
    '  Conv2D(32, 3, padding=same, use_bias=false)',
    '  BatchNormalization',
    '  ReLU',
    '  Conv2D(32, 3, padding=same, use_bias=false)',
  ];
  t.is(
    printGraph(graph),
    [
      'model TinyResNet {',
      '  input image: [32, 32, 3]',
      '  Conv2D(32, 3, padding=same, use_bias=false)',
      '  BatchNormalization',
      '  re_lu = ReLU',
      ...residual,
      '  batch_normalization_2 = BatchNormalization',
      '  (re_lu, batch_normalization_2) -> Add',
      '  re_lu_2 = ReLU',
      ...residual,
      '  batch_normalization_4 = BatchNormalization',
      '  (re_lu_2, batch_normalization_4) -> Add',
      '  re_lu_4 = ReLU',
      ...residual,
      '  batch_normalization_6 = BatchNormalization',
      '  (re_lu_4, batch_normalization_6) -> Add',
      '  ReLU',
      '  GlobalAveragePooling2D',
      '  Dense(10, activation=softmax)',
      '}',
      '',
    ].join('\n'),
  );
});

test('the comparison helper sees a changed attribute, name, shape and trainability', (t) => {
  const graph = graphOf(modelWith([8], 'Dense(4)', 'Dense(2)'));
  t.is(graphDifference(graph, graph), null);
  t.is(graphDifference(graphOf(modelWith([8], 'Dense(4, use_bias=false)', 'Dense(2)')), graph), 'graph.nodes[1].attrs.use_bias: false vs true');
  t.is(graphDifference(graphOf(modelWith([8], 'Dense(4, name="d")', 'Dense(2)')), graph), 'graph.nodes[1].name: "d" vs "dense"');
  t.is(graphDifference(graphOf(modelWith([8], 'Dense(5)', 'Dense(2)')), graph), 'graph.nodes[1].attrs.units: 5 vs 4');
  t.is(graphDifference(graphOf(modelWith([9], 'Dense(4)', 'Dense(2)')), graph), 'graph.nodes[0].shape[1]: 9 vs 8');
  t.is(graphDifference(graphOf(modelWith([8], 'Dense(4)', 'Dense(2, trainable=false)')), graph), 'graph.nodes[2].trainable: false vs true');
});

test('arguments equal to their defaults are left out, resolved ones are written as a user would', (t) => {
  // Pairs a Keras int also means are written as the int.
  t.is(printedLayer([8, 8, 3], 'Conv2D(4, [3, 3], strides=[1, 1], padding=valid, dilation_rate=[2, 2])'), 'Conv2D(4, 3, dilation_rate=2)');
  t.is(printedLayer([8, 8, 3], 'Conv2D(filters=4, kernel_size=[3, 1])'), 'Conv2D(4, [3, 1])');
  // BatchNormalization's axis is stored resolved (non-negative, counted with the batch).
  t.is(printedLayer([8, 8, 3], 'BatchNormalization(axis=-1)'), 'BatchNormalization');
  t.is(printedLayer([8, 8, 3], 'BatchNormalization(axis=3)'), 'BatchNormalization');
  t.is(printedLayer([8, 8, 3], 'BatchNormalization(axis=-3)'), 'BatchNormalization(axis=1)');
  t.is(printedLayer([28, 28], 'BatchNormalization(axis=[-2, -1])'), 'BatchNormalization(axis=[1, 2])');
  t.is(printedLayer([6, 4], 'Softmax(axis=1)'), 'Softmax(axis=1)');
  t.is(printedLayer([6, 4], 'Softmax(axis=2)'), 'Softmax');
  // Pooling strides default to the pool size.
  t.is(printedLayer([8, 8, 3], 'MaxPooling2D(pool_size=[3, 3], strides=[3, 3])'), 'MaxPooling2D(3)');
  t.is(printedLayer([8, 8, 3], 'MaxPool2D(2, strides=1, padding=same)'), 'MaxPooling2D(strides=1, padding=same)');
  t.is(printedLayer([8, 8, 3], 'AvgPool2D([2, 3], strides=[2, 3])'), 'AveragePooling2D([2, 3])');
  t.is(printedLayer([8, 8, 3], 'ZeroPadding2D([[1, 1], [1, 1]])'), 'ZeroPadding2D');
  t.is(printedLayer([8, 8, 3], 'ZeroPadding2D([[2, 2], [2, 2]])'), 'ZeroPadding2D(2)');
  t.is(printedLayer([8, 8, 3], 'ZeroPadding2D([[1, 1], [0, 0]])'), 'ZeroPadding2D([1, 0])');
  t.is(printedLayer([8, 8, 3], 'ZeroPadding2D([[1, 2], [0, 0]])'), 'ZeroPadding2D([[1, 2], [0, 0]])');
  t.is(printedLayer([8], 'Dropout(0.25, seed=7)'), 'Dropout(0.25, seed=7)');
  t.is(printedLayer([8], 'Reshape([-1, 2])'), 'Reshape([-1, 2])');
  t.is(printedLayer([8], 'Rescaling(1 / 255, offset=0)'), 'Rescaling(0.00392156862745098)');
  t.is(printedLayer([8], 'ReLU(max_value=null, negative_slope=0.5)'), 'ReLU(negative_slope=0.5)');
  t.is(printedLayer([8], 'LeakyReLU(negative_slope=0.3)'), 'LeakyReLU');
  t.is(printedLayer([8], 'ELU(alpha=2)'), 'ELU(alpha=2)');
  t.is(printedLayer([8], 'Activation("relu")'), 'Activation(relu)');
});

test('activations, initializers, regularizers and constraints in their shortest Keras spelling', (t) => {
  t.is(printedLayer([8], 'Dense(4, activation=silu)'), 'Dense(4, activation=swish)');
  t.is(printedLayer([8], 'Dense(4, activation=null)'), 'Dense(4)');
  t.is(printedLayer([8], 'Dense(4, activation=leaky_relu)'), 'Dense(4, activation=leaky_relu)');
  t.is(printedLayer([8], 'Dense(4, kernel_initializer=glorot_uniform(seed=null))'), 'Dense(4)');
  t.is(printedLayer([8], 'Dense(4, kernel_initializer=he_normal(seed=3))'), 'Dense(4, kernel_initializer=he_normal(seed=3))');
  t.is(
    printedLayer([8], 'Dense(4, kernel_initializer=variance_scaling(2.0, "fan_avg", uniform))'),
    'Dense(4, kernel_initializer=variance_scaling(scale=2, mode=fan_avg, distribution=uniform))',
  );
  t.is(printedLayer([8], 'Dense(4, bias_initializer=constant(value=0.5))'), 'Dense(4, bias_initializer=constant(0.5))');
  t.is(printedLayer([8], 'Dense(4, kernel_regularizer=l2(0.01))'), 'Dense(4, kernel_regularizer=l2)');
  t.is(printedLayer([8], 'Dense(4, kernel_regularizer=l2(l2=0.001))'), 'Dense(4, kernel_regularizer=l2(0.001))');
  t.is(printedLayer([8], 'Dense(4, bias_regularizer=l1_l2(l1=0.01))'), 'Dense(4, bias_regularizer=l1_l2(l1=0.01))');
  t.is(printedLayer([8], 'Dense(4, kernel_constraint=max_norm(3, axis=0))'), 'Dense(4, kernel_constraint=max_norm(max_value=3))');
  t.is(printedLayer([8, 8, 3], 'DepthwiseConv2D(3, depthwise_initializer=he_uniform, depthwise_constraint=non_neg)'), 'DepthwiseConv2D(3, depthwise_initializer=he_uniform, depthwise_constraint=non_neg)');
});

test('name= only where the automatic name differs, with escapes; trainable=false kept', (t) => {
  const graph = graphOf(modelWith([8], 'Dense(4)', 'Dense(4, name="dense_2")', 'Dense(4, name="say \\"hi\\" \\\\ there")', 'Dense(2, trainable=false)', 'BatchNormalization(name="batch_normalization", trainable=false)'));
  const { text, graph: back } = reprinted(graph);
  t.is(
    text,
    [
      'model M {',
      '  input x: [8]',
      '  Dense(4)',
      '  Dense(4, name="dense_2")',
      '  Dense(4, name="say \\"hi\\" \\\\ there")',
      // The second automatic Dense name: explicit names take none.
      '  Dense(2, trainable=false)',
      '  BatchNormalization(trainable=false)',
      '}',
      '',
    ].join('\n'),
  );
  assertSameGraph(t, back, graph);
  t.is(back.nodes[4].name, 'dense_1');
});

test('several inputs and outputs: later inputs where they were declared, values named, an output line', (t) => {
  const graph = graphOf(
    [
      'model TwoTowers {',
      '  input a: [8]',
      '  input b: [4]',
      '  left = a -> Dense(4)',
      '  right = Dense(4, activation=relu)',
      '  (right, b) -> Concatenate',
      '  c = Dense(3)',
      '  d = b -> Dense(3)',
      '  sum = (c, d) -> Add',
      '  input late: [3]',
      '  probabilities = (sum, late) -> Add -> Softmax',
      '  output probabilities, left, b',
      '}',
    ].join('\n'),
  );
  const { text, graph: back } = reprinted(graph);
  t.is(
    text,
    [
      'model TwoTowers {',
      '  input a: [8]',
      '  input b: [4]',
      '  dense = a -> Dense(4)',
      '  dense_1 = Dense(4, activation=relu)',
      '  (dense_1, b) -> Concatenate',
      '  dense_2 = Dense(3)',
      '  dense_3 = b -> Dense(3)',
      '  add = (dense_2, dense_3) -> Add',
      '  input late: [3]',
      '  (add, late) -> Add',
      '  softmax = Softmax',
      '  output softmax, dense, b',
      '}',
      '',
    ].join('\n'),
  );
  assertSameGraph(t, back, graph);
});

/** A graph built directly, as an importer builds one. */
function built(name: string, make: (b: GraphBuilder) => { inputs: number[]; outputs: number[] }): Graph {
  const builder = new GraphBuilder();
  const { inputs, outputs } = make(builder);
  return builder.build(name, inputs, outputs);
}

const DENSE_DEFAULTS = graphOf(modelWith([4], 'Dense(2)')).nodes[1].attrs as AttrsByKind['Dense'];

test('names that are not identifiers print to valid text: model and inputs renamed, layer names kept by name=', (t) => {
  const graph = built('my-model', (b) => {
    const input = b.add({ kind: 'Input', name: 'input 1', inputs: [], attrs: {}, shape: [null, 4] }).id;
    const other = b.add({ kind: 'Input', name: 'dense', inputs: [], attrs: {}, shape: [null, 2] }).id;
    const dense = b.add({ kind: 'Dense', name: 'dense_1', inputs: [input], attrs: DENSE_DEFAULTS, shape: [null, 2] }).id;
    const add = b.add({ kind: 'Add', name: 'model', inputs: [dense, other], attrs: {}, shape: [null, 2] }).id;
    const relu = b.add({ kind: 'ReLU', name: 'relu-1', inputs: [add], attrs: { max_value: null, negative_slope: 0, threshold: 0 }, shape: [null, 2] }).id;
    return { inputs: [input, other], outputs: [relu] };
  });
  const text = printGraph(graph);
  t.is(
    text,
    [
      'model my_model {',
      '  input input_1: [4]',
      '  input dense: [2]',
      // The automatic name 'dense' is taken by the input: the Dense keeps its own.
      '  dense_1 = input_1 -> Dense(2, name="dense_1")',
      '  (dense_1, dense) -> Add(name="model")',
      '  ReLU(name="relu-1")',
      '}',
      '',
    ].join('\n'),
  );
  const back = graphOf(text);
  t.deepEqual(
    back.nodes.map((n) => n.name),
    ['input_1', 'dense', 'dense_1', 'model', 'relu-1'],
  );
});

test('a graph whose inputs are listed out of node order prints its inputs first, in the listed order', (t) => {
  const graph = built('M', (b) => {
    const first = b.add({ kind: 'Input', name: 'first', inputs: [], attrs: {}, shape: [null, 2] }).id;
    const second = b.add({ kind: 'Input', name: 'second', inputs: [], attrs: {}, shape: [null, 2] }).id;
    const add = b.add({ kind: 'Add', name: 'add', inputs: [first, second], attrs: {}, shape: [null, 2] }).id;
    return { inputs: [second, first], outputs: [add] };
  });
  t.is(printGraph(graph), 'model M {\n  input second: [2]\n  input first: [2]\n  (first, second) -> Add\n}\n');
});

test('a comment is written above the model', (t) => {
  const text = printGraph(graphOf(modelWith([4], 'Dense(2)')), { comment: 'imported from model.keras\n\nKeras 3.4' });
  t.is(text, '# imported from model.keras\n#\n# Keras 3.4\nmodel M {\n  input x: [4]\n  Dense(2)\n}\n');
});

test('kinds and attributes the language cannot write are refused, each layer named', (t) => {
  const graph = built('Folded', (b) => {
    const input = b.add({ kind: 'Input', name: 'x', inputs: [], attrs: {}, shape: [null, 4] }).id;
    const affine = b.add({ kind: 'Affine', name: 'batch_normalization', inputs: [input], attrs: { axis: [1], scale: true }, shape: [null, 4] }).id;
    const dense = b.add({ kind: 'Dense', name: 'dense', inputs: [affine], attrs: { ...DENSE_DEFAULTS, activation: { name: 'elu', alpha: 0.5 } }, shape: [null, 2] }).id;
    // A kind from elsewhere (a newer IR, an importer's mistake): the type system cannot see it coming.
    const unknown = b.add({ kind: 'Transformer' as 'Flatten', name: 'encoder', inputs: [dense], attrs: {}, shape: [null, 2] }).id;
    return { inputs: [input], outputs: [unknown] };
  });
  t.is(
    nncErrorMessage(() => printGraph(graph)),
    [
      "cannot print layer 'batch_normalization' (Affine): the optimizer introduces it when it folds a BatchNormalization for inference; print the graph before optimizing it",
      '',
      `cannot print layer 'dense' (Dense): attribute 'activation' = {"name":"elu","alpha":0.5} has no .nn spelling`,
      '',
      "cannot print layer 'encoder' (Transformer): the .nn language has no layer Transformer",
    ].join('\n'),
  );
});

test('an input without fixed dimensions, and a layer name with a line break, are refused', (t) => {
  const graph = built('M', (b) => {
    const input = b.add({ kind: 'Input', name: 'x', inputs: [], attrs: {}, shape: [null, null, 4] }).id;
    const flatten = b.add({ kind: 'Flatten', name: 'two\nlines', inputs: [input], attrs: {}, shape: [null, 4] }).id;
    return { inputs: [input], outputs: [flatten] };
  });
  t.is(
    nncErrorMessage(() => printGraph(graph)),
    "cannot print input 'x' of shape [None, None, 4]: a .nn input has a batch dimension and then fixed positive dimensions\n\ncannot print layer 'two\nlines' (Flatten): its name holds a line break, which a .nn string cannot",
  );
});
