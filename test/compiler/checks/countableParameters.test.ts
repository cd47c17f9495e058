// Rule countableParameters: a model's total parameter count must be below 2^53, where
// every count is exact; past it the model is an error, never a rounded number.

import test from 'ava';
import { errorsOf, modelWith, summaryOf, warningsOf } from '../../helpers/check.js';

test('the 2^53 limit: weights that fit one by one but not in total', (t) => {
  // kernels 1e8 * 5e7 = 5e15 and 5e7 * 1e8 = 5e15, biases 5e7 and 1e8: total 10,000,000,150,000,000.
  t.deepEqual(errorsOf(modelWith([100_000_000], 'Dense(50000000) -> Dense(100000000)')), [
    { message: "model 'M' has 10,000,000,150,000,000 parameters, more than 2^53 - 1 (9,007,199,254,740,991): counts this large cannot be represented exactly", line: 1, column: 7 },
  ]);
});

test('a layer left out of the graph does not count', (t) => {
  // Each Dense(5e7) on [1e8] has 1e8 * 5e7 + 5e7 = 5,000,000,050,000,000 parameters: one fits
  // under 2^53 - 1 = 9,007,199,254,740,991, two do not; the second reaches no output.
  const text = modelWith([100_000_000], 'a = Dense(50000000)', 'b = x -> Dense(50000000)', 'output a');
  t.deepEqual(errorsOf(text), []);
  t.deepEqual(
    warningsOf(text).map((w) => w.message),
    ["layer 'dense_1' (Dense) does not reach any output of model 'M'; it is not part of the model"],
  );
  t.is(summaryOf(text).totalParams, 5_000_000_050_000_000);
});
