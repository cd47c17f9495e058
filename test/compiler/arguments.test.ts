// Argument checking against each layer's Keras signature: positional order, keyword
// names, required arguments, value types, symbols (activations, initializers, padding...).

import test from 'ava';
import type { AttrsByKind } from '../../src/ir/types.js';

type DenseAttrs = AttrsByKind['Dense'];
import { errorsOf, graphOf, modelWith } from '../helpers/check.js';

const ACTIVATIONS = 'linear, relu, relu6, elu, selu, sigmoid, tanh, softmax, softplus, swish, gelu, leaky_relu, hard_sigmoid, hard_swish, softsign, exponential, mish';
const INITIALIZERS = 'zeros, ones, constant, glorot_uniform, glorot_normal, he_normal, he_uniform, lecun_normal, lecun_uniform, random_normal, random_uniform, truncated_normal, variance_scaling';

/** The errors of one layer statement applied to an input of shape `dims`. */
function layerErrors(layer: string, dims: readonly number[] = [4]) {
  return errorsOf(modelWith(dims, layer));
}

function denseAttrs(layer: string): DenseAttrs {
  return graphOf(modelWith([4], layer)).nodes[1].attrs as DenseAttrs;
}

test('unknown keyword argument, with a suggestion', (t) => {
  t.deepEqual(layerErrors('Dense(3, activaton=relu)'), [{ message: "Dense has no argument 'activaton'; did you mean 'activation'?", line: 3, column: 12 }]);
});

test('unknown keyword argument far from every name', (t) => {
  t.deepEqual(layerErrors('Flatten(data_format=channels_last)'), [{ message: "Flatten has no argument 'data_format'", line: 3, column: 11 }]);
});

test('missing required argument: error at the call', (t) => {
  t.deepEqual(layerErrors('Dense'), [{ message: "Dense is missing its required argument 'units'", line: 3, column: 3 }]);
  t.deepEqual(layerErrors('Conv2D(8, padding=same)', [8, 8, 3]), [{ message: "Conv2D is missing its required argument 'kernel_size'", line: 3, column: 3 }]);
  t.deepEqual(layerErrors('Dropout'), [{ message: "Dropout is missing its required argument 'rate'", line: 3, column: 3 }]);
});

test('too many positional arguments: each extra one is reported at itself', (t) => {
  t.deepEqual(layerErrors('Dense(3, 4, 5)'), [
    { message: 'Dense takes 1 positional argument (units), found 4 as positional argument 2; pass it as key=value', line: 3, column: 12 },
    { message: 'Dense takes 1 positional argument (units), found 5 as positional argument 3; pass it as key=value', line: 3, column: 15 },
  ]);
  t.deepEqual(layerErrors('ReLU(6)'), [{ message: 'ReLU takes no positional arguments, found 6 as positional argument 1; pass it as key=value', line: 3, column: 8 }]);
});

test('an argument given positionally and by name', (t) => {
  t.deepEqual(layerErrors('Dense(3, units=4)'), [{ message: "argument 'units' of Dense is given twice, positionally and by name", line: 3, column: 12 }]);
});

test('a keyword argument given twice', (t) => {
  t.deepEqual(layerErrors('Dense(3, use_bias=true, use_bias=false)'), [{ message: "argument 'use_bias' is given twice", line: 3, column: 27 }]);
});

test('a positional argument after a keyword argument', (t) => {
  t.deepEqual(layerErrors('Dense(units=3, relu)'), [{ message: "positional argument symbol 'relu' follows a keyword argument: positional arguments come first", line: 3, column: 18 }]);
});

