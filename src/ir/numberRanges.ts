// The ranges a numeric layer attribute may take, described once: the language checks
// arguments against them (compiler/layers/paramTypes.ts) and the bundle loader checks
// a model.json's attributes against the same ones (src/ir/json.ts), so a bundle cannot
// carry a value the language would refuse (an epsilon of 0, a Dropout rate of 1).

export interface NumberRange {
  /** What the value must be, for messages: "a positive number". */
  readonly expects: string;
  readonly accept: (n: number) => boolean;
}

const range = (expects: string, accept: (n: number) => boolean): NumberRange => ({ expects, accept });

export const NUMBER_RANGES = {
  integer: range('an integer', (n) => Number.isSafeInteger(n)),
  finite: range('a number', (n) => Number.isFinite(n)),
  nonNegative: range('a non-negative number', (n) => n >= 0),
  positive: range('a positive number', (n) => n > 0),
  unitInterval: range('a number in [0, 1)', (n) => n >= 0 && n < 1),
  probability: range('a number in [0, 1]', (n) => n >= 0 && n <= 1),
} as const satisfies Record<string, NumberRange>;
