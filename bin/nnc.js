#!/usr/bin/env node
// The `nnc` command. Sources are TypeScript, run through tsx's loader so that
// `npx nnc` works in a fresh clone without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
