import test from 'ava';
import { LiteralError, parsePythonLiteral, pythonText } from '../../../src/formats/pythonLiteral.js';

test('parses the literals a .npy header may hold', (t) => {
  const value = parsePythonLiteral(`{'a': (1, -2), "b": [True, None, False], 'c': '\\x41\\'\\u00e9', 'd': (7,), 'e': (), 'f': 12L}\n`);
  t.is(pythonText(value), `{'a': (1, -2), 'b': [True, None, False], 'c': 'A'é', 'd': (7,), 'e': (), 'f': 12}`);
  t.deepEqual(parsePythonLiteral('(3)'), { kind: 'int', value: 3n });
  t.deepEqual(parsePythonLiteral(' 123456789012345678901234567890 '), { kind: 'int', value: 123456789012345678901234567890n });
});

test('rejects what is not a literal, with the position', (t) => {
  const cases: [string, string][] = [
    ["{'a': 1, 'a': 2}", "key 'a' appears twice at character 12"],
    ['(1 2)', "expected ',' or ')' at character 3"],
    ["{1: 'a'}", 'dict keys must be strings at character 2'],
    ['1.5', 'only integers are expected here at character 1'],
    ["'abc", 'unterminated string starting at character 0'],
    ["'\\q'", 'bad escape in string at character 3'],
    ['os.system', "unexpected 'o' at character 0"],
    ['(1,) x', 'unexpected text after the literal at character 5'],
    ['[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]', 'literal nested more than 16 deep at character 17'],
  ];
  for (const [text, message] of cases) t.throws(() => parsePythonLiteral(text), { instanceOf: LiteralError, message }, text);
});
