// A model's parameter count is exact: each weight's size was checked below 2^53 as its
// layer was added (compiler/lower/modelGraph.ts), and here the total over the layers
// that stay in the graph, summed as a bigint, must be below 2^53 too. Past it, a count
// in a JavaScript number would be silently rounded.

import { error } from '../../src/diagnostics.js';
import { declaredWeights } from '../../src/ir/ops.js';
import { bigProduct } from '../lower/limits.js';
import { formatCount } from '../summary.js';
import type { Rule } from './rule.js';

export const countableParameters: Rule = {
  name: 'countableParameters',
  model({ model, builder, live }, { report }) {
    let total = 0n;
    for (let id = 0; id < builder.size; id++) {
      const node = builder.node(id);
      if (!live[id] && node.kind !== 'Input') continue;
      const inputShapes = node.inputs.map((i) => builder.node(i).shape);
      for (const w of declaredWeights(node.kind, node.attrs, inputShapes, node.trainable)) total += bigProduct(w.shape);
    }
    if (total > BigInt(Number.MAX_SAFE_INTEGER)) {
      report(error(`model '${model.name}' has ${formatCount(total)} parameters, more than 2^53 - 1 (${formatCount(Number.MAX_SAFE_INTEGER)}): counts this large cannot be represented exactly`, model.loc));
    }
  },
};
