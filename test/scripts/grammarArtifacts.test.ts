// The generated grammar artifacts are committed; they must match the grammar as it is
// now, so a grammar change without `npm run gen` fails here.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { cstTypings, syntaxDiagramsPage } from '../../scripts/grammarArtifacts.js';

test('grammar/cst.d.ts is what the grammar generates (run `npm run gen` after changing grammar/parser.ts)', (t) => {
  t.is(readFileSync('grammar/cst.d.ts', 'utf8'), cstTypings());
});

test('docs/syntax.html is what the grammar generates (run `npm run gen`)', (t) => {
  t.is(readFileSync('docs/syntax.html', 'utf8'), syntaxDiagramsPage());
});

test('docs/syntax.html works offline: no script, stylesheet or link to a remote resource', (t) => {
  const html = readFileSync('docs/syntax.html', 'utf8');
  t.notRegex(html, /\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
  t.notRegex(html, /@import\s+(?:url\()?["']?(?:https?:)?\/\//i);
  // The diagram code is inlined, and the page has the grammar's rules in it.
  t.true(html.includes('<script>'));
  for (const rule of ['modelDefinition', 'blockDefinition', 'repeatStatement', 'chain', 'expression']) t.true(html.includes(rule), rule);
});
