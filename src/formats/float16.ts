// IEEE 754 binary16 (half precision) and bfloat16 conversions. Browser-safe.
//
// binary16: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits.
//   exponent 0:      subnormal, value = mantissa × 2^-24
//   exponent 1..30:  normal,    value = (1024 + mantissa) × 2^(exponent − 25)
//   exponent 31:     ±Infinity (mantissa 0) or NaN
// Largest finite value 65504 = (2 − 2^-10) × 2^15; values from 65520 (halfway to
// 2^16) upward round to Infinity.

import { HOST_IS_LITTLE_ENDIAN } from './bytes.js';

const FLOAT16_OVERFLOW = 65520;

const scratch64 = new Float64Array(1);
const scratch64Words = new Uint32Array(scratch64.buffer);
/** Which 32-bit word of a double holds the sign and exponent on this host. */
const HIGH_WORD = HOST_IS_LITTLE_ENDIAN ? 1 : 0;
const MIN_NORMAL = 2 ** -14;

/** Round a non-negative number to an integer, ties to even. Exact for doubles. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor; // exact: both are doubles of the same binade or smaller
  if (fraction > 0.5 || (fraction === 0.5 && floor % 2 === 1)) return floor + 1;
  return floor;
}

/**
 * The binary16 bit pattern nearest to `value`, ties to even. Rounds any number
 * (float32 or float64) directly, so there is no double rounding through float32.
 * NaN becomes the quiet NaN 0x7e00, as NumPy writes it.
 */
export function float32ToFloat16Bits(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude >= FLOAT16_OVERFLOW) return sign | 0x7c00;
  if (magnitude < MIN_NORMAL) {
    // Subnormal (or rounds up to the smallest normal, 0x0400, which the sum gives).
    return sign | roundHalfEven(magnitude * 2 ** 24);
  }
  // magnitude = 2^e × m with m in [1, 2): e is the unbiased exponent field of the double.
  scratch64[0] = magnitude;
  const exponent = ((scratch64Words[HIGH_WORD] >>> 20) & 0x7ff) - 1023;
  // 11 significant bits: (1024 + mantissa). A carry to 2048 rolls into the exponent
  // field by plain addition, and 65504 < magnitude < 65520 cannot carry past 30.
  const significand = roundHalfEven(magnitude * 2 ** (10 - exponent));
  return sign | (((exponent + 15) << 10) + (significand - 1024));
}

/** The value of a binary16 bit pattern (exact in float32 and float64). */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

let float16Table: Float32Array | undefined;

/** All 65536 binary16 values, built on first use (256 KB) so decoding is a lookup. */
export function float16Table32(): Float32Array {
  if (float16Table === undefined) {
    float16Table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) float16Table[bits] = float16BitsToFloat32(bits);
  }
  return float16Table;
}

/** The value of a bfloat16 bit pattern: the top 16 bits of a float32. */
export function bfloat16BitsToFloat32(bits: number): number {
  scratch32[0] = (bits & 0xffff) << 16;
  return scratchFloat[0];
}

const scratch32 = new Uint32Array(1);
const scratchFloat = new Float32Array(scratch32.buffer);
