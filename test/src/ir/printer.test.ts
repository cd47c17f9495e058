import test from 'ava';
import { formatAttr, formatName, printGraph } from '../../../src/ir/printer.js';
import { graphOf, modelWith } from '../../helpers/check.js';

test('one line per node: name = Kind(inputs, attributes) -> shape  {weights}  # location', (t) => {
  const graph = graphOf(modelWith([28, 28], 'Flatten', 'Dense(10, activation=softmax)'));
  t.is(
    printGraph(graph),
    [
      'model M',
      '  input x: [None, 28, 28]  # test.nn:2:9',
      '  flatten = Flatten(x) -> [None, 784]  # test.nn:3:3',
      '  dense = Dense(flatten, units=10, activation=softmax, use_bias=true, kernel_initializer=glorot_uniform, bias_initializer=zeros) -> [None, 10]  {kernel [784, 10], bias [10]}  # test.nn:4:3',
      '  output dense',
      '',
    ].join('\n'),
  );
});

test('locations can be left out; null attributes are omitted; non-trainable weights are marked', (t) => {
  const graph = graphOf(modelWith([6], 'BatchNormalization(center=false, trainable=false)'));
  t.is(
    printGraph(graph, { locations: false }),
    [
      'model M',
      '  input x: [None, 6]',
      '  batch_normalization = BatchNormalization(x, axis=[1], momentum=0.99, epsilon=0.001, center=false, scale=true, beta_initializer=zeros, gamma_initializer=ones, moving_mean_initializer=zeros, moving_variance_initializer=ones, synchronized=false, trainable=false) -> [None, 6]  {gamma [6] (non-trainable), moving_mean [6] (non-trainable), moving_variance [6] (non-trainable)}',
      '  output batch_normalization',
      '',
    ].join('\n'),
  );
});

test('merges list every input; several outputs are listed in order', (t) => {
  const graph = graphOf(modelWith([4], 'a = Dense(4)', 'b = (x, a) -> Add', 'output b, a'));
  const lines = printGraph(graph, { locations: false }).split('\n');
  t.is(lines[3], '  add = Add(x, dense) -> [None, 4]');
  t.is(lines[4], '  output add, dense');
});

test('symbols with arguments print as the language writes them', (t) => {
  const graph = graphOf(modelWith([4], 'Dense(3, activation=leaky_relu, kernel_initializer=variance_scaling(scale=2), kernel_regularizer=l2(0.01), kernel_constraint=max_norm(3))'));
  const line = printGraph(graph, { locations: false }).split('\n')[2];
  t.true(line.includes('activation=leaky_relu(alpha=0.2)'));
  t.true(line.includes('kernel_initializer=variance_scaling(scale=2, mode=fan_in, distribution=truncated_normal)'), line);
  t.true(line.includes('kernel_regularizer=l2(l2=0.01)'));
  t.true(line.includes('kernel_constraint=max_norm(max_value=3, axis=0)'));
});

test('names that are not one word are quoted, so the text stays unambiguous', (t) => {
  const graph = graphOf(modelWith([4], 'a = Dense(2, name="my layer")', '(x, a) -> Concatenate'));
  const lines = printGraph(graph, { locations: false }).split('\n');
  t.true(lines[2].startsWith('  "my layer" = Dense(x, '));
  t.is(lines[3], '  concatenate = Concatenate(x, "my layer", axis=1) -> [None, 6]');
  t.is(formatName('dense_1'), 'dense_1');
  t.is(formatName('a"b'), '"a\\"b"');
});

test('attribute values', (t) => {
  t.is(formatAttr(null), 'null');
  t.is(formatAttr(0.5), '0.5');
  t.is(formatAttr('same'), 'same');
  t.is(formatAttr('two words'), '"two words"');
  t.is(formatAttr(true), 'true');
  t.is(formatAttr([[1, 2], [3, 4]]), '[[1, 2], [3, 4]]');
  t.is(formatAttr({ name: 'elu' }), 'elu');
  t.is(formatAttr({ name: 'random_normal', args: { mean: 0, stddev: 0.05, seed: null } }), 'random_normal(mean=0, stddev=0.05)');
});
