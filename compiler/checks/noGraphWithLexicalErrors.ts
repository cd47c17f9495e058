// A model with a bad character in it has no graph. The lexer skips a bad character so
// the rest of its model is still checked, and the model may then lower cleanly
// (`Dense(3) $ ReLU`); it still has an error, so no tool may run it.

import type { Rule } from './rule.js';

export const noGraphWithLexicalErrors: Rule = {
  name: 'noGraphWithLexicalErrors',
  file({ parsed, graphs }) {
    const errorOffsets = parsed.diagnostics.filter((d) => d.severity === 'error' && d.location).map((d) => d.location!.start);
    if (errorOffsets.length === 0) return;
    const seen = new Set<string>();
    for (const definition of parsed.definitions) {
      const modelName = definition.name === 'modelDefinition' ? definition.children.name?.[0]?.image : undefined;
      if (modelName === undefined || seen.has(modelName)) continue;
      seen.add(modelName); // lowering uses the first definition of a name
      const start = definition.location?.startOffset ?? 0;
      const end = definition.location?.endOffset;
      const last = end === undefined || Number.isNaN(end) ? Infinity : end;
      if (errorOffsets.some((offset) => offset >= start && offset <= last)) graphs.delete(modelName);
    }
  },
};
