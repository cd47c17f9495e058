// A name defines one model or block. The first definition keeps the name; every later
// one is an error at its name, with a note at the first, and is not checked further.

import { error, note } from '../../src/diagnostics.js';
import type { Rule } from './rule.js';

export const uniqueDefinitionNames: Rule = {
  name: 'uniqueDefinitionNames',
  definitions({ index, report }) {
    for (const { name, what, loc, first } of index.duplicates) {
      report(error(`${what} '${name}' is already defined as a ${first.what}`, loc, [note(`first defined here`, first.loc)]));
    }
  },
};
