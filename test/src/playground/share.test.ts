import test from 'ava';
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { decodeSource, encodeSource } from '../../../src/playground/share.js';

test('a source survives the URL: UTF-8, comments, every example', (t) => {
  for (const text of ['', 'model M { # Géron — ✓\n input x: [2]\n Dense(1) }\n', readFileSync('examples/tiny_resnet.nn', 'utf8')]) {
    const hash = encodeSource(text);
    t.regex(hash, /^[A-Za-z0-9_-]*$/);
    t.is(decodeSource(hash), text);
    // Independent check: the hash is base64url of a raw deflate stream that Node's zlib reads.
    t.is(inflateRawSync(Buffer.from(hash, 'base64url')).toString('utf8'), text);
  }
});

test('a hand-edited or truncated link gives no source, not an exception', (t) => {
  const hash = encodeSource(readFileSync('examples/geron.nn', 'utf8'));
  t.is(decodeSource(hash.slice(0, 20)), null);
  t.is(decodeSource('%%%'), null);
});
