// Bit-level conversions between float32 and the narrow float formats. Narrowing rounds to nearest,
// ties to even, straight from the float32 bits so there is no double rounding.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function bitsOf(x: number): number {
  f32[0] = x;
  return u32[0];
}

function fromBits(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0];
}

/** float32 value -> IEEE binary16 bits, round to nearest even; overflow to ±inf, NaN stays NaN. */
export function float32ToFloat16Bits(x: number): number {
  const u = bitsOf(x);
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff) {
    // Keep the top payload bits and force the quiet bit so a NaN never turns into inf.
    return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13);
  }
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Result is subnormal (or zero): value = m * 2^(exp-150), half subnormal unit = 2^-24.
    if (e < -10) return sign; // below 2^-25: rounds to zero
    const m = mant | 0x800000;
    const shift = 14 - e;
    const q = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (rem > half || (rem === half && (q & 1) === 1) ? q + 1 : q);
  }
  const q = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to inf at 65520).
  return sign | (rem > 0x1000 || (rem === 0x1000 && (q & 1) === 1) ? q + 1 : q);
}

/** IEEE binary16 bits -> number (exact). */
export function float16BitsToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/** float32 value -> bfloat16 bits, round to nearest even; NaN stays a quiet NaN. */
export function float32ToBFloat16Bits(x: number): number {
  const u = bitsOf(x);
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0) return (u >>> 16) | 0x40;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** bfloat16 bits -> number (exact). */
export function bfloat16BitsToFloat32(b: number): number {
  return fromBits(b << 16);
}

/** OCP FP8 E4M3 ("e4m3fn": no infinities, 0x7f/0xff are NaN, max 448) byte -> number. */
export function float8E4M3ToFloat32(v: number): number {
  const sign = v & 0x80 ? -1 : 1;
  const exp = (v >>> 3) & 0xf;
  const mant = v & 0x7;
  if (exp === 0xf && mant === 0x7) return NaN;
  if (exp === 0) return sign * mant * 2 ** -9;
  return sign * (8 + mant) * 2 ** (exp - 10);
}

/** OCP FP8 E5M2 (IEEE-like, with infinities and NaN) byte -> number. */
export function float8E5M2ToFloat32(v: number): number {
  return float16BitsToFloat32(v << 8);
}

/** OCP E8M0 scale byte (2^(v-127), 0xff is NaN) -> number. */
export function float8E8M0ToFloat32(v: number): number {
  return v === 0xff ? NaN : 2 ** (v - 127);
}

/** Converts a whole array of float32 values to float16 bit patterns. */
export function float32ArrayToFloat16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]);
  return out;
}

/** Converts a whole array of float32 values to bfloat16 bit patterns. */
export function float32ArrayToBFloat16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToBFloat16Bits(values[i]);
  return out;
}
