// `.nn` source in its canonical layout (`nnc fmt`), printed from the parser's CST so
// that what was written stays written: blocks, `repeat`, value names, expressions,
// number and string spellings, empty `()`, and every comment. Only layout changes:
//
//   - one statement per line, indented two spaces per level; `;` separators dropped
//     (but Keras's `Dense(3)(x)`, an error, stays as written: its message relies on it);
//   - `{` ends its header's line, `}` stands alone (a body with nothing in it is `{}`,
//     a `repeat` around one statement with no comment inside stays on one line);
//   - single spaces: `a, b`, `key=value`, ` -> `, ` + `, `name: [dims]`, `x = ...`;
//   - one blank line between top-level definitions; inside a body, a run of blank lines
//     becomes one, and none follows `{` or precedes `}`;
//   - a comment on its own line stays on its own line, at the indentation of what
//     follows it; a comment after code stays at the end of that line (`code  # note`);
//     a comment inside a statement that spans lines moves to its own line above it.
//
// Formatting is a pure function of the text, and idempotent: the result formats to
// itself. A source with syntax errors is not rewritten: its diagnostics come back.
// As a guard, the result must lex to the same tokens (`;` aside) and comments.

import { type IToken, Lexer, createToken } from 'chevrotain';
import type {
  ArgumentListCstNode,
  BlockDefinitionCstNode,
  BodyCstNode,
  CallCstNode,
  ChainCstNode,
  ExpressionCstNode,
  ListCstNode,
  ModelDefinitionCstNode,
  PrimaryCstNode,
  StatementCstNode,
  SymbolCstNode,
  TermCstNode,
  UnaryCstNode,
} from '../../grammar/cst.js';
import { lexer, parse } from '../../grammar/parse.js';
import { Comment, Semicolon, allTokens } from '../../grammar/tokens.js';
import { type Diagnostic, Source, hasErrors } from '../../src/diagnostics.js';

export interface FormatResult {
  /** The formatted text; null when the source has syntax errors (`diagnostics` lists them). */
  readonly text: string | null;
  /** The source's syntax errors (formatting needs no more than a parse). */
  readonly diagnostics: readonly Diagnostic[];
}

const INDENT = '  ';

/** The language's tokens, with comments kept in a group instead of skipped. */
const KeptComment = createToken({ name: 'Comment', pattern: Comment.PATTERN, group: 'comments' });
const commentLexer = new Lexer(
  allTokens.map((t) => (t === Comment ? KeptComment : t)),
  { positionTracking: 'onlyOffset', ensureOptimizations: false },
);

export function formatSource(text: string | Source, name = '<input>'): FormatResult {
  const source = typeof text === 'string' ? new Source(text, name) : text;
  const parsed = parse(source);
  if (hasErrors(parsed.diagnostics)) return { text: null, diagnostics: parsed.diagnostics };
  const comments = commentsOf(source.body);
  const layout = new Layout(comments);
  for (const definition of parsed.definitions) layout.definition(definition);
  const formatted = render(source.body, layout.lines, comments);
  assertSameTokens(source.body, formatted);
  return { text: formatted, diagnostics: parsed.diagnostics };
}

interface SourceComment {
  readonly start: number;
  readonly end: number;
  /** As written, trailing white space removed. */
  readonly text: string;
}

function commentsOf(body: string): SourceComment[] {
  const groups = commentLexer.tokenize(body).groups.comments ?? [];
  return groups.map((t) => ({ start: t.startOffset, end: t.startOffset + t.image.length, text: t.image.trimEnd() }));
}

// ---------------------------------------------------------------------------
// Lines: the code of the output, one entry per output line, with the source span it
// came from (so comments and blank lines can be placed by source position).

interface Line {
  readonly depth: number;
  readonly text: string;
  /** Source offsets: first character of its first token, and just past its last token. */
  readonly start: number;
  readonly end: number;
  /** `open` ends with `{`, `close` is a `}`; `definition` opens a top-level definition. */
  readonly role: 'open' | 'close' | 'plain';
  readonly definition: boolean;
}

const tokenEnd = (token: IToken) => token.startOffset + token.image.length;

class Layout {
  readonly lines: Line[] = [];
  readonly #comments: readonly SourceComment[];

  constructor(comments: readonly SourceComment[]) {
    this.#comments = comments;
  }

  definition(node: ModelDefinitionCstNode | BlockDefinitionCstNode): void {
    const c = node.children;
    let header: string;
    let first: IToken;
    if (node.name === 'modelDefinition') {
      first = node.children.Model[0];
      header = `model ${node.children.name[0].image}`;
    } else {
      const b = node.children;
      first = b.Block[0];
      const params = b.LParen ? `(${(b.parameter ?? []).map((p) => p.children.name[0].image + (p.children.default ? `=${expression(p.children.default[0])}` : '')).join(', ')})` : '';
      header = `block ${b.name[0].image}${params}`;
    }
    this.#body(c.body[0], 0, header, first.startOffset, true);
  }

