import test from 'ava';
import { NncError, Source, closest, didYouMean, editDistance, error, formatDiagnostic, formatDiagnostics, note, syntaxError, warning } from '../../src/diagnostics.js';

test('positions are 1-based lines and columns, computed from offsets', (t) => {
  const source = new Source('ab\ncd\n\nxyz', 'f.nn');
  t.deepEqual(source.position(0), { line: 1, column: 1 });
  t.deepEqual(source.position(2), { line: 1, column: 3 }); // the '\n' ends line 1
  t.deepEqual(source.position(3), { line: 2, column: 1 });
  t.deepEqual(source.position(6), { line: 3, column: 1 });
  t.deepEqual(source.position(9), { line: 4, column: 3 });
  t.deepEqual(source.position(10), { line: 4, column: 4 }); // the end of the text
  t.deepEqual(source.position(99), { line: 4, column: 4 }); // clamped
  t.is(source.line(2), 'cd');
  t.is(source.line(3), '');
  t.is(source.line(4), 'xyz');
});

test('CRLF line ends are not part of the line shown', (t) => {
  const source = new Source('ab\r\ncd', 'f.nn');
  t.is(source.line(1), 'ab');
  t.deepEqual(source.position(4), { line: 2, column: 1 });
});

test('a diagnostic prints file:line:column, the source line and carets under the span', (t) => {
  const source = new Source('model M {\n  Dence(3)\n}\n', 'model.nn');
  const d = error("unknown layer or block 'Dence'; did you mean 'Dense'?", { source, start: 12, end: 17 });
  t.is(formatDiagnostic(d), ["model.nn:2:3: error: unknown layer or block 'Dence'; did you mean 'Dense'?", '  |', '2 |   Dence(3)', '  |   ^^^^^'].join('\n'));
});

test('notes print with their own location and excerpt; a note may have none', (t) => {
  const source = new Source('a = 1\na = 2\n', 'n.nn');
  const d = error("value 'a' is already defined", { source, start: 6, end: 7 }, [note("'a' is defined here", { source, start: 0, end: 1 }), note('no location')]);
  t.is(
    formatDiagnostic(d),
    ["n.nn:2:1: error: value 'a' is already defined", '  |', '2 | a = 2', '  | ^', "n.nn:1:1: note: 'a' is defined here", '  |', '1 | a = 1', '  | ^', 'note: no location'].join('\n'),
  );
});

test('the gutter widens with the line number; tabs are shown as two spaces and the caret follows', (t) => {
  const body = `${'\n'.repeat(11)}\tx`;
  const source = new Source(body, 't.nn');
  const d = syntaxError(source, 12, "unexpected character 'x'");
  t.is(formatDiagnostic(d), ["t.nn:12:2: error: unexpected character 'x'", '   |', '12 |   x', '   |   ^'].join('\n'));
});

test('a span running past the end of its line gets carets to the end of that line only', (t) => {
  const source = new Source('abc\ndef', 's.nn');
  t.is(formatDiagnostic(error('m', { source, start: 1, end: 6 })).split('\n')[3], '  |  ^^');
});

test('an error at the end of the file still shows a caret', (t) => {
  const source = new Source('model M {', 'e.nn');
  t.is(formatDiagnostic(syntaxError(source, 9, "expected '}', found the end of the file")).split('\n')[3], '  |          ^');
});

test('a diagnostic without a location prints just its severity and message', (t) => {
  t.is(formatDiagnostic(warning('something odd')), 'warning: something odd');
  t.is(formatDiagnostics([error('one'), error('two')]), 'error: one\n\nerror: two');
});

test('NncError carries its diagnostics and prints them as its message', (t) => {
  const e = new NncError('cannot read file');
  t.is(e.message, 'cannot read file'); // no location: a plain sentence
  t.is(e.diagnostics[0].severity, 'error');
});

test('edit distance counts a swap of neighbours as one edit', (t) => {
  t.is(editDistance('Dense', 'Dense'), 0);
  t.is(editDistance('Dence', 'Dense'), 1);
  t.is(editDistance('Desne', 'Dense'), 1);
  t.is(editDistance('modle', 'model'), 1);
  t.is(editDistance('', 'abc'), 3);
  t.is(editDistance('kitten', 'sitting'), 3);
});

test('closest: case-insensitive match first, then a near name, never a wholesale replacement', (t) => {
  t.is(closest('dense', ['Dense', 'Conv2D']), 'Dense');
  t.is(closest('Dence', ['Conv2D', 'Dense']), 'Dense');
  t.is(closest('q', ['x', 'y']), undefined);
  t.is(closest('Transformer', ['Dense', 'Flatten']), undefined);
  t.is(closest('he_normall', ['he_normal', 'he_uniform']), 'he_normal');
  t.is(didYouMean('relu6x', ['relu6', 'relu']), "; did you mean 'relu6'?");
  t.is(didYouMean('zzz', ['relu']), '');
});
