// Keras 3 configs of LayerNormalization, Permute, Cropping2D and ZeroPadding1D (the keys
// their get_config writes) → the language's arguments, and what is refused.

import test from 'ava';
import { translateLayer } from '../../../../src/formats/keras/layers.js';

const KERAS_INIT = (name: string) => ({ module: 'keras.initializers', class_name: name, config: {}, registered_name: null });

test('LayerNormalization: every key of Keras 3 get_config read, rms_scaling included', (t) => {
  const config = {
    name: 'ln', trainable: true, dtype: 'float32', axis: [1, 2], epsilon: 1e-6, center: true, scale: false, rms_scaling: false,
    beta_initializer: KERAS_INIT('Zeros'), gamma_initializer: KERAS_INIT('Ones'),
    beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null,
  };
  t.deepEqual(translateLayer('ln', 'LayerNormalization', 'keras.layers', null, config), {
    kind: 'LayerNormalization',
    args: { axis: [1, 2], epsilon: 1e-6, center: true, scale: false, rms_scaling: false, beta_initializer: { call: 'zeros', args: {} }, gamma_initializer: { call: 'ones', args: {} } },
    notes: [],
  });
  t.deepEqual(translateLayer('ln', 'LayerNormalization', 'keras.layers', null, { ...config, rms_scaling: true }), {
    kind: 'LayerNormalization',
    args: { axis: [1, 2], epsilon: 1e-6, center: true, scale: false, rms_scaling: true, beta_initializer: { call: 'zeros', args: {} }, gamma_initializer: { call: 'ones', args: {} } },
    notes: [],
  });
});

test('Permute, Cropping2D, ZeroPadding1D; channels_first refused', (t) => {
  t.deepEqual(translateLayer('p', 'Permute', 'keras.layers', null, { name: 'p', dims: [2, 1] }), { kind: 'Permute', args: { dims: [2, 1] }, notes: [] });
  t.deepEqual(translateLayer('c', 'Cropping2D', 'keras.layers', null, { name: 'c', cropping: [[1, 2], [3, 4]], data_format: 'channels_last' }), {
    kind: 'Cropping2D', args: { cropping: [[1, 2], [3, 4]] }, notes: [],
  });
  t.deepEqual(translateLayer('z', 'ZeroPadding1D', 'keras.layers', null, { name: 'z', padding: [1, 2] }), { kind: 'ZeroPadding1D', args: { padding: [1, 2] }, notes: [] });
  t.deepEqual(translateLayer('c', 'Cropping2D', 'keras.layers', null, { name: 'c', cropping: [[1, 2], [3, 4]], data_format: 'channels_first' }), {
    errors: ["layer 'c' (Cropping2D) has data_format=\"channels_first\"; nnc works on channels_last images only (transpose the model to channels_last in Keras first)"],
  });
});

test("Conv2DTranspose: Keras 3's output_padding and dilation_rate are read as written", (t) => {
  const config = { name: 'up', filters: 3, kernel_size: [3, 3], strides: [2, 2], padding: 'same', output_padding: [1, 0], data_format: 'channels_last', dilation_rate: [1, 1] };
  const read = translateLayer('up', 'Conv2DTranspose', 'keras.layers', null, config) as { args: Record<string, unknown> };
  t.deepEqual([read.args.output_padding, read.args.dilation_rate], [[1, 0], [1, 1]]);
  const dilated = translateLayer('up', 'Conv2DTranspose', 'keras.layers', null, { ...config, strides: [1, 1], output_padding: null, dilation_rate: [2, 2] }) as { args: Record<string, unknown> };
  t.deepEqual([dilated.args.output_padding, dilated.args.dilation_rate], [null, [2, 2]]);
});
