import { check } from '../compiler/check.ts';
for (const n of [10000, 20000, 40000]) {
  const lines = ['model M {', '  input x: [4]'];
  for (let i = 0; i < n; i++) lines.push('  Dense(4)');
  lines.push('}');
  const text = lines.join('\n');
  const t0 = performance.now();
  const r = check(text);
  console.log(n, (performance.now() - t0).toFixed(0), 'ms', r.diagnostics.length);
}
