// Cycles in the graph of block calls. A block that calls itself, directly or through
// others, would expand forever; the rule noRecursiveBlocks (compiler/checks/) reports
// every cycle found here before any model expands.

import type { BodyCstNode, CallCstNode } from '../../grammar/cst.js';
import type { Location, Source } from '../../src/diagnostics.js';
import { tokenLocation } from '../values.js';
import type { BlockInfo } from './definitions.js';

export interface BlockCall {
  readonly callee: string;
  /** The call's name token. */
  readonly loc: Location;
}

/** One back edge of the call graph: `cycle` runs from the callee through its callers back to it. */
export interface BlockCycle {
  readonly callee: string;
  /** The call that closes the cycle. */
  readonly loc: Location;
  /** Block names, first and last the callee: `[A, B, C, A]`. */
  readonly cycle: readonly string[];
}

/** The calls of blocks in each (unbroken) block's body, in order. */
export function blockCalls(source: Source, blocks: ReadonlyMap<string, BlockInfo>): Map<string, BlockCall[]> {
  const calls = new Map<string, BlockCall[]>();
  for (const block of blocks.values()) {
    const found: BlockCall[] = [];
    if (!block.broken) collectCalls(block.node.children.body[0], (call) => {
      const token = call.children.name[0];
      if (blocks.has(token.image)) found.push({ callee: token.image, loc: tokenLocation(source, token) });
    });
    calls.set(block.name, found);
  }
  return calls;
}

/**
 * Every cycle a depth-first search meets, once per back edge. The search keeps an explicit
 * stack: a chain of thousands of blocks must not overflow the JavaScript stack.
 */
export function findCycles(calls: ReadonlyMap<string, readonly BlockCall[]>): BlockCycle[] {
  const cycles: BlockCycle[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  for (const root of calls.keys()) {
    if (state.has(root)) continue;
    const path: { name: string; next: number }[] = [{ name: root, next: 0 }];
    state.set(root, 'visiting');
    while (path.length > 0) {
      const top = path[path.length - 1];
      const edges = calls.get(top.name) ?? [];
      if (top.next >= edges.length) {
        state.set(top.name, 'done');
        path.pop();
        continue;
      }
      const { callee, loc } = edges[top.next++];
      if (state.get(callee) === 'visiting') {
        const names = path.map((p) => p.name);
        cycles.push({ callee, loc, cycle: [...names.slice(names.indexOf(callee)), callee] });
      } else if (!state.has(callee)) {
        state.set(callee, 'visiting');
        path.push({ name: callee, next: 0 });
      }
    }
  }
  return cycles;
}

/** `'B' (A -> B -> A)`, shortened when the cycle is long. */
export function describeCycle(cycle: readonly string[]): string {
  const between = cycle.slice(1, -1);
  if (between.length <= 4) return `${between.map((n) => `'${n}'`).join(', ')} (${cycle.join(' -> ')})`;
  return `${between.length} other blocks (${[...cycle.slice(0, 3), '...', ...cycle.slice(-2)].join(' -> ')})`;
}

/** Every call in a body (chain heads and steps), including inside `repeat`. */
function collectCalls(body: BodyCstNode, visit: (call: CallCstNode) => void): void {
  for (const statement of body.children.statement ?? []) {
    const c = statement.children;
    const chain = c.chain?.[0] ?? c.assignment?.[0].children.chain[0];
    if (chain) {
      for (const call of [...(chain.children.headCall ?? []), ...(chain.children.steps ?? [])]) visit(call);
    }
    if (c.repeatStatement) collectCalls(c.repeatStatement[0].children.body[0], visit);
  }
}
