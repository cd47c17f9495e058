import test from 'ava';
import { checkWeightMap } from '../../../src/ir/weights.js';
import { exampleGraph, randomizedWeights } from '../../helpers/models.js';
import { nncErrorMessage } from '../../helpers/check.js';

test('a weight map edited after it passed is checked again in full', (t) => {
  const graph = exampleGraph('geron');
  const weights = randomizedWeights(graph);
  t.notThrows(() => checkWeightMap(graph, weights, 'the weights'));
  t.notThrows(() => checkWeightMap(graph, weights, 'the weights'));
  weights.set('dense/bias', { shape: [3], data: new Float32Array(3) });
  t.is(nncErrorMessage(() => checkWeightMap(graph, weights, 'the weights')), "the weights does not fit model 'FashionMLP' (1 problem):\n  weight 'dense/bias' has shape [3], expected [300]");
  weights.delete('dense/bias');
  t.regex(nncErrorMessage(() => checkWeightMap(graph, weights, 'the weights')), /missing weight 'dense\/bias'/);
});

test('a map that fits one graph is checked against another', (t) => {
  const geron = exampleGraph('geron');
  const weights = randomizedWeights(geron);
  checkWeightMap(geron, weights, 'the weights');
  t.regex(nncErrorMessage(() => checkWeightMap(exampleGraph('tagger'), weights, 'the weights')), /does not fit model/);
});
