// Text → CST, collecting every lexical and syntax error as a diagnostic.

import { EOF, Lexer, type IRecognitionException, type IToken, type TokenType, createTokenInstance } from 'chevrotain';
import { type Diagnostic, type Source, syntaxError } from '../src/diagnostics.js';
import type { BlockDefinitionCstNode, FileCstNode, ModelDefinitionCstNode } from './cst.js';
import { describeToken } from './messages.js';
import { parser } from './parser.js';
import {
  Arrow, Block, Colon, Comma, Equals, Identifier, Input, LBrace, LBracket, LParen, Minus, Model, Output, Plus, RBrace, RBracket, RParen, Repeat, Slash, Star,
  StringLiteral, UnterminatedString, allTokens,
} from './tokens.js';

export const lexer = new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: false });

/** Deeper nesting than this is refused up front rather than risking the parser's stack. */
export const MAX_NESTING = 200;

export interface ParseResult {
  /** Top-level definitions, in source order. Definitions with syntax errors are included, marked in `brokenDefinitions`. */
  readonly definitions: readonly (ModelDefinitionCstNode | BlockDefinitionCstNode)[];
  /** Definitions that contain a syntax error: their names are known, their bodies are not analysed. */
  readonly brokenDefinitions: ReadonlySet<ModelDefinitionCstNode | BlockDefinitionCstNode>;
  readonly diagnostics: readonly Diagnostic[];
  /** Model definitions parsed only up to a cut (`ParseOptions.cutModelsAfter`) and closed there. */
  readonly cutDefinitions: ReadonlySet<ModelDefinitionCstNode>;
  /** How many tokens the parser read (the closing braces of cuts included): the work done. */
  readonly tokensParsed: number;
}

export interface ParseOptions {
  /**
   * Close a model definition early once its body's top level has made more than this many
   * calls (`NAME` or `NAME(...)` starting a chain or after `->`; layers, blocks or values):
   * at the next statement or `->` of that level, as if a `}` stood there. Then the parser
   * does not read the rest of an over-long model (compiler/check.ts: the layer limit).
   */
  readonly cutModelsAfter?: number;
}

export function parse(source: Source, options: ParseOptions = {}): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const unterminated: number[] = [];
  const tokens = lex(source, diagnostics, unterminated);
  const nestingError = checkNesting(source, tokens);
  if (nestingError) return { definitions: [], brokenDefinitions: new Set(), diagnostics: [...diagnostics, nestingError], cutDefinitions: new Set(), tokensParsed: 0 };

  const definitions: (ModelDefinitionCstNode | BlockDefinitionCstNode)[] = [];
  const brokenDefinitions = new Set<ModelDefinitionCstNode | BlockDefinitionCstNode>();
  const cutDefinitions = new Set<ModelDefinitionCstNode>();
  let tokensParsed = 0;
  const syntaxErrorLines = new Set<number>();
  // 'model' and 'block' occur only at the top level, so each starts a definition: parse
  // each definition on its own, and a mistake in one (an unclosed brace, a string that
  // swallowed a parenthesis) cannot hide the next one from the checker.
  const starts = tokens.flatMap((t, i) => (i === 0 || t.tokenType === Model || t.tokenType === Block ? [i] : []));
  let nextUnterminated = 0;
  for (let s = 0; s < starts.length; s++) {
    const end = s + 1 < starts.length ? starts[s + 1] : tokens.length;
    const next = s + 1 < starts.length ? tokens[end] : undefined;
    const cut = options.cutModelsAfter !== undefined && tokens[starts[s]].tokenType === Model ? cutPoint(tokens, starts[s], end, options.cutModelsAfter) : null;
    parser.input = cut === null ? tokens.slice(starts[s], end) : [...tokens.slice(starts[s], cut), closingBrace(tokens[cut])];
    tokensParsed += parser.input.length;
    let cst: FileCstNode;
    try {
      cst = parser.file() as FileCstNode;
    } catch (e) {
      if (e instanceof RangeError) {
        diagnostics.push(syntaxError(source, tokens[starts[s]].startOffset, 'the file nests too deeply to parse'));
        continue;
      }
      throw e;
    }
    const found = [...(cst.children.modelDefinition ?? []), ...(cst.children.blockDefinition ?? [])];
    definitions.push(...found);
    if (cut !== null) for (const model of cst.children.modelDefinition ?? []) cutDefinitions.add(model);
    // An unterminated string swallows the rest of its line, so what the parser says next is
    // a consequence of it: the lexer's error is the one to show. (Offsets ascend, as do
    // segments: one pointer walks them both.)
    const last = tokens[end - 1].startOffset;
    let swallowed = false;
    while (nextUnterminated < unterminated.length && unterminated[nextUnterminated] <= last) {
      swallowed = true;
      nextUnterminated++;
    }
    let broken = swallowed && parser.errors.length > 0;
    for (const exception of swallowed ? [] : parser.errors) {
      // Extra tokens after a complete definition (an error of the top rule itself) do not
      // break the definition.
      const ruleStack = exception.context?.ruleStack ?? [];
      if (exception.name !== 'NotAllInputParsedException' && !(ruleStack.length === 1 && ruleStack[0] === 'file')) broken = true;
      let offset = offsetOf(exception.token, source);
      let message = exception.message;
      let length = lengthOf(exception);
      if (exception.token.tokenType === EOF && next) {
        // The segment ended where the next definition starts, not at the end of the file.
        offset = next.startOffset;
        message = message.replace('the end of the file', describeToken(next));
        length = next.image.length;
      }
      // After recovery, a second error on the same line is nearly always a consequence of
      // the first (`Dense(3 activation=relu)` also "expects '}' at ')'"): keep the first
      // per line, as go/scanner's RemoveMultiples does.
      const line = source.position(offset).line;
      if (syntaxErrorLines.has(line)) continue;
      syntaxErrorLines.add(line);
      diagnostics.push(syntaxError(source, offset, message, length));
    }
    for (const definition of found) if (broken || hasRecoveredNode(definition)) brokenDefinitions.add(definition);
  }
  return { definitions, brokenDefinitions, diagnostics: dedupe(diagnostics), cutDefinitions, tokensParsed };
}

