import test from 'ava';
import { crc32 } from '../../../src/formats/crc32.js';

test('CRC-32 matches the standard check values', (t) => {
  // The catalogue check value of CRC-32/ISO-HDLC is the CRC of "123456789".
  t.is(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  t.is(crc32(new Uint8Array(0)), 0);
  t.is(crc32(new TextEncoder().encode('The quick brown fox jumps over the lazy dog')), 0x414fa339);
  t.is(crc32(new Uint8Array(32)), 0x190a55ad);
});
