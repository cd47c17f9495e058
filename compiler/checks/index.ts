// The rules every `.nn` file is checked against, in the order they run (like graphql-js
// specifiedRules). Order matters where a rule decides what later stages see: a block with
// a bad parameter list or on a cycle is marked broken before any model expands it, and
// blocks no model called are known only once every model has expanded.

import { blockNamesAreNotLayers } from './blockNamesAreNotLayers.js';
import { blockParameterLists } from './blockParameterLists.js';
import { countableParameters } from './countableParameters.js';
import { noGraphWithLexicalErrors } from './noGraphWithLexicalErrors.js';
import { noRecursiveBlocks } from './noRecursiveBlocks.js';
import type { Rule } from './rule.js';
import { unreachableLayers } from './unreachableLayers.js';
import { uniqueDefinitionNames } from './uniqueDefinitionNames.js';
import { unusedBlocksAreChecked } from './unusedBlocksAreChecked.js';
import { unusedInputs } from './unusedInputs.js';

export const specifiedRules: readonly Rule[] = [
  // Over the definitions, before any model expands.
  uniqueDefinitionNames, // a later definition of a name is skipped
  blockNamesAreNotLayers, // such a block is not registered; the name keeps meaning the layer
  blockParameterLists, // before noRecursiveBlocks: the calls of a broken block are not followed
  noRecursiveBlocks, // blocks on a cycle are marked broken, so expansion terminates
  // Over each model that expanded without errors.
  unreachableLayers, // warned, then left out of the graph
  unusedInputs, // warned, kept
  countableParameters, // an error here withholds the model's graph
  // Over the file, once every model has expanded.
  unusedBlocksAreChecked, // needs to know which blocks some model expanded
  noGraphWithLexicalErrors, // last: withdraws graphs whatever the other rules found
];
