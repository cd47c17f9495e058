import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { bfloat16BitsToFloat32, float16BitsToFloat32, float32ToFloat16Bits } from '../../../src/formats/float16.js';
import { readNpz } from '../../../src/formats/npz.js';

/** The next double above a positive finite double. */
function nextUp(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) + 1n);
  return view.getFloat64(0);
}

function nextDown(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) - 1n);
  return view.getFloat64(0);
}

/** The float32 neighbours of a float32 value (which is positive and finite here). */
function nextUp32(x: number): number {
  const bits = new Uint32Array(new Float32Array([x]).buffer);
  bits[0]++;
  return new Float32Array(bits.buffer)[0];
}

function nextDown32(x: number): number {
  const bits = new Uint32Array(new Float32Array([x]).buffer);
  bits[0]--;
  return new Float32Array(bits.buffer)[0];
}

test('known binary16 values decode exactly', (t) => {
  const cases: [number, number][] = [
    [0x0000, 0],
    [0x3c00, 1],
    [0xc000, -2],
    [0x3555, 0.333251953125],
    [0x7bff, 65504],
    [0x0400, 2 ** -14],
    [0x03ff, 1023 * 2 ** -24],
    [0x0001, 2 ** -24],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
  ];
  for (const [bits, value] of cases) t.is(float16BitsToFloat32(bits), value, `0x${bits.toString(16)}`);
  t.true(Object.is(float16BitsToFloat32(0x8000), -0));
  t.true(Number.isNaN(float16BitsToFloat32(0x7e00)));
  t.true(Number.isNaN(float16BitsToFloat32(0xfc01)));
});

test('all 65536 bit patterns survive decode then encode (NaNs become the quiet NaN 0x7e00)', (t) => {
  let mismatches = 0;
  for (let bits = 0; bits < 65536; bits++) {
    const value = float16BitsToFloat32(bits);
    const back = float32ToFloat16Bits(value);
    const isNaN = (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0;
    if (back !== (isNaN ? 0x7e00 : bits)) mismatches++;
  }
  t.is(mismatches, 0);
});

test('decoded values are strictly increasing over the positive finite patterns', (t) => {
  let previous = -1;
  let ordered = true;
  for (let bits = 0; bits <= 0x7bff; bits++) {
    const value = float16BitsToFloat32(bits);
    if (!(value > previous)) ordered = false;
    previous = value;
  }
  t.true(ordered);
});

test('every midpoint between neighbours rounds to the even one; its neighbours round to the nearer', (t) => {
  const failures: string[] = [];
  for (let bits = 0; bits < 0x7bff; bits++) {
    for (const sign of [1, -1]) {
      const low = float16BitsToFloat32(bits);
      const high = float16BitsToFloat32(bits + 1);
      const mid = (low + high) / 2; // exact: 12 significant bits
      const signBit = sign < 0 ? 0x8000 : 0;
      const even = bits % 2 === 0 ? bits : bits + 1;
      const expectations: [number, number][] = [
        [mid, even],
        [nextUp(mid), bits + 1],
        [nextDown(mid), bits],
        [nextUp32(mid), bits + 1],
        [nextDown32(mid), bits],
      ];
      for (const [value, expected] of expectations) {
        if (float32ToFloat16Bits(sign * value) !== (signBit | expected)) failures.push(`${sign * value} → expected 0x${(signBit | expected).toString(16)}`);
      }
    }
  }
  t.deepEqual(failures.slice(0, 5), []);
});

test('special values and range boundaries', (t) => {
  const cases: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [NaN, 0x7e00],
    [65504, 0x7bff],
    [nextDown(65520), 0x7bff], // just below the halfway point to 2^16
    [65520, 0x7c00], // halfway: ties to even, and the even neighbour is 2^16 = Infinity
    [-65520, 0xfc00],
    [1e10, 0x7c00],
    [2 ** -25, 0x0000], // halfway between 0 and the smallest subnormal: ties to 0
    [nextUp(2 ** -25), 0x0001],
    [3 * 2 ** -25, 0x0002], // halfway between 1 and 2 subnormal steps: ties to 2
    [1023.5 * 2 ** -24, 0x0400], // halfway between the largest subnormal and the smallest normal
    [2 ** -30, 0x0000],
    [-(2 ** -30), 0x8000], // underflow keeps the sign
    [1 + 2 ** -11, 0x3c00], // tie at 1: to even (1.0)
    [1 + 3 * 2 ** -11, 0x3c02], // tie: to even (1 + 2^-9)
    [1 + 2 ** -11 + 2 ** -40, 0x3c01], // float32 would round this to the tie and then to 1: no double rounding
    [1 / 3, 0x3555],
    [Math.fround(0.1), 0x2e66],
  ];
  for (const [value, bits] of cases) t.is(float32ToFloat16Bits(value), bits, String(value));
});

test('any number in range rounds to a nearest binary16 value', (t) => {
  fc.assert(
    fc.property(fc.double({ min: -65519, max: 65519, noNaN: true }), (x) => {
      const bits = float32ToFloat16Bits(x);
      const error = Math.abs(x - float16BitsToFloat32(bits));
      const magnitude = bits & 0x7fff;
      const neighbours = [magnitude - 1, magnitude + 1].filter((m) => m >= 0 && m <= 0x7bff).map((m) => (bits & 0x8000) | m);
      // The other sign's zero is as near as this one, so only magnitudes are compared.
      return neighbours.every((n) => error <= Math.abs(Math.abs(x) - Math.abs(float16BitsToFloat32(n))));
    }),
    { numRuns: 20000, seed: 16 },
  );
  t.pass();
});

test('bfloat16 patterns are the top half of a float32', (t) => {
  t.is(bfloat16BitsToFloat32(0x3f80), 1);
  t.is(bfloat16BitsToFloat32(0xc040), -3);
  t.is(bfloat16BitsToFloat32(0x3eab), 0.333984375);
  t.is(bfloat16BitsToFloat32(0x7f80), Infinity);
  t.true(Number.isNaN(bfloat16BitsToFloat32(0x7fc0)));
});

test("float16 rounding agrees with NumPy's on 2048 float32 and 2048 float64 values", (t) => {
  // test/fixtures/io/generate.py: random values across the float16 range plus subnormal and normal ties.
  const reference = readNpz(readFileSync('test/fixtures/io/float16_reference.npz'), 'float16_reference.npz');
  for (const [source, expected] of [['f32', 'f16_from_f32'], ['f64', 'f16_from_f64']]) {
    const values = reference.get(source)!.data;
    const bits = reference.get(expected)!.data;
    t.is(values.length, 2048);
    const mismatches: string[] = [];
    for (let i = 0; i < values.length; i++) {
      const actual = float32ToFloat16Bits(values[i]);
      if (actual !== bits[i]) mismatches.push(`${values[i]}: 0x${actual.toString(16)} vs NumPy 0x${bits[i].toString(16)}`);
    }
    t.deepEqual(mismatches, [], source);
  }
});
