// Argument expressions evaluated to values: numbers, strings and symbols, booleans,
// null, lists, and symbols with arguments (`l2(0.01)`). Block parameters are
// substituted here; every value keeps the location it was written at, so an error
// about a value passed into a block points at the caller's text.

import type { IToken } from 'chevrotain';
import type {
  ArgumentListCstNode,
  ExpressionCstNode,
  ListCstNode,
  PrimaryCstNode,
  SymbolCstNode,
  TermCstNode,
  UnaryCstNode,
} from '../grammar/cst.js';
import { type Diagnostic, type Location, type Source, error } from '../src/diagnostics.js';
import { type Arguments, type KeywordArgument, NO_ARGUMENTS, type Value, describeValue } from '../src/ir/layers/values.js';

// Defined at the ground, where the layer definitions check arguments; re-exported for the front end.
export { type Arguments, type KeywordArgument, type Value, NO_ARGUMENTS, containsUnknown, describeValue } from '../src/ir/layers/values.js';

export function tokenLocation(source: Source, token: IToken): Location {
  return { source, start: token.startOffset, end: token.startOffset + token.image.length };
}

function spanLocation(source: Source, first: Location, last: Location): Location {
  return { source, start: first.start, end: Math.max(first.end, last.end) };
}

/** Evaluates expressions; `parameters` are the enclosing block's parameters. */
export class Evaluator {
  readonly source: Source;
  readonly diagnostics: Diagnostic[];
  readonly parameters: ReadonlyMap<string, Value>;
  /** Called once per value written in the text as it is evaluated: lowering counts this work against its budget. */
  readonly charge: ((loc: Location) => void) | undefined;

  constructor(source: Source, diagnostics: Diagnostic[], parameters: ReadonlyMap<string, Value> = new Map(), charge?: (loc: Location) => void) {
    this.source = source;
    this.diagnostics = diagnostics;
    this.parameters = parameters;
    this.charge = charge;
  }

  withParameters(parameters: ReadonlyMap<string, Value>): Evaluator {
    return new Evaluator(this.source, this.diagnostics, parameters, this.charge);
  }

  /** The value, or null after reporting why there is none. */
  expression(node: ExpressionCstNode): Value | null {
    return this.fold(node.children.operands, node.children.operators ?? [], (t) => this.term(t));
  }

  arguments(node: ArgumentListCstNode | undefined): Arguments | null {
    if (!node) return NO_ARGUMENTS;
    const positional: Value[] = [];
    const keyword: KeywordArgument[] = [];
    let ok = true;
    for (const argument of node.children.argument) {
      const value = this.expression(argument.children.value[0]);
      const keyToken = argument.children.key?.[0];
      if (value === null) {
        ok = false;
        continue;
      }
      if (keyToken) {
        const keyLoc = tokenLocation(this.source, keyToken);
        const previous = keyword.find((k) => k.key === keyToken.image);
        if (previous) {
          this.report(`argument '${keyToken.image}' is given twice`, keyLoc);
          ok = false;
          continue;
        }
        keyword.push({ key: keyToken.image, keyLoc, value });
      } else {
        if (keyword.length > 0) {
          this.report(`positional argument ${describeValue(value)} follows a keyword argument: positional arguments come first`, value.loc);
          ok = false;
          continue;
        }
        positional.push(value);
      }
    }
    return ok ? { positional, keyword } : null;
  }

  private term(node: TermCstNode): Value | null {
    return this.fold(node.children.operands, node.children.operators ?? [], (u) => this.unary(u));
  }

  private fold<T>(operands: readonly T[], operators: readonly IToken[], evaluate: (operand: T) => Value | null): Value | null {
    let left = evaluate(operands[0]);
    for (let i = 0; i < operators.length; i++) {
      const right = evaluate(operands[i + 1]);
      if (left === null || right === null) return null;
      left = this.arithmetic(operators[i], left, right);
    }
    return left;
  }

