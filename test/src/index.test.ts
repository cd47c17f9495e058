// The Node entry is the platform-neutral core plus compiling, models and training.
import test from 'ava';
import * as core from '../../src/core.js';
import * as nnc from '../../src/index.js';

test('the Node entry re-exports every export of the core, and adds the runtime', (t) => {
  t.deepEqual(Object.keys(core).filter((name) => !(name in nnc)), []);
  for (const name of ['compile', 'compileGraph', 'Model', 'TrainableModel', 'createOptimizer', 'LOSSES']) t.true(name in nnc, name);
  for (const name of ['compile', 'Model', 'TrainableModel']) t.false(name in core, name);
});
