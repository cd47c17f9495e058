// An input that no output depends on is still an input of the model (callers must feed
// it, as in Keras), so this is a warning and the input stays in the graph.

import { warning } from '../../src/diagnostics.js';
import type { Rule } from './rule.js';

export const unusedInputs: Rule = {
  name: 'unusedInputs',
  model({ model, builder, live }, { report }) {
    for (let id = 0; id < builder.size; id++) {
      const node = builder.node(id);
      if (!live[id] && node.kind === 'Input') report(warning(`input '${node.name}' is not used by any output of model '${model.name}'`, node.loc));
    }
  },
};
