import test from 'ava';
import { highlightSpans } from '../../grammar/highlight.js';

const show = (text: string) => highlightSpans(text).map((s) => `${s.category}:${text.slice(s.from, s.to)}`);

test('every token gets the category of its token type; comments and rejected characters come from the gaps', (t) => {
  t.deepEqual(show('model M { # the input\n  input x: [28, 2.5e1]\n  Dense(3, name="d") -> $ReLU\n}'), [
    'keyword:model', 'name:M', 'punctuation:{', 'comment:# the input',
    'keyword:input', 'name:x', 'punctuation::', 'punctuation:[', 'number:28', 'punctuation:,', 'number:2.5e1', 'punctuation:]',
    'name:Dense', 'punctuation:(', 'number:3', 'punctuation:,', 'name:name', 'operator:=', 'string:"d"', 'punctuation:)', 'operator:->', 'invalid:$', 'name:ReLU',
    'punctuation:}',
  ]);
});

test('an unterminated string and a trailing comment are marked to the end of the text', (t) => {
  t.deepEqual(show('Dense(name="abc\n# end'), ['name:Dense', 'punctuation:(', 'name:name', 'operator:=', 'invalid:"abc', 'comment:# end']);
  t.deepEqual(show('modelx true'), ['name:modelx', 'keyword:true']);
});