  /** Whether a comment starts in [start, end); comments are in source order, so a binary search finds the first at or after `start`. */
  #hasCommentIn(start: number, end: number): boolean {
    let lo = 0;
    let hi = this.#comments.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#comments[mid].start < start) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.#comments.length && this.#comments[lo].start < end;
  }

  #body(body: BodyCstNode, depth: number, header: string, start: number, definition: boolean): void {
    const open = body.children.LBrace[0];
    const close = body.children.RBrace[0];
    const statements = body.children.statement ?? [];
    if (statements.length === 0 && !this.#hasCommentIn(open.startOffset, close.startOffset)) {
      this.lines.push({ depth, text: `${header} {}`, start, end: tokenEnd(close), role: 'plain', definition });
      return;
    }
    this.lines.push({ depth, text: `${header} {`, start, end: tokenEnd(open), role: 'open', definition });
    for (const statement of statements) this.#statement(statement, depth + 1);
    this.lines.push({ depth, text: '}', start: close.startOffset, end: tokenEnd(close), role: 'close', definition: false });
  }

  #statement(node: StatementCstNode, depth: number): void {
    const start = node.location!.startOffset;
    const end = node.location!.endOffset! + 1;
    const repeat = node.children.repeatStatement?.[0];
    if (repeat) {
      const header = `repeat ${expression(repeat.children.count[0])}`;
      const inner = repeat.children.body[0].children.statement ?? [];
      if (inner.length === 1 && !inner[0].children.repeatStatement && !this.#hasCommentIn(start, end)) {
        this.lines.push({ depth, text: `${header} { ${statementText(inner[0])} }`, start, end, role: 'plain', definition: false });
      } else {
        this.#body(repeat.children.body[0], depth, header, start, false);
      }
      return;
    }
    const previous = this.lines.at(-1);
    if (previous && previous.role === 'plain' && previous.end === start && isBareTuple(node)) {
      // Keras's `Dense(3)(x)`, an error whose message explains the `->` form only while
      // the tuple touches the call: kept on the call's line, as written.
      this.lines[this.lines.length - 1] = { ...previous, text: previous.text + statementText(node), end };
      return;
    }
    this.lines.push({ depth, text: wrapped(node, depth), start, end, role: 'plain', definition: false });
  }
}

/** Lines longer than this are wrapped where a chain has steps. */
const WIDTH = 100;

/**
 * A statement on one line, or, when that line would pass WIDTH and the statement is a
 * chain of two calls or more, broken before `->`: as many steps on each line as fit,
 * the continuation lines one level deeper. (A single long call stays on its line, so
 * what printGraph writes, one call per statement, is canonical as it is.)
 */
function wrapped(node: StatementCstNode, depth: number): string {
  const text = statementText(node);
  const c = node.children;
  const chainNode = c.assignment?.[0].children.chain[0] ?? c.chain?.[0];
  const steps = chainNode?.children.steps ?? [];
  const calls = steps.length + (chainNode?.children.headCall ? 1 : 0);
  if (INDENT.length * depth + text.length <= WIDTH || !chainNode || calls < 2) return text;
  const prefix = c.assignment ? `${c.assignment[0].children.name[0].image} = ` : '';
  const continuation = INDENT.repeat(depth + 1);
  const lines = [INDENT.repeat(depth) + prefix + chainHead(chainNode)];
  for (const step of steps.map(call)) {
    const last = lines[lines.length - 1];
    if (last.length + 4 + step.length <= WIDTH) lines[lines.length - 1] = `${last} -> ${step}`;
    else lines.push(`${continuation}-> ${step}`);
  }
  return lines.join('\n').slice(INDENT.length * depth);
}

/** A statement that is a tuple and nothing else, `(x)`: always an error, but it parses. */
function isBareTuple(node: StatementCstNode): boolean {
  const chain = node.children.chain?.[0];
  return chain !== undefined && chain.children.head !== undefined && (chain.children.steps ?? []).length === 0;
}

/** A statement other than `repeat`, on one line. */
function statementText(node: StatementCstNode): string {
  const c = node.children;
  if (c.inputStatement) {
    const input = c.inputStatement[0].children;
    return `input ${input.name[0].image}${input.shape ? `: ${list(input.shape[0])}` : ''}`;
  }
  if (c.outputStatement) return `output ${c.outputStatement[0].children.names.map((t) => t.image).join(', ')}`;
  if (c.assignment) return `${c.assignment[0].children.name[0].image} = ${chain(c.assignment[0].children.chain[0])}`;
  if (c.chain) return chain(c.chain[0]);
  throw new Error('formatSource: a repeat statement reached statementText');
}

function chain(node: ChainCstNode): string {
  return [chainHead(node), ...(node.children.steps ?? []).map(call)].join(' -> ');
}

function chainHead(node: ChainCstNode): string {
  const c = node.children;
  return c.head ? `(${c.head[0].children.names.map((t) => t.image).join(', ')})` : call(c.headCall![0]);
}

/** A call or a symbol with arguments: `()` kept where written, even empty (`relu()` is no symbol). */
function call(node: CallCstNode | SymbolCstNode): string {
  const c = node.children;
  return c.LParen ? `${c.name[0].image}(${c.argumentList ? argumentList(c.argumentList[0]) : ''})` : c.name[0].image;
}

