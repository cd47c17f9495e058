// A block no model calls is still checked, so a library of blocks gets its errors
// before its first use. Its parameters and inputs are unknown: only what does not
// depend on them is checked (names, layers, activations, arguments written as literals).

import { ModelLowering } from '../lower/modelLowering.js';
import type { Rule } from './rule.js';

export const unusedBlocksAreChecked: Rule = {
  name: 'unusedBlocksAreChecked',
  file({ source, index, limits, report }) {
    for (const block of index.blocks.values()) {
      if (block.broken || block.expanded) continue;
      const lowering = new ModelLowering(source, index, limits);
      lowering.checkBlockAlone(block);
      for (const d of lowering.diagnostics) report(d);
    }
  },
};
