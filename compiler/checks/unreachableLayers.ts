// A layer that feeds no output of its model is not part of the model (Keras builds a
// functional model from its outputs back): a warning at the layer, which the graph
// leaves out (compiler/lower/expandedModel.ts).

import { warning } from '../../src/diagnostics.js';
import type { Rule } from './rule.js';

export const unreachableLayers: Rule = {
  name: 'unreachableLayers',
  model({ model, builder, live }, { report }) {
    for (let id = 0; id < builder.size; id++) {
      const node = builder.node(id);
      if (!live[id] && node.kind !== 'Input') report(warning(`layer '${node.name}' (${node.kind}) does not reach any output of model '${model.name}'; it is not part of the model`, node.loc));
    }
  },
};
