// A block's parameter list is well formed: no name twice, every default evaluates, and
// parameters with defaults come last (as in Python, so positional arguments fill the
// parameters in order). A block with a bad list is marked broken and never expanded:
// its calls give no further errors.

import { error } from '../../src/diagnostics.js';
import type { BlockParam } from '../lower/definitions.js';
import type { Rule } from './rule.js';

export const blockParameterLists: Rule = {
  name: 'blockParameterLists',
  definitions({ index, report }) {
    for (const block of index.blocks.values()) {
      const checked: BlockParam[] = [];
      for (const p of block.params) {
        if (checked.some((q) => q.name === p.name)) {
          report(error(`block '${block.name}' has two parameters named '${p.name}'`, p.loc));
          block.broken = true;
          continue;
        }
        if (p.default === null) block.broken = true; // reported where it was evaluated
        else if (p.default === undefined && checked.some((q) => q.default != null)) {
          report(error(`parameter '${p.name}' of block '${block.name}' has no default but follows one that has: parameters with defaults come last`, p.loc));
          block.broken = true;
        }
        checked.push(p);
      }
    }
  },
};
