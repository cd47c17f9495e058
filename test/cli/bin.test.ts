// One real process: `bin/nnc.js` (what `npx nnc` runs) starts, prints, and sets the exit code.

import test from 'ava';
import { spawnSync } from 'node:child_process';

test('bin/nnc.js runs as a process: exit 0 with the summary, exit 1 with a message and no stack', (t) => {
  const ok = spawnSync(process.execPath, ['bin/nnc.js', 'summary', 'examples/geron.nn'], { encoding: 'utf8', timeout: 60_000 });
  t.is(ok.status, 0, ok.stderr);
  t.true(ok.stdout.startsWith('Model: "FashionMLP"\n'));
  t.true(ok.stdout.includes('Total params: 271,346 (1.04 MB)\nTrainable params: 268,978 (1.03 MB)\nNon-trainable params: 2,368 (9.25 KB)\n'));
  const failed = spawnSync(process.execPath, ['bin/nnc.js', 'check', 'no/such/file.nn'], { encoding: 'utf8', timeout: 60_000 });
  t.is(failed.status, 1);
  t.is(failed.stderr, "error: cannot read file 'no/such/file.nn': no such file or directory\n");
});
