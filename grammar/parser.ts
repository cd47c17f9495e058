// The `.nn` grammar as a Chevrotain CstParser. Syntax only: names are not resolved
// and values not checked here (that is compiler/lower/). Error recovery is on, so
// one pass reports every syntax error it can and still builds a CST.
//
//   file        := (modelDef | blockDef)*
//   modelDef    := 'model' NAME body
//   blockDef    := 'block' NAME ('(' (param (',' param)*)? ')')? body
//   param       := NAME ('=' expression)?
//   body        := '{' (statement | ';')* '}'
//   statement   := input | output | repeat | NAME '=' chain | chain
//   input       := 'input' NAME (':' list)?
//   output      := 'output' NAME (',' NAME)*
//   repeat      := 'repeat' expression body
//   chain       := (tuple | call) ('->' call)*
//   tuple       := '(' NAME (',' NAME)* ')'
//   call        := NAME ('(' arguments? ')')?      -- '(' on the same line as NAME
//   arguments   := argument (',' argument)*
//   argument    := (NAME '=')? expression
//   expression  := term (('+' | '-') term)*
//   term        := unary (('*' | '/') unary)*
//   unary       := '-' unary | primary
//   primary     := NUMBER | STRING | 'true' | 'false' | 'null' | list | '(' expression ')' | NAME ('(' arguments? ')')?
//   list        := '[' (expression (',' expression)*)? ']'
//
// Newlines are white space, with one exception that keeps the language's own examples
// unambiguous: a call's '(' must be on the line of its name. Otherwise
//   BatchNormalization
//   (x, y) -> Add
// would read as `BatchNormalization(x, y)`.

import { CstParser, type IToken } from 'chevrotain';
import {
  Arrow,
  Block,
  Colon,
  Comma,
  Equals,
  False,
  Identifier,
  Input,
  LBrace,
  LBracket,
  LParen,
  Minus,
  Model,
  Null,
  NumberLiteral,
  Output,
  Plus,
  RBrace,
  RBracket,
  RParen,
  Repeat,
  Semicolon,
  Slash,
  Star,
  StringLiteral,
  True,
  allTokens,
} from './tokens.js';
import { parserErrorMessages } from './messages.js';

export class NnParser extends CstParser {
  constructor() {
    super(allTokens, {
      recoveryEnabled: true,
      maxLookahead: 3,
      nodeLocationTracking: 'onlyOffset',
      errorMessageProvider: parserErrorMessages,
    });
    this.performSelfAnalysis();
  }

  file = this.RULE('file', () => {
    this.MANY(() => {
      this.OR([{ ALT: () => this.SUBRULE(this.modelDefinition) }, { ALT: () => this.SUBRULE(this.blockDefinition) }]);
    });
  });

  modelDefinition = this.RULE('modelDefinition', () => {
    this.CONSUME(Model);
    this.CONSUME(Identifier, { LABEL: 'name' });
    this.SUBRULE(this.body);
  });