test('wrong value types: expected vs found, at the value', (t) => {
  t.deepEqual(layerErrors('Dense("three")'), [{ message: 'argument \'units\' of Dense expects a positive integer, found "three"', line: 3, column: 9 }]);
  t.deepEqual(layerErrors('Dense(3, use_bias=1)'), [{ message: "argument 'use_bias' of Dense expects true or false, found 1", line: 3, column: 21 }]);
  t.deepEqual(layerErrors('Dense(3, trainable=yes)'), [{ message: "argument 'trainable' of Dense expects true or false, found symbol 'yes'", line: 3, column: 22 }]);
  t.deepEqual(layerErrors('Dense(3, name=3)'), [{ message: "argument 'name' of Dense expects a string or null, found 3", line: 3, column: 17 }]);
  t.deepEqual(layerErrors('Dense(3, activation=3)'), [{ message: `argument 'activation' of Dense expects an activation (${ACTIVATIONS}), found 3`, line: 3, column: 23 }]);
  t.deepEqual(layerErrors('Dropout(1.5)'), [{ message: "argument 'rate' of Dropout expects a number in [0, 1), found 1.5", line: 3, column: 11 }]);
  t.deepEqual(layerErrors('Dropout(0.5, seed=1.5)'), [{ message: "argument 'seed' of Dropout expects an integer or null, found 1.5", line: 3, column: 21 }]);
  t.deepEqual(layerErrors('Conv2D(8, [3, 3, 3])', [8, 8, 3]), [
    { message: "argument 'kernel_size' of Conv2D expects a positive integer or a pair [a, b] of positive integers, found [3, 3, 3]", line: 3, column: 13 },
  ]);
  t.deepEqual(layerErrors('BatchNormalization(momentum=2)'), [{ message: "argument 'momentum' of BatchNormalization expects a number in [0, 1], found 2", line: 3, column: 31 }]);
  t.deepEqual(layerErrors('BatchNormalization(epsilon=0)'), [{ message: "argument 'epsilon' of BatchNormalization expects a positive number, found 0", line: 3, column: 30 }]);
  t.deepEqual(layerErrors('ReLU(max_value=-1)'), [{ message: "argument 'max_value' of ReLU expects a non-negative number or null, found -1", line: 3, column: 18 }]);
});

test('every wrong argument of one call is reported', (t) => {
  t.deepEqual(layerErrors('Dense(0, activation=elux, use_bias=maybe)'), [
    { message: "argument 'units' of Dense expects a positive integer, found 0", line: 3, column: 9 },
    { message: `unknown activation 'elux'; did you mean 'elu'? (expected one of ${ACTIVATIONS})`, line: 3, column: 23 },
    { message: "argument 'use_bias' of Dense expects true or false, found symbol 'maybe'", line: 3, column: 38 },
  ]);
});

test('errors in later layers of a chain are still reported after an earlier one fails', (t) => {
  t.deepEqual(layerErrors('Dense(0) -> Dense(2, activation=rleu)'), [
    { message: "argument 'units' of Dense expects a positive integer, found 0", line: 3, column: 9 },
    { message: `unknown activation 'rleu'; did you mean 'relu'? (expected one of ${ACTIVATIONS})`, line: 3, column: 35 },
  ]);
});

test('unknown activation, initializer, padding, regularizer, constraint, mode: each suggests', (t) => {
  t.deepEqual(layerErrors('Dense(3, activation=sigmoud)'), [{ message: `unknown activation 'sigmoud'; did you mean 'sigmoid'? (expected one of ${ACTIVATIONS})`, line: 3, column: 23 }]);
  t.deepEqual(layerErrors('Dense(3, kernel_initializer=he_normall)'), [
    { message: `unknown initializer 'he_normall'; did you mean 'he_normal'? (expected one of ${INITIALIZERS})`, line: 3, column: 31 },
  ]);
  t.deepEqual(layerErrors('Conv2D(8, 3, padding=sam)', [8, 8, 3]), [{ message: "unknown padding 'sam'; did you mean 'same'? (expected one of valid, same)", line: 3, column: 24 }]);
  t.deepEqual(layerErrors('Dense(3, kernel_regularizer=l_2(0.1))'), [{ message: "unknown regularizer 'l_2'; did you mean 'l2'? (expected one of l1, l2, l1_l2)", line: 3, column: 31 }]);
  t.deepEqual(layerErrors('Dense(3, kernel_constraint=nonneg)'), [{ message: "unknown constraint 'nonneg'; did you mean 'non_neg'? (expected one of max_norm, non_neg, unit_norm)", line: 3, column: 30 }]);
  t.deepEqual(layerErrors('Dense(3, kernel_initializer=variance_scaling(mode=fan_avgg))'), [
    { message: "unknown mode 'fan_avgg'; did you mean 'fan_avg'? (expected one of fan_in, fan_out, fan_avg)", line: 3, column: 53 },
  ]);
});

test('arguments of symbols are bound like layer arguments', (t) => {
  t.deepEqual(layerErrors('Dense(3, bias_initializer=constant(1, 2))'), [
    { message: "initializer 'constant' takes 1 positional argument (value), found 2 as positional argument 2; pass it as key=value", line: 3, column: 41 },
  ]);
  t.deepEqual(layerErrors('Dense(3, bias_initializer=constant(value=elu))'), [{ message: "argument 'value' of initializer 'constant' expects a number, found symbol 'elu'", line: 3, column: 44 }]);
  t.deepEqual(layerErrors('Dense(3, kernel_initializer=he_normal(sed=1))'), [{ message: "initializer 'he_normal' has no argument 'sed'; did you mean 'seed'?", line: 3, column: 41 }]);
});