/** Tokens after which a name at a body's top level continues a statement rather than starting one. */
const CONTINUING = new Set<TokenType>([Arrow, Equals, Comma, Colon, Input, Output, Repeat, Plus, Minus, Star, Slash]);

/**
 * Where to cut the model definition `tokens[start, end)`: the first statement start or
 * `->` of its body's top level once more than `limit` calls were made there, or null.
 * A prefix cut there, closed by a `}`, parses as the same statements, the last one's
 * chain perhaps shorter: every call before the cut is in it, in the same place.
 */
function cutPoint(tokens: readonly IToken[], start: number, end: number, limit: number): number | null {
  let braces = 0;
  let groups = 0;
  let calls = 0;
  for (let i = start; i < end; i++) {
    const type = tokens[i].tokenType;
    if (type === LBrace) braces++;
    else if (type === RBrace) braces--;
    else if (type === LParen || type === LBracket) groups++;
    else if (type === RParen || type === RBracket) groups = Math.max(0, groups - 1);
    if (braces !== 1 || groups !== 0) continue;
    const previous = tokens[i - 1].tokenType;
    const startsStatement = (type === Identifier && !CONTINUING.has(previous)) || type === Input || type === Output || type === Repeat;
    if (calls > limit && (startsStatement || type === Arrow)) return i;
    // A call: a name starting a chain (not an assignment's target) or following '->' or '='.
    if (type === Identifier && (startsStatement || previous === Arrow || previous === Equals) && tokens[i + 1]?.tokenType !== Equals) calls++;
  }
  return null;
}

/** The `}` a cut model is closed with, where the first token left out starts. */
function closingBrace(at: IToken): IToken {
  return createTokenInstance(RBrace, '}', at.startOffset, at.startOffset, at.startLine ?? 1, at.startLine ?? 1, at.startColumn ?? 1, at.startColumn ?? 1);
}

/** Tokens, with lexer errors, unterminated strings and unknown escapes reported. */
function lex(source: Source, diagnostics: Diagnostic[], unterminated: number[]): IToken[] {
  const result = lexer.tokenize(source.body);
  for (const e of result.errors) {
    const text = source.body.slice(e.offset, e.offset + e.length);
    const shown = text.length > 20 ? `${text.slice(0, 20)}...` : text;
    diagnostics.push(syntaxError(source, e.offset, `unexpected character${text.length > 1 ? 's' : ''} ${JSON.stringify(shown).replace(/^"|"$/g, "'")}`, e.length));
  }
  return result.tokens.map((token) => {
    if (token.tokenType === UnterminatedString) {
      unterminated.push(token.startOffset);
      diagnostics.push(syntaxError(source, token.startOffset, `unterminated string: expected a closing '"' before the end of the line`, token.image.length));
      // Parse on as if the string were closed, so the rest of the file is still checked.
      return { ...token, tokenType: StringLiteral, tokenTypeIdx: StringLiteral.tokenTypeIdx, image: `${token.image.replace(/\\$/, '')}"` } as IToken;
    }
    if (token.tokenType === StringLiteral) {
      // Escapes are read in pairs from the left: in `"a\\ b"` the second backslash is escaped, not escaping.
      const bad = [...token.image.matchAll(/\\(.)/g)].find((m) => m[1] !== '"' && m[1] !== '\\');
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

