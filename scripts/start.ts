// `npm start`: the main job on the bundled examples. For now: check every example
// and print the summary of each model.
import { readdirSync } from 'node:fs';
import { main } from '../src/cli/main.js';

const examples = readdirSync(new URL('../examples/', import.meta.url)).filter((f) => f.endsWith('.nn')).sort().map((f) => `examples/${f}`);
let code = await main(['check', ...examples]);
for (const file of examples) {
  if (code !== 0) break;
  process.stdout.write('\n');
  code = await main(['summary', file]);
}
process.exitCode = code;