function argumentList(node: ArgumentListCstNode): string {
  return node.children.argument
    .map((argument) => {
      const key = argument.children.key?.[0];
      const value = expression(argument.children.value[0]);
      return key ? `${key.image}=${value}` : value;
    })
    .join(', ');
}

function expression(node: ExpressionCstNode): string {
  return joinOperators(node.children.operands.map(term), node.children.operators ?? []);
}

function term(node: TermCstNode): string {
  return joinOperators(node.children.operands.map(unary), node.children.operators ?? []);
}

function joinOperators(operands: readonly string[], operators: readonly IToken[]): string {
  let text = operands[0];
  for (let i = 0; i < operators.length; i++) text += ` ${operators[i].image} ${operands[i + 1]}`;
  return text;
}

function unary(node: UnaryCstNode): string {
  return node.children.negated ? `-${unary(node.children.negated[0])}` : primary(node.children.primary![0]);
}

function primary(node: PrimaryCstNode): string {
  const c = node.children;
  const token = c.NumberLiteral?.[0] ?? c.StringLiteral?.[0] ?? c.True?.[0] ?? c.False?.[0] ?? c.Null?.[0];
  if (token) return token.image;
  if (c.list) return list(c.list[0]);
  if (c.parenthesized) return `(${expression(c.parenthesized[0].children.expression[0])})`;
  return call(c.symbol![0]);
}

function list(node: ListCstNode): string {
  return `[${(node.children.items ?? []).map(expression).join(', ')}]`;
}

// ---------------------------------------------------------------------------
// Comments and blank lines placed among the lines.

interface Entry {
  readonly depth: number;
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly role: Line['role'] | 'comment';
  /** The first entry of a top-level definition (its leading comments or its header): one blank line before it. */
  readonly opensDefinition: boolean;
}

function render(body: string, lines: readonly Line[], comments: readonly SourceComment[]): string {
  const leading: SourceComment[][] = lines.map(() => []);
  const trailing: (SourceComment | undefined)[] = lines.map(() => undefined);
  const atEnd: SourceComment[] = [];
  let j = -1; // the last line starting at or before the comment
  for (const comment of comments) {
    while (j + 1 < lines.length && lines[j + 1].start <= comment.start) j++;
    if (j >= 0 && comment.start >= lines[j].end && !/[\n\r]/.test(body.slice(lines[j].end, comment.start)) && trailing[j] === undefined) {
      trailing[j] = comment;
    } else if (j >= 0 && comment.start < lines[j].end) {
      leading[j].push(comment); // inside a statement that spans lines: moved above it
    } else if (j + 1 < lines.length) {
      leading[j + 1].push(comment);
    } else {
      atEnd.push(comment);
    }
  }

  const entries: Entry[] = [];
  lines.forEach((line, i) => {
    const depth = line.role === 'close' ? line.depth + 1 : line.depth;
    leading[i].forEach((comment, k) => {
      entries.push({ depth, text: comment.text, start: comment.start, end: comment.end, role: 'comment', opensDefinition: line.definition && k === 0 });
    });
    const text = trailing[i] ? `${line.text}  ${trailing[i]!.text}` : line.text;
    entries.push({ depth: line.depth, text, start: line.start, end: Math.max(line.end, trailing[i]?.end ?? 0), role: line.role, opensDefinition: line.definition && leading[i].length === 0 });
  });
  for (const comment of atEnd) entries.push({ depth: 0, text: comment.text, start: comment.start, end: comment.end, role: 'comment', opensDefinition: false });

  const out: string[] = [];
  let previous: Entry | undefined;
  let previousEnd = 0;
  for (const entry of entries) {
    if (previous) {
      const blank = entry.opensDefinition || (previous.role !== 'open' && entry.role !== 'close' && hasBlankLine(body.slice(previousEnd, entry.start)));
      if (blank) out.push('');
    }
    out.push(INDENT.repeat(entry.depth) + entry.text);
    previous = entry;
    previousEnd = Math.max(previousEnd, entry.end);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** Whether the text between two entries holds an empty line (white space and `;` only). */
function hasBlankLine(between: string): boolean {
  return /\n[ \t\r;]*\n/.test(between.replace(/\r\n?/g, '\n'));
}

// ---------------------------------------------------------------------------

/** The formatter may move white space, `;` and comments' places, nothing else. */
function assertSameTokens(before: string, after: string): void {
  const significant = (text: string) =>
    lexer
      .tokenize(text)
      .tokens.filter((t) => t.tokenType !== Semicolon)
      .map((t) => t.image);
  const a = significant(before);
  const b = significant(after);
  const comments = (text: string) => commentsOf(text).map((c) => c.text);
  const sameTokens = a.length === b.length && a.every((image, i) => image === b[i]);
  const ca = comments(before);
  const cb = comments(after);
  if (!sameTokens || ca.length !== cb.length || ca.some((c, i) => c !== cb[i])) throw new Error('formatSource changed the tokens or comments of the source (a bug in nnc)');
}
