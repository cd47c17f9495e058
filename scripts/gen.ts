// Regenerates the grammar's artifacts: grammar/cst.d.ts and docs/syntax.html.
import { writeFileSync } from 'node:fs';
import { cstTypings, syntaxDiagramsPage } from './grammarArtifacts.js';

writeFileSync(new URL('../grammar/cst.d.ts', import.meta.url), cstTypings());
writeFileSync(new URL('../docs/syntax.html', import.meta.url), syntaxDiagramsPage());
console.log('wrote grammar/cst.d.ts and docs/syntax.html');
