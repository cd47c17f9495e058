// The kernel table covers every layer kind: at run time every defined kind has a kernel,
// and at compile time (`npm test` type-checks the tests) a table missing one is an error.

import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { type KernelTable, kernelOf } from '../../runtime/kernels.js';
import { LAYER_DEFS } from '../../src/ir/layers/index.js';

test('every defined kind has a kernel', (t) => {
  const kinds = Object.keys(LAYER_DEFS);
  t.is(kinds.length, 42);
  t.deepEqual(
    kinds.filter((kind) => kernelOf(kind) === undefined),
    [],
  );
  t.is(kernelOf('NoSuchKind'), undefined);
});

test('a kernel table without a kernel for some kind does not type-check', (t) => {
  const only = { Input: () => tf.scalar(0) };
  // @ts-expect-error: every kind but Input lacks its kernel
  const incomplete: KernelTable = only;
  t.is(Object.keys(incomplete).length, 1);
});
