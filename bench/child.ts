// Benchmark children: a TypeScript script run in a fresh Node process (so its timings
// and its peak memory are its own), answering with one JSON line on stdout.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Runs `bench/<script>` with `args` under tsx and resolves with its last stdout line, parsed; `what` names it in errors. */
export function runChild<T>(script: string, args: readonly string[], what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const path = fileURLToPath(new URL(script, import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) return reject(new Error(`${what} failed (exit code ${code})`));
      resolve(JSON.parse(last) as T);
    });
  });
}
