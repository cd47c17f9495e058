// Blocks are not recursive: a block that calls itself, directly or through other
// blocks, would expand forever. Each cycle is reported once, at the call that closes it,
// and every block on it is left unexpanded (so calls of it give no further errors).

import { error } from '../../src/diagnostics.js';
import { blockCalls, describeCycle, findCycles } from '../lower/blockCycles.js';
import type { Rule } from './rule.js';

export const noRecursiveBlocks: Rule = {
  name: 'noRecursiveBlocks',
  definitions({ source, index, report }) {
    for (const { callee, loc, cycle } of findCycles(blockCalls(source, index.blocks))) {
      const through = cycle.length === 2 ? '' : ` through ${describeCycle(cycle)}`;
      report(error(`block '${callee}' calls itself${through}; blocks cannot be recursive`, loc));
      for (const member of cycle) index.blocks.get(member)!.broken = true;
    }
  },
};
