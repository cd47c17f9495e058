// Rule noRecursiveBlocks: a block that calls itself, directly or through others, is
// reported once per cycle at the call that closes it, and is not expanded.

import test from 'ava';
import { errorsOf } from '../../helpers/check.js';

test('a block that calls itself directly', (t) => {
  t.deepEqual(errorsOf('block Loop(f) {\n  Dense(f)\n  Loop(f)\n}\nmodel M {\n  input x: [4]\n  Loop(3)\n}\n'), [{ message: "block 'Loop' calls itself; blocks cannot be recursive", line: 3, column: 3 }]);
});

test('blocks that call each other: the cycle is named once', (t) => {
  const text = 'block A {\n  B\n}\nblock B {\n  Dense(2) -> C\n}\nblock C {\n  A\n}\nmodel M {\n  input x: [4]\n  A\n}\n';
  t.deepEqual(errorsOf(text), [{ message: "block 'A' calls itself through 'B', 'C' (A -> B -> C -> A); blocks cannot be recursive", line: 8, column: 3 }]);
});

test('recursion inside a repeat body is found too', (t) => {
  t.deepEqual(errorsOf('block R {\n  repeat 2 {\n    R\n  }\n}\n'), [{ message: "block 'R' calls itself; blocks cannot be recursive", line: 3, column: 5 }]);
});

test('a block that calls a recursive block is not on the cycle: only the cycle is reported', (t) => {
  t.deepEqual(errorsOf('block A {\n  B\n}\nblock B {\n  B\n}\nmodel M {\n  input x: [4]\n  A\n}\n'), [{ message: "block 'B' calls itself; blocks cannot be recursive", line: 5, column: 3 }]);
});

test('up to four blocks between are named; five are counted', (t) => {
  const cycle = (n: number) => Array.from({ length: n }, (_, i) => `block B${i} { B${(i + 1) % n} }`).join('\n');
  t.deepEqual(errorsOf(cycle(5)), [{ message: "block 'B0' calls itself through 'B1', 'B2', 'B3', 'B4' (B0 -> B1 -> B2 -> B3 -> B4 -> B0); blocks cannot be recursive", line: 5, column: 12 }]);
  t.deepEqual(errorsOf(cycle(6)), [{ message: "block 'B0' calls itself through 5 other blocks (B0 -> B1 -> B2 -> ... -> B5 -> B0); blocks cannot be recursive", line: 6, column: 12 }]);
});

test('a cycle through 20,000 blocks is reported once, shortened', (t) => {
  const n = 20_000;
  const lines = Array.from({ length: n }, (_, i) => `block B${i} { B${(i + 1) % n} }`);
  lines.push('model M { input x: [4] B0 }');
  t.deepEqual(errorsOf(lines.join('\n')), [{ message: "block 'B0' calls itself through 19999 other blocks (B0 -> B1 -> B2 -> ... -> B19999 -> B0); blocks cannot be recursive", line: n, column: 16 }]);
});