  blockDefinition = this.RULE('blockDefinition', () => {
    this.CONSUME(Block);
    this.CONSUME(Identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(LParen);
      this.OPTION2(() => {
        this.SUBRULE(this.parameter);
        this.MANY(() => {
          this.CONSUME(Comma);
          this.SUBRULE2(this.parameter);
        });
      });
      this.CONSUME(RParen);
    });
    this.SUBRULE(this.body);
  });

  parameter = this.RULE('parameter', () => {
    this.CONSUME(Identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(Equals);
      this.SUBRULE(this.expression, { LABEL: 'default' });
    });
  });

  body = this.RULE('body', () => {
    this.CONSUME(LBrace);
    this.MANY(() => {
      this.OR([{ ALT: () => this.SUBRULE(this.statement) }, { ALT: () => this.CONSUME(Semicolon) }]);
    });
    this.CONSUME(RBrace);
  });

  statement = this.RULE('statement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.inputStatement) },
      { ALT: () => this.SUBRULE(this.outputStatement) },
      { ALT: () => this.SUBRULE(this.repeatStatement) },
      { ALT: () => this.SUBRULE(this.assignment) },
      { ALT: () => this.SUBRULE(this.chain) },
    ]);
  });

  inputStatement = this.RULE('inputStatement', () => {
    this.CONSUME(Input);
    this.CONSUME(Identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(Colon);
      this.SUBRULE(this.list, { LABEL: 'shape' });
    });
  });

  outputStatement = this.RULE('outputStatement', () => {
    this.CONSUME(Output);
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.CONSUME(Identifier, { LABEL: 'names' }) });
  });

  repeatStatement = this.RULE('repeatStatement', () => {
    this.CONSUME(Repeat);
    this.SUBRULE(this.expression, { LABEL: 'count' });
    this.SUBRULE(this.body);
  });

  assignment = this.RULE('assignment', () => {
    this.CONSUME(Identifier, { LABEL: 'name' });
    this.CONSUME(Equals);
    this.SUBRULE(this.chain);
  });

  chain = this.RULE('chain', () => {
    this.OR([{ ALT: () => this.SUBRULE(this.tuple, { LABEL: 'head' }) }, { ALT: () => this.SUBRULE(this.call, { LABEL: 'headCall' }) }]);
    this.MANY(() => {
      this.CONSUME(Arrow);
      this.SUBRULE2(this.call, { LABEL: 'steps' });
    });
  });

  tuple = this.RULE('tuple', () => {
    this.CONSUME(LParen);
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.CONSUME(Identifier, { LABEL: 'names' }) });
    this.CONSUME(RParen);
  });

  call = this.RULE('call', () => {
    const name = this.CONSUME(Identifier, { LABEL: 'name' });
    this.OPTION({
      GATE: () => onSameLine(name, this.LA(1)),
      DEF: () => {
        this.CONSUME(LParen);
        this.OPTION2(() => this.SUBRULE(this.argumentList));
        this.CONSUME(RParen);
      },
    });
  });

  argumentList = this.RULE('argumentList', () => {
    this.SUBRULE(this.argument);
    this.MANY(() => {
      this.CONSUME(Comma);
      this.SUBRULE2(this.argument);
    });
  });

  argument = this.RULE('argument', () => {
    this.OPTION({
      GATE: () => this.LA(2).tokenType === Equals,
      DEF: () => {
        this.CONSUME(Identifier, { LABEL: 'key' });
        this.CONSUME(Equals);
      },
    });
    this.SUBRULE(this.expression, { LABEL: 'value' });
  });

  expression = this.RULE('expression', () => {
    this.SUBRULE(this.term, { LABEL: 'operands' });
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(Plus, { LABEL: 'operators' }) }, { ALT: () => this.CONSUME(Minus, { LABEL: 'operators' }) }]);
      this.SUBRULE2(this.term, { LABEL: 'operands' });
    });
  });

  term = this.RULE('term', () => {
    this.SUBRULE(this.unary, { LABEL: 'operands' });
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(Star, { LABEL: 'operators' }) }, { ALT: () => this.CONSUME(Slash, { LABEL: 'operators' }) }]);
      this.SUBRULE2(this.unary, { LABEL: 'operands' });
    });
  });

  unary = this.RULE('unary', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Minus);
          this.SUBRULE(this.unary, { LABEL: 'negated' });
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
    ]);
  });

  primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.CONSUME(NumberLiteral) },
      { ALT: () => this.CONSUME(StringLiteral) },
      { ALT: () => this.CONSUME(True) },
      { ALT: () => this.CONSUME(False) },
      { ALT: () => this.CONSUME(Null) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.SUBRULE(this.parenthesized) },
      { ALT: () => this.SUBRULE(this.symbol) },
    ]);
  });

  list = this.RULE('list', () => {
    this.CONSUME(LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expression, { LABEL: 'items' });
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.expression, { LABEL: 'items' });
      });
    });
    this.CONSUME(RBracket);
  });

  parenthesized = this.RULE('parenthesized', () => {
    this.CONSUME(LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(RParen);
  });

  symbol = this.RULE('symbol', () => {
    this.CONSUME(Identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(LParen);
      this.OPTION2(() => this.SUBRULE(this.argumentList));
      this.CONSUME(RParen);
    });
  });
}

function onSameLine(previous: IToken, next: IToken): boolean {
  // While Chevrotain records the grammar, tokens are placeholders without positions.
  if (previous.endLine === undefined || next.startLine === undefined) return true;
  return next.startLine === previous.endLine;
}

/** One parser instance is reused: Chevrotain parsers are built once and reset per input. */
export const parser = new NnParser();
