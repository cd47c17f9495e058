// Syntax highlighting from the grammar's own tokens: the lexer the parser uses splits
// the text, and each token type maps to one category, so an editor colours exactly
// what the parser will see (a keyword, a number, a string, an arrow). Comments and
// characters the lexer skips or rejects are found in the gaps between tokens.

import type { TokenType } from 'chevrotain';
import { lexer } from './parse.js';
import * as tokens from './tokens.js';

export type SpanCategory = 'keyword' | 'name' | 'number' | 'string' | 'comment' | 'operator' | 'punctuation' | 'invalid';

export interface Span {
  readonly from: number;
  /** Exclusive. */
  readonly to: number;
  readonly category: SpanCategory;
}

const CATEGORY = new Map<TokenType, SpanCategory>([
  ...[tokens.Model, tokens.Block, tokens.Input, tokens.Output, tokens.Repeat, tokens.True, tokens.False, tokens.Null].map((t) => [t, 'keyword'] as const),
  [tokens.Identifier, 'name'],
  [tokens.NumberLiteral, 'number'],
  [tokens.StringLiteral, 'string'],
  [tokens.UnterminatedString, 'invalid'],
  ...[tokens.Arrow, tokens.Equals, tokens.Plus, tokens.Minus, tokens.Star, tokens.Slash].map((t) => [t, 'operator'] as const),
  ...[tokens.LBrace, tokens.RBrace, tokens.LParen, tokens.RParen, tokens.LBracket, tokens.RBracket, tokens.Comma, tokens.Colon, tokens.Semicolon].map((t) => [t, 'punctuation'] as const),
]);

/** The text's spans in order; whitespace has none. */
export function highlightSpans(text: string): Span[] {
  const spans: Span[] = [];
  const gap = (from: number, to: number) => {
    // Between tokens lie only whitespace, comments (skipped by the lexer) and characters it rejected.
    const part = text.slice(from, to);
    for (const m of part.matchAll(/#[^\n\r]*|[^\s#]+/g)) {
      spans.push({ from: from + m.index, to: from + m.index + m[0].length, category: m[0].startsWith('#') ? 'comment' : 'invalid' });
    }
  };
  let at = 0;
  for (const token of lexer.tokenize(text).tokens) {
    if (token.startOffset > at) gap(at, token.startOffset);
    spans.push({ from: token.startOffset, to: token.endOffset! + 1, category: CATEGORY.get(token.tokenType) ?? 'invalid' });
    at = token.endOffset! + 1;
  }
  if (at < text.length) gap(at, text.length);
  return spans;
}
