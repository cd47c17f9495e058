// A block may not take a Keras layer's name: `block Dense { ... }` would make every
// `Dense(...)` in the file ambiguous. The block is not registered, so calls of that
// name keep meaning the layer and give no further errors.

import { error } from '../../src/diagnostics.js';
import type { Rule } from './rule.js';

export const blockNamesAreNotLayers: Rule = {
  name: 'blockNamesAreNotLayers',
  definitions({ index, report }) {
    for (const { name, loc } of index.blocksNamedLikeLayers) report(error(`block '${name}' has the name of a Keras layer; choose another name`, loc));
  },
};
