// Syntax error messages in one voice: "expected X, found Y".

import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
import { didYouMean } from '../src/diagnostics.js';

/** What a rule is, for "expected ..." when no single token was expected. */
const RULE_DESCRIPTIONS: Record<string, string> = {
  file: "'model' or 'block'",
  statement: "a statement ('input', 'output', 'repeat', NAME = ..., or a layer call)",
  chain: 'a layer call or a tuple of values such as (a, b)',
  primary: 'a value (a number, a string, a list, true, false, null or a name)',
  unary: 'a value (a number, a string, a list, true, false, null or a name)',
  expression: 'a value (a number, a string, a list, true, false, null or a name)',
  term: 'a value (a number, a string, a list, true, false, null or a name)',
  body: "'{'",
};

export function describeToken(token: IToken): string {
  if (token.tokenType === EOF) return 'the end of the file';
  if (token.tokenType.name === 'StringLiteral' || token.tokenType.name === 'UnterminatedString') return `string ${token.image}`;
  return `'${token.image}'`;
}

export function tokenTypeLabel(type: TokenType): string {
  return type === EOF ? 'the end of the file' : (type.LABEL ?? type.name);
}

function firstTokens(paths: TokenType[][]): string[] {
  const labels = new Set<string>();
  for (const path of paths) if (path.length > 0) labels.add(tokenTypeLabel(path[0]));
  return [...labels];
}

function oneOf(labels: string[]): string {
  if (labels.length <= 1) return labels[0] ?? 'something else';
  return `${labels.slice(0, -1).join(', ')} or ${labels[labels.length - 1]}`;
}

/** `modle M { ... }` is a misspelt keyword: say so. */
function topLevelMessage(actual: IToken): string {
  const hint = actual.tokenType.name === 'Identifier' ? didYouMean(actual.image, ['model', 'block']) : '';
  return `expected 'model' or 'block' at the top level, found ${describeToken(actual)}${hint}`;
}

export const parserErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    // The only rule that expects the end of the file is the top level.
    if (expected === EOF) return topLevelMessage(actual);
    return `expected ${tokenTypeLabel(expected)}, found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return topLevelMessage(firstRedundant);
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const described = RULE_DESCRIPTIONS[ruleName];
    const expected = described ?? oneOf(firstTokens(expectedPathsPerAlt.flat()));
    return `expected ${expected}, found ${describeToken(actual[0])}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const described = RULE_DESCRIPTIONS[ruleName];
    const expected = described ?? oneOf(firstTokens(expectedIterationPaths));
    return `expected at least one ${expected}, found ${describeToken(actual[0])}`;
  },
};