test('symbols and strings mean the same; defaults are filled in', (t) => {
  const bare = denseAttrs('Dense(3, activation=elu, kernel_initializer=he_normal)');
  const quoted = denseAttrs('Dense(3, activation="elu", kernel_initializer="he_normal")');
  t.deepEqual(bare, quoted);
  t.deepEqual(bare.activation, { name: 'elu' });
  t.deepEqual(bare.kernel_initializer, { name: 'he_normal', args: { seed: null } });
  t.deepEqual(bare.bias_initializer, { name: 'zeros', args: {} });
  t.is(bare.use_bias, true);
  t.is(bare.kernel_regularizer, null);
});

test('symbols with arguments keep every Keras argument, defaults filled in', (t) => {
  const attrs = denseAttrs('Dense(3, kernel_initializer=variance_scaling(scale=2.0, mode=fan_avg, distribution=uniform), kernel_regularizer=l2(0.01), kernel_constraint=max_norm(3))');
  t.deepEqual(attrs.kernel_initializer, { name: 'variance_scaling', args: { scale: 2, mode: 'fan_avg', distribution: 'uniform', seed: null } });
  t.deepEqual(attrs.kernel_regularizer, { name: 'l2', args: { l2: 0.01 } });
  t.deepEqual(attrs.kernel_constraint, { name: 'max_norm', args: { max_value: 3, axis: 0 } });
});

test('silu is an alias of swish, hard_silu of hard_swish; leaky_relu as an activation has slope 0.2 (Keras 3)', (t) => {
  t.deepEqual(denseAttrs('Dense(3, activation=silu)').activation, { name: 'swish' });
  t.deepEqual(denseAttrs('Dense(3, activation=hard_silu)').activation, { name: 'hard_swish' });
  t.deepEqual(denseAttrs('Dense(3, activation=leaky_relu)').activation, { name: 'leaky_relu', alpha: 0.2 });
  t.deepEqual(denseAttrs('Dense(3, activation=null)').activation, { name: 'linear' });
});

test('arithmetic in arguments', (t) => {
  t.is(denseAttrs('Dense(3 * 2 + 1)').units, 7);
  t.is(denseAttrs('Dense((3 + 1) * 2 - -1)').units, 9);
  t.is(denseAttrs('Dense(12 / 4)').units, 3);
  t.is(denseAttrs('Dense(3, kernel_initializer=constant(-.5e1))').kernel_initializer.args.value, -5);
});

test('arithmetic errors: non-integer result, a string operand, division by zero, overflow', (t) => {
  t.deepEqual(layerErrors('Dense(7 / 2)'), [{ message: "argument 'units' of Dense expects a positive integer, found 3.5", line: 3, column: 9 }]);
  t.deepEqual(layerErrors('Dense("a" * 2)'), [{ message: `'*' needs numbers on both sides, found "a"`, line: 3, column: 9 }]);
  t.deepEqual(layerErrors('Dense(1 / 0)'), [{ message: 'division by zero', line: 3, column: 9 }]);
  t.deepEqual(layerErrors('Dense(1e400)'), [{ message: 'number 1e400 is too large to represent', line: 3, column: 9 }]);
  t.deepEqual(layerErrors('Dense(1e300 * 1e300)'), [{ message: 'arithmetic result is too large to represent', line: 3, column: 9 }]);
  t.deepEqual(layerErrors('Dense(-relu)'), [{ message: "unary '-' needs a number, found symbol 'relu'", line: 3, column: 10 }]);
});

test('int-or-pair arguments accept 3 and [3, 3]', (t) => {
  const a = graphOf(modelWith([8, 8, 3], 'Conv2D(4, 3)')).nodes[1].attrs;
  const b = graphOf(modelWith([8, 8, 3], 'Conv2D(4, [3, 3])')).nodes[1].attrs;
  t.deepEqual(a, b);
});

test('a misspelt required argument is one error, not also "missing"', (t) => {
  t.deepEqual(layerErrors('Dense(unit=3)'), [{ message: "Dense has no argument 'unit'; did you mean 'units'?", line: 3, column: 9 }]);
});
