// The editor's `.nn` support: highlighting from the grammar's own lexer
// (grammar/highlight.ts), layer names marked from the compiler's layer table, and the
// checker's diagnostics as inline markers with the CLI's messages.

import { type Diagnostic as Marker, linter } from '@codemirror/lint';
import { RangeSetBuilder } from '@codemirror/state';
import { Decoration, type DecorationSet, type EditorView, ViewPlugin, type ViewUpdate } from '@codemirror/view';
import { highlightSpans } from '../../grammar/highlight.js';
import { lookupLayer } from '../../compiler/layers/table.js';
import { type Diagnostic, formatDiagnostic } from '../diagnostics.js';

const marks = new Map<string, Decoration>();
const mark = (category: string) => marks.get(category) ?? marks.set(category, Decoration.mark({ class: `tok-${category}` })).get(category)!;

function decorate(view: EditorView): DecorationSet {
  const text = view.state.doc.toString();
  const builder = new RangeSetBuilder<Decoration>();
  for (const span of highlightSpans(text)) {
    const category = span.category === 'name' && lookupLayer(text.slice(span.from, span.to)) ? 'layer' : span.category;
    builder.add(span.from, span.to, mark(category));
  }
  return builder.finish();
}

export const nnHighlighting = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = decorate(view);
    }
    update(update: ViewUpdate) {
      if (update.docChanged) this.decorations = decorate(update.view);
    }
  },
  { decorations: (plugin) => plugin.decorations },
);

/** Inline markers for the diagnostics of the current text; the message is the CLI's, location, excerpt and notes included. */
export function diagnosticsLinter(diagnose: (text: string) => readonly Diagnostic[]) {
  return linter(
    (view) => {
      const length = view.state.doc.length;
      return diagnose(view.state.doc.toString()).map((d): Marker => {
        const from = Math.min(d.location?.start ?? 0, length);
        const to = Math.min(Math.max(d.location?.end ?? from, from + 1), length);
        return { from, to: Math.max(to, from), severity: d.severity, message: formatDiagnostic(d), source: 'nnc' };
      });
    },
    { delay: 200 },
  );
}
