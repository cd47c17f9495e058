// Keras configs as each version spells them, read into one form (src/formats/keras/config.ts).

import test from 'ava';
import { readKerasModel } from '../../../../src/formats/keras/config.js';
import { NncError } from '../../../../src/diagnostics.js';

const dense = (name: string, extra: object = {}) => ({ class_name: 'Dense', config: { name, units: 2, ...extra } });

test('Keras 2.2: a Sequential config that is a bare list, the input from the first layer', (t) => {
  const model = readKerasModel({ class_name: 'Sequential', config: [dense('dense_1', { batch_input_shape: [null, 3] }), dense('dense_2')] }, 'x');
  t.is(model.name, 'sequential');
  t.deepEqual(model.layers.map((l) => `${l.className} ${l.name}`), ['InputLayer dense_1_input', 'Dense dense_1', 'Dense dense_2']);
  t.deepEqual(model.layers[0].config.batch_input_shape, [null, 3]);
  t.deepEqual(model.inputs, [{ layer: 'dense_1_input', node: 0, tensor: 0 }]);
  t.deepEqual(model.outputs, [{ layer: 'dense_2', node: 0, tensor: 0 }]);
  t.deepEqual(model.layers[2].calls, [{ inputs: [{ layer: 'dense_1', node: 0, tensor: 0 }], kwargs: {} }]);
});

test('Keras 3: __keras_tensor__ arguments, a merge layer taking a list, a single input given flat', (t) => {
  const tensor = (layer: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 2], dtype: 'float32', keras_history: [layer, 0, 0] } });
  const model = readKerasModel(
    {
      class_name: 'Functional',
      config: {
        name: 'f',
        layers: [
          { class_name: 'InputLayer', config: { batch_shape: [null, 2], name: 'x' }, inbound_nodes: [] },
          { ...dense('a'), inbound_nodes: [{ args: [tensor('x')], kwargs: { training: false } }] },
          { class_name: 'Add', config: { name: 'sum' }, inbound_nodes: [{ args: [[tensor('x'), tensor('a')]], kwargs: {} }] },
        ],
        input_layers: ['x', 0, 0],
        output_layers: [['sum', 0, 0]],
      },
    },
    'x',
  );
  t.deepEqual(model.inputs, [{ layer: 'x', node: 0, tensor: 0 }]);
  t.deepEqual(model.layers[1].calls, [{ inputs: [{ layer: 'x', node: 0, tensor: 0 }], kwargs: { training: false } }]);
  t.deepEqual(model.layers[2].calls[0].inputs.map((r) => r.layer), ['x', 'a']);
});

test('Keras 2 and tfjs: nested-list inbound nodes with their kwargs, a layer called twice', (t) => {
  const model = readKerasModel(
    {
      class_name: 'Model',
      config: {
        name: 'm',
        layers: [
          { class_name: 'InputLayer', name: 'x', config: { batch_input_shape: [null, 2], name: 'x' }, inbound_nodes: [] },
          { ...dense('a'), name: 'a', inbound_nodes: [[['x', 0, 0, { training: false }]], [['x', 0, 0, {}]]] },
        ],
        input_layers: [['x', 0, 0]],
        output_layers: [['a', 1, 0]],
      },
    },
    'x',
  );
  t.is(model.className, 'Functional');
  t.is(model.layers[1].calls.length, 2);
  t.deepEqual(model.layers[1].calls[0].kwargs, { training: false });
  t.deepEqual(model.outputs, [{ layer: 'a', node: 1, tensor: 0 }]);
});

test('a subclassed model is refused: its code is not in the file', (t) => {
  const error = t.throws(() => readKerasModel({ class_name: 'MyModel', config: {} }, 'config.json'), { instanceOf: NncError });
  t.is(error.message, 'config.json: the top-level object is a MyModel, not a Sequential or Functional model (a subclassed model cannot be imported: its code is not in the file)');
});

test('a Sequential without an input shape says to build it', (t) => {
  const error = t.throws(() => readKerasModel({ class_name: 'Sequential', config: { name: 's', layers: [dense('d')] } }, 'config.json'), { instanceOf: NncError });
  t.is(error.message, "config.json: Sequential model 's' declares no input shape (its first layer 'd' has no batch_input_shape): build the model before saving it");
});
