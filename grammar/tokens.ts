// The tokens of the `.nn` language, in matching order: keywords before `Identifier`
// (with `longer_alt`, so `modelName` is one identifier), `->` before `-`, and the
// unterminated string after the string, so a missing quote is one clear error
// instead of a cascade of bad characters.

import { Lexer, createToken, type TokenType } from 'chevrotain';

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED, line_breaks: true });
export const Comment = createToken({ name: 'Comment', pattern: /#[^\n\r]*/, group: Lexer.SKIPPED });

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: 'a name' });

function keyword(word: string): TokenType {
  const name = word[0].toUpperCase() + word.slice(1);
  return createToken({ name, pattern: new RegExp(word), longer_alt: Identifier, label: `'${word}'` });
}

export const Model = keyword('model');
export const Block = keyword('block');
export const Input = keyword('input');
export const Output = keyword('output');
export const Repeat = keyword('repeat');
export const True = keyword('true');
export const False = keyword('false');
export const Null = keyword('null');

export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/, label: 'a number' });
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*"/, label: 'a string' });
/** A string with no closing quote on its line; reported by `lex`, then parsed as a string. */
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*\\?/, label: 'a string' });

export const Arrow = createToken({ name: 'Arrow', pattern: /->/, label: "'->'" });
export const LBrace = createToken({ name: 'LBrace', pattern: /\{/, label: "'{'" });
export const RBrace = createToken({ name: 'RBrace', pattern: /\}/, label: "'}'" });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, label: "')'" });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: 'RBracket', pattern: /\]/, label: "']'" });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: "','" });
export const Equals = createToken({ name: 'Equals', pattern: /=/, label: "'='" });
export const Colon = createToken({ name: 'Colon', pattern: /:/, label: "':'" });
export const Semicolon = createToken({ name: 'Semicolon', pattern: /;/, label: "';'" });
export const Plus = createToken({ name: 'Plus', pattern: /\+/, label: "'+'" });
export const Minus = createToken({ name: 'Minus', pattern: /-/, label: "'-'" });
export const Star = createToken({ name: 'Star', pattern: /\*/, label: "'*'" });
export const Slash = createToken({ name: 'Slash', pattern: /\//, label: "'/'" });

/** Matching order matters: see the header comment. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  Model,
  Block,
  Input,
  Output,
  Repeat,
  True,
  False,
  Null,
  Identifier,
  NumberLiteral,
  StringLiteral,
  UnterminatedString,
  Arrow,
  LBrace,
  RBrace,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Equals,
  Colon,
  Semicolon,
  Plus,
  Minus,
  Star,
  Slash,
];

export const KEYWORDS = ['model', 'block', 'input', 'output', 'repeat', 'true', 'false', 'null'] as const;
