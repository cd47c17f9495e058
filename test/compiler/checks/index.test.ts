// The rule list: every file in compiler/checks/ but index.ts and rule.ts is one rule,
// named after the file, listed once in specifiedRules, with its own test file here.

import test from 'ava';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { specifiedRules } from '../../../compiler/checks/index.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const ruleFiles = readdirSync(join(ROOT, 'compiler', 'checks'))
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && f !== 'rule.ts')
  .map((f) => f.slice(0, -'.ts'.length))
  .sort();

test('each rule file holds the rule of its name, listed once', (t) => {
  t.deepEqual(
    specifiedRules.map((r) => r.name).sort(),
    ruleFiles,
  );
});

test('each rule has a test file of its name', (t) => {
  t.deepEqual(
    ruleFiles.filter((name) => !existsSync(join(ROOT, 'test', 'compiler', 'checks', `${name}.test.ts`))),
    [],
  );
});

test('each rule runs at one phase', (t) => {
  const phases = specifiedRules.map((r) => [r.definitions, r.model, r.file].filter(Boolean).length);
  t.deepEqual(phases, specifiedRules.map(() => 1));
});
