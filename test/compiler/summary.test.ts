import test from 'ava';
import { readFileSync } from 'node:fs';
import { check } from '../../compiler/check.js';
import { summarize } from '../../compiler/summary.js';

function summaryOf(path: string) {
  const result = check(readFileSync(path, 'utf8'), path);
  const [graph] = result.models.values();
  return summarize(graph);
}

test("Géron's MLP matches Keras: 271,346 / 268,978 / 2,368", (t) => {
  const s = summaryOf('examples/geron.nn');
  t.deepEqual([s.totalParams, s.trainableParams, s.nonTrainableParams], [271346, 268978, 2368]);
});

test('the tagger matches Keras: 2,140,752 / 2,139,728 / 1,024', (t) => {
  const s = summaryOf('examples/tagger.nn');
  t.deepEqual([s.totalParams, s.trainableParams, s.nonTrainableParams], [2140752, 2139728, 1024]);
});
