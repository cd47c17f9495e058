// The layer definitions as a whole: which kinds and names exist, the parameter lists
// the compiler (and the `.nn` printer) read, and the consistency of each definition
// (defaults pass their own IR checks, variables name attributes that exist).

import test from 'ava';
import { LAYERS, lookupLayer } from '../../../../compiler/layers/table.js';
import type { AttrType } from '../../../../src/ir/layers/arguments.js';
import { type AttrDef, type LayerDef, layerParams } from '../../../../src/ir/layers/define.js';
import { LAYER_DEFS, LAYER_NAMES, type LinearKind, callableLayer, layerDef } from '../../../../src/ir/layers/index.js';
import type { Activation, AttrsByKind, LayerKind, OpKind, Pair } from '../../../../src/ir/types.js';

const DEFS = Object.values(LAYER_DEFS) as LayerDef[];
const attrsOf = (def: LayerDef) => Object.entries(def.attrs as Record<string, AttrDef<unknown>>);

const ALIASES = ['AvgPool1D', 'AvgPool2D', 'GlobalAvgPool1D', 'GlobalAvgPool2D', 'GlobalMaxPool1D', 'GlobalMaxPool2D', 'MaxPool1D', 'MaxPool2D'];

test('the built-in kinds, and the names a .nn call may use', (t) => {
  t.deepEqual(Object.keys(LAYER_DEFS).sort(), [
    'Activation', 'Add', 'Affine', 'Average', 'AveragePooling1D', 'AveragePooling2D', 'BatchNormalization', 'Concatenate', 'Conv1D', 'Conv2D',
    'Conv2DTranspose', 'Cropping2D', 'Dense', 'DepthwiseConv2D', 'Dropout', 'ELU', 'Flatten', 'GlobalAveragePooling1D', 'GlobalAveragePooling2D',
    'GlobalMaxPooling1D', 'GlobalMaxPooling2D', 'Identity', 'Input', 'LayerNormalization', 'LeakyReLU', 'MaxPooling1D', 'MaxPooling2D', 'Maximum',
    'Minimum', 'Multiply', 'Normalization', 'PReLU', 'Permute', 'ReLU', 'Rescaling', 'Reshape', 'SeparableConv2D', 'Softmax', 'Subtract',
    'UpSampling2D', 'ZeroPadding1D', 'ZeroPadding2D',
  ]);
  for (const [kind, def] of Object.entries(LAYER_DEFS)) t.is<string, string>(def.kind, kind);
  // Every callable kind, then the aliases.
  t.deepEqual(LAYER_NAMES.slice(-ALIASES.length), ALIASES);
  t.deepEqual([...LAYER_NAMES.slice(0, -ALIASES.length)].sort(), Object.keys(LAYER_DEFS).filter((k) => k !== 'Input' && k !== 'Affine').sort());
  t.is(callableLayer('MaxPool2D')?.kind, 'MaxPooling2D');
  t.is(callableLayer('GlobalMaxPool2D')?.kind, 'GlobalMaxPooling2D');
  t.is(callableLayer('Affine'), undefined);
  t.is(callableLayer('Input'), undefined);
  t.is(layerDef('Affine')?.kind, 'Affine');
  t.is(layerDef('Dence'), undefined);
});

test('LAYERS[kind] lists the parameters in order with their defaults, and how many are positional', (t) => {
  const conv = LAYERS.Conv2D;
  t.is(conv.positional, 2);
  t.deepEqual(
    conv.params.map((p) => p.name),
    ['filters', 'kernel_size', 'strides', 'padding', 'dilation_rate', 'groups', 'activation', 'use_bias', 'kernel_initializer', 'bias_initializer', 'kernel_regularizer', 'bias_regularizer', 'kernel_constraint', 'bias_constraint', 'name', 'trainable'],
  );
  t.false('default' in conv.params[0]);
  t.deepEqual(conv.params[2].default, [1, 1]);
  t.deepEqual(conv.params[8].default, { name: 'glorot_uniform', args: { seed: null } });
  t.deepEqual(conv.params.slice(-2).map((p) => p.default), [null, true]);
  t.deepEqual(layerParams(LAYER_DEFS.Conv2D as LayerDef), conv.params);
  t.is<unknown, unknown>(lookupLayer('AvgPool2D'), LAYERS.AveragePooling2D);
  t.deepEqual(LAYERS.MaxPooling2D.params.slice(0, 3).map((p) => [p.name, p.default]), [['pool_size', [2, 2]], ['strides', null], ['padding', 'valid']]);
  t.is(lookupLayer('Affine'), undefined);
});

test('every default stored as written passes its own IR check', (t) => {
  let checked = 0;
  for (const def of DEFS) {
    for (const [name, a] of attrsOf(def)) {
      // Resolved attributes (axes, pooling strides) are checked in their resolved form, which defaults are not.
      if (!('default' in a) || a.check !== (a.type as AttrType<unknown>).ir) continue;
      t.is(a.check(a.default), null, `${def.kind}.${name}`);
      checked++;
    }
  }
  t.true(checked > 50);
});

test('variables name attributes that exist; positional counts fit the attributes; linear layers own their kernel', (t) => {
  for (const def of DEFS) {
    const names = attrsOf(def).map(([name]) => name);
    t.true(def.positional <= names.length, def.kind);
    for (const v of def.variables) {
      for (const key of [v.initializer, v.regularizer, v.constraint]) {
        if (typeof key === 'string') t.true(names.includes(key), `${def.kind}/${v.name}: ${key}`);
      }
    }
    const linear = def.traits.linear;
    if (linear) t.true(def.variables.some((v) => v.name === linear.kernel) && names.includes('activation') && names.includes('use_bias'), def.kind);
  }
  t.deepEqual(
    DEFS.filter((d) => d.traits.linear).map((d) => [d.kind, d.traits.linear!.kernel]),
    [
      ['Conv1D', 'kernel'],
      ['Conv2D', 'kernel'],
      ['Conv2DTranspose', 'kernel'],
      ['Dense', 'kernel'],
      ['DepthwiseConv2D', 'depthwise_kernel'],
      ['SeparableConv2D', 'pointwise_kernel'],
    ],
  );
});

/** True exactly when A and B are the same type; a wrong derivation makes an assignment below fail to type-check. */
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

test('the IR types derived from the definitions (checked by the type checker, which npm test runs)', (t) => {
  type KindsWithoutAttrs = { [K in OpKind]: [AttrsByKind[K]] extends [never] ? K : never }[OpKind];
  const everyKindHasAttrs: Equal<KindsWithoutAttrs, never> = true;
  const linear: Equal<LinearKind, 'Dense' | 'Conv1D' | 'Conv2D' | 'DepthwiseConv2D' | 'SeparableConv2D' | 'Conv2DTranspose'> = true;
  const callable: Equal<Exclude<OpKind, LayerKind>, 'Input' | 'Affine'> = true;
  const units: Equal<AttrsByKind['Dense']['units'], number> = true;
  const activation: Equal<AttrsByKind['Conv2D']['activation'], Activation> = true;
  const strides: Equal<AttrsByKind['MaxPooling2D']['strides'], Pair> = true;
  const padding: Equal<AttrsByKind['Conv2D']['padding'], 'valid' | 'same'> = true;
  const axis: Equal<AttrsByKind['BatchNormalization']['axis'], readonly number[]> = true;
  const none: Equal<keyof AttrsByKind['Flatten'], never> = true;
  t.true(everyKindHasAttrs && linear && callable && units && activation && strides && padding && axis && none);
});
