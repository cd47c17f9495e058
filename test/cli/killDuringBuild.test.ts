// Issue 20, class 1: `nnc build` killed (SIGKILL) at 20 moments spread over a build's
// duration leaves the old bundle or a complete new one, never a mix or a truncated file
// that `nnc run DIR` would accept. bench/reliability.ts runs the same sweep at 200 points.

import test from 'ava';
import { killDuringBuild } from '../helpers/killBuild.js';

test('a build killed at any of 20 moments leaves the old bundle or a complete new one', async (t) => {
  t.timeout(600_000);
  const sweep = await killDuringBuild(20);
  const failures = sweep.points.filter((p) => p.failure !== null).map((p) => `${p.afterMs.toFixed(0)} ms after the ${p.from}: ${p.failure}`);
  t.deepEqual(failures, []);
  const outcomes = sweep.points.map((p) => p.outcome);
  // The sweep covers the whole build: early kills leave the old bundle untouched.
  t.is(outcomes[0], 'old');
  t.log(`build ${sweep.buildMs.toFixed(0)} ms; outcomes: ${outcomes.join(', ')}`);
});
