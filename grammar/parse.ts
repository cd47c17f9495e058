// Text → CST, collecting every lexical and syntax error as a diagnostic.

import { EOF, Lexer, type IRecognitionException, type IToken } from 'chevrotain';
import { type Diagnostic, type Source, syntaxError } from '../src/diagnostics.js';
import type { BlockDefinitionCstNode, FileCstNode, ModelDefinitionCstNode } from './cst.js';
import { parser } from './parser.js';
import { Block, LBrace, LBracket, LParen, Model, RBrace, RBracket, RParen, StringLiteral, UnterminatedString, allTokens } from './tokens.js';

export const lexer = new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: false });

/** Deeper nesting than this is refused up front rather than risking the parser's stack. */
export const MAX_NESTING = 200;

export interface ParseResult {
  /** Top-level definitions, in source order. Definitions with syntax errors are included, marked in `brokenDefinitions`. */
  readonly definitions: readonly (ModelDefinitionCstNode | BlockDefinitionCstNode)[];
  /** Definitions that contain a syntax error: their names are known, their bodies are not analysed. */
  readonly brokenDefinitions: ReadonlySet<ModelDefinitionCstNode | BlockDefinitionCstNode>;
  readonly diagnostics: readonly Diagnostic[];
}

export function parse(source: Source): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const tokens = lex(source, diagnostics);
  const nestingError = checkNesting(source, tokens);
  if (nestingError) return { definitions: [], brokenDefinitions: new Set(), diagnostics: [...diagnostics, nestingError] };

  const definitions: (ModelDefinitionCstNode | BlockDefinitionCstNode)[] = [];
  const errorOffsets: number[] = [];
  let start = 0;
  // The parser stops at the first top-level token that starts no definition; report it,
  // skip to the next 'model' or 'block', and parse on, so every error in the file is found.
  while (start < tokens.length) {
    parser.input = tokens.slice(start);
    let cst: FileCstNode;
    try {
      cst = parser.file() as FileCstNode;
    } catch (e) {
      if (e instanceof RangeError) {
        diagnostics.push(syntaxError(source, tokens[start].startOffset, 'the file nests too deeply to parse'));
        break;
      }
      throw e;
    }
    definitions.push(...(cst.children.modelDefinition ?? []), ...(cst.children.blockDefinition ?? []));
    let stoppedAt: number | null = null;
    for (const exception of parser.errors) {
      const offset = offsetOf(exception.token, source);
      errorOffsets.push(offset);
      diagnostics.push(syntaxError(source, offset, exception.message, lengthOf(exception)));
      if (exception.name === 'NotAllInputParsedException') stoppedAt = offset;
    }
    if (stoppedAt === null) break;
    const next = tokens.findIndex((t) => t.startOffset > stoppedAt && (t.tokenType === Model || t.tokenType === Block));
    if (next < 0) break;
    start = next;
  }
  definitions.sort((a, b) => (a.location?.startOffset ?? 0) - (b.location?.startOffset ?? 0));

  const brokenDefinitions = new Set<ModelDefinitionCstNode | BlockDefinitionCstNode>();
  for (const definition of definitions) {
    const begin = definition.location?.startOffset ?? 0;
    const end = Number.isNaN(definition.location?.endOffset) ? source.body.length : (definition.location?.endOffset ?? source.body.length);
    if (errorOffsets.some((offset) => offset >= begin && offset <= end + 1)) brokenDefinitions.add(definition);
    if (hasRecoveredNode(definition)) brokenDefinitions.add(definition);
  }
  return { definitions, brokenDefinitions, diagnostics: dedupe(diagnostics) };
}

/** Tokens, with lexer errors, unterminated strings and unknown escapes reported. */
function lex(source: Source, diagnostics: Diagnostic[]): IToken[] {
  const result = lexer.tokenize(source.body);
  for (const e of result.errors) {
    const text = source.body.slice(e.offset, e.offset + e.length);
    const shown = text.length > 20 ? `${text.slice(0, 20)}...` : text;
    diagnostics.push(syntaxError(source, e.offset, `unexpected character${text.length > 1 ? 's' : ''} ${JSON.stringify(shown).replace(/^"|"$/g, "'")}`, e.length));
  }
  return result.tokens.map((token) => {
    if (token.tokenType === UnterminatedString) {
      diagnostics.push(syntaxError(source, token.startOffset, `unterminated string: expected a closing '"' before the end of the line`, token.image.length));
      // Parse on as if the string were closed, so the rest of the file is still checked.
      return { ...token, tokenType: StringLiteral, tokenTypeIdx: StringLiteral.tokenTypeIdx, image: `${token.image.replace(/\\$/, '')}"` } as IToken;
    }
    if (token.tokenType === StringLiteral) {
      const bad = /\\([^"\\])/.exec(token.image);
      if (bad) {
        diagnostics.push(syntaxError(source, token.startOffset + bad.index, `unknown escape '\\${bad[1]}' in a string: expected \\" or \\\\`, 2));
      }
    }
    return token;
  });
}

function checkNesting(source: Source, tokens: readonly IToken[]): Diagnostic | null {
  let depth = 0;
  for (const token of tokens) {
    const type = token.tokenType;
    if (type === LParen || type === LBracket || type === LBrace) {
      depth++;
      if (depth > MAX_NESTING) return syntaxError(source, token.startOffset, `brackets nest more than ${MAX_NESTING} deep here; simplify the expression`);
    } else if (type === RParen || type === RBracket || type === RBrace) {
      depth = Math.max(0, depth - 1);
    }
  }
  // Unary minus also recurses: `- - - ... 1`.
  let run = 0;
  for (const token of tokens) {
    run = token.tokenType.name === 'Minus' ? run + 1 : 0;
    if (run > MAX_NESTING) return syntaxError(source, token.startOffset, `more than ${MAX_NESTING} unary minus signs in a row`);
  }
  return null;
}

function offsetOf(token: IToken, source: Source): number {
  return token.tokenType === EOF || Number.isNaN(token.startOffset) ? source.body.length : token.startOffset;
}

function lengthOf(exception: IRecognitionException): number {
  const token = exception.token;
  if (token.tokenType === EOF || Number.isNaN(token.startOffset)) return 1;
  return Math.max(1, token.image.length);
}

function hasRecoveredNode(node: { recoveredNode?: boolean; children: Record<string, unknown[]> }): boolean {
  if (node.recoveredNode) return true;
  for (const children of Object.values(node.children)) {
    for (const child of children) {
      if (child && typeof child === 'object' && 'children' in child && hasRecoveredNode(child as never)) return true;
      if (child && typeof child === 'object' && 'isInsertedInRecovery' in child && (child as IToken).isInsertedInRecovery) return true;
    }
  }
  return false;
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.location?.start}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