  private arithmetic(operator: IToken, left: Value, right: Value): Value | null {
    const loc = spanLocation(this.source, left.loc, right.loc);
    if (left.kind === 'unknown' || right.kind === 'unknown') return { kind: 'unknown', loc };
    if (left.kind !== 'number' || right.kind !== 'number') {
      const culprit = left.kind !== 'number' ? left : right;
      this.report(`'${operator.image}' needs numbers on both sides, found ${describeValue(culprit)}`, culprit.loc);
      return null;
    }
    if (operator.image === '/' && right.value === 0) {
      this.report('division by zero', loc);
      return null;
    }
    const value = operator.image === '+' ? left.value + right.value : operator.image === '-' ? left.value - right.value : operator.image === '*' ? left.value * right.value : left.value / right.value;
    if (!Number.isFinite(value)) {
      this.report(`arithmetic result is too large to represent`, loc);
      return null;
    }
    return { kind: 'number', value, loc };
  }

  private unary(node: UnaryCstNode): Value | null {
    const minus = node.children.Minus?.[0];
    if (minus && node.children.negated) {
      const operand = this.unary(node.children.negated[0]);
      if (operand === null) return null;
      const loc = spanLocation(this.source, tokenLocation(this.source, minus), operand.loc);
      if (operand.kind === 'unknown') return { kind: 'unknown', loc };
      if (operand.kind !== 'number') {
        this.report(`unary '-' needs a number, found ${describeValue(operand)}`, operand.loc);
        return null;
      }
      return { kind: 'number', value: -operand.value, loc };
    }
    return this.primary(node.children.primary![0]);
  }

  private primary(node: PrimaryCstNode): Value | null {
    const c = node.children;
    if (this.charge) {
      const start = node.location?.startOffset ?? 0;
      this.charge({ source: this.source, start, end: start + 1 });
    }
    if (c.NumberLiteral) {
      const token = c.NumberLiteral[0];
      const loc = tokenLocation(this.source, token);
      const value = Number(token.image);
      if (!Number.isFinite(value)) {
        this.report(`number ${token.image} is too large to represent`, loc);
        return null;
      }
      return { kind: 'number', value, loc };
    }
    if (c.StringLiteral) {
      const token = c.StringLiteral[0];
      return { kind: 'string', value: unescapeString(token.image), quoted: true, loc: tokenLocation(this.source, token) };
    }
    if (c.True) return { kind: 'bool', value: true, loc: tokenLocation(this.source, c.True[0]) };
    if (c.False) return { kind: 'bool', value: false, loc: tokenLocation(this.source, c.False[0]) };
    if (c.Null) return { kind: 'null', loc: tokenLocation(this.source, c.Null[0]) };
    if (c.list) return this.list(c.list[0]);
    if (c.parenthesized) return this.expression(c.parenthesized[0].children.expression[0]);
    return this.symbol(c.symbol![0]);
  }

  list(node: ListCstNode): Value | null {
    const loc = spanLocation(this.source, tokenLocation(this.source, node.children.LBracket[0]), tokenLocation(this.source, node.children.RBracket[0]));
    const items: Value[] = [];
    let ok = true;
    for (const item of node.children.items ?? []) {
      const value = this.expression(item);
      if (value === null) ok = false;
      else items.push(value);
    }
    return ok ? { kind: 'list', items, loc } : null;
  }

  private symbol(node: SymbolCstNode): Value | null {
    const token = node.children.name[0];
    const loc = tokenLocation(this.source, token);
    if (node.children.LParen) {
      const args = this.arguments(node.children.argumentList?.[0]);
      if (args === null) return null;
      const end = node.children.RParen ? tokenLocation(this.source, node.children.RParen[0]) : loc;
      return { kind: 'call', name: token.image, args, loc: spanLocation(this.source, loc, end) };
    }
    const parameter = this.parameters.get(token.image);
    if (parameter !== undefined) return parameter;
    return { kind: 'string', value: token.image, quoted: false, loc };
  }

  private report(message: string, loc: Location): void {
    this.diagnostics.push(error(message, loc));
  }
}

/** The text of a string literal: quotes removed, `\"` and `\\` unescaped (other escapes were reported by the lexer). */
function unescapeString(image: string): string {
  return image.slice(1, -1).replace(/\\(.)/g, '$1');
}
