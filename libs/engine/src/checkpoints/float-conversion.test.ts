import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToBFloat16Bits,
  float32ToFloat16Bits,
  float8E4M3ToFloat32,
  float8E5M2ToFloat32,
  float8E8M0ToFloat32,
} from "./float-conversion.ts";

const f32 = (bits: number): number => new Float32Array(new Uint32Array([bits]).buffer)[0];

/**
 * Oracle for round-to-nearest-even: the chosen code must be at least as close as both neighbours,
 * and on an exact tie its last bit must be 0. Independent of the bit-twiddling implementation.
 */
function checkNearestEven(x: number, bits: number, decode: (b: number) => number, maxFinite: number): void {
  if (Number.isNaN(x)) {
    expect(Number.isNaN(decode(bits))).toBe(true);
    return;
  }
  const got = decode(bits);
  if (!Number.isFinite(got)) {
    // Overflow: only allowed when |x| is at or past the midpoint above the largest finite value.
    expect(Math.sign(got)).toBe(Math.sign(x));
    expect(Math.abs(x) >= maxFinite).toBe(true);
    return;
  }
  const mag = bits & 0x7fff;
  const sign = bits & 0x8000;
  const err = Math.abs(x - got);
  for (const n of [mag - 1, mag + 1]) {
    if (n < 0) continue;
    const other = decode(sign | n);
    if (!Number.isFinite(other) || Number.isNaN(other)) continue;
    const otherErr = Math.abs(x - other);
    expect(err <= otherErr).toBe(true);
    if (err === otherErr && err !== 0) expect(mag & 1).toBe(0);
  }
}

describe("float16", () => {
  it("converts edge values exactly as IEEE binary16 with round-to-nearest-even", () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff], // largest finite
      [65519.99, 0x7bff], // below the midpoint to inf
      [65520, 0x7c00], // midpoint: ties to even = inf
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // tie between 0 and 2^-24: even is 0
      [2 ** -25 + 2 ** -40, 0x0001], // just above the tie
      [3 * 2 ** -25, 0x0002], // tie between 1 and 2 subnormal units: even is 2
      [1023 * 2 ** -24, 0x03ff], // largest subnormal
      [1 + 2 ** -11, 0x3c00], // tie: stays on even 1.0
      [1 + 3 * 2 ** -11, 0x3c02], // tie: rounds up to even
      [2047 * 2 ** -25, 0x0400], // subnormal rounding up into the smallest normal
      [0.1, 0x2e66],
      [-0.333333343267, 0xb555],
    ];
    for (const [x, bits] of cases) {
      expect(float32ToFloat16Bits(x), `f16(${x})`).toBe(bits);
    }
  });

  it("keeps NaN (including signalling payloads) as NaN", () => {
    for (const bits of [0x7fc00000, 0x7f800001, 0xff800001, 0x7fbfffff]) {
      const h = float32ToFloat16Bits(f32(bits));
      expect((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0).toBe(true);
      expect(Number.isNaN(float16BitsToFloat32(h))).toBe(true);
    }
  });

  it("decodes and re-encodes all 65536 bit patterns losslessly", () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = float16BitsToFloat32(h);
      if (Number.isNaN(v)) expect(h & 0x7c00).toBe(0x7c00);
      else expect(float32ToFloat16Bits(v)).toBe(h);
    }
    expect(float16BitsToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16BitsToFloat32(0x7bff)).toBe(65504);
  });

  it("rounds random float32 values to the nearest float16, ties to even", () => {
    fc.assert(
      fc.property(fc.float({ min: -70000, max: 70000, noNaN: true }), (x) => {
        checkNearestEven(x, float32ToFloat16Bits(x), float16BitsToFloat32, 65520);
      }),
      { numRuns: 5000 },
    );
    // Exact midpoints between neighbouring float16 values, where ties-to-even decides.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7bfe }), fc.boolean(), (h, neg) => {
        const mid = (float16BitsToFloat32(h) + float16BitsToFloat32(h + 1)) / 2;
        const x = neg ? -mid : mid;
        const bits = float32ToFloat16Bits(x);
        expect(bits & 0x7fff).toBe(h % 2 === 0 ? h : h + 1);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("bfloat16", () => {
  it("converts edge values with round-to-nearest-even", () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3f80],
      [Infinity, 0x7f80],
      [-Infinity, 0xff80],
      [f32(0x3f808000), 0x3f80], // tie, lower is even
      [f32(0x3f818000), 0x3f82], // tie, upper is even
      [f32(0x3f808001), 0x3f81], // just above the tie
      [f32(0x7f7fffff), 0x7f80], // largest float32 rounds to inf
      [f32(0x7f7f7fff), 0x7f7f], // stays finite
      [f32(0x00000001), 0x0000], // smallest float32 subnormal rounds to 0
      [f32(0x00008000), 0x0000], // tie at the subnormal boundary: even is 0
      [f32(0x00018000), 0x0002],
    ];
    for (const [x, bits] of cases) expect(float32ToBFloat16Bits(x), `bf16(${x})`).toBe(bits);
  });

  it("keeps NaN as NaN, even when the payload would round away", () => {
    for (const bits of [0x7fc00000, 0x7f800001, 0xff800001]) {
      expect(Number.isNaN(bfloat16BitsToFloat32(float32ToBFloat16Bits(f32(bits))))).toBe(true);
    }
  });

  it("round-trips every bfloat16 value and rounds random float32 to nearest even", () => {
    for (let b = 0; b < 0x10000; b++) {
      const v = bfloat16BitsToFloat32(b);
      if (!Number.isNaN(v)) expect(float32ToBFloat16Bits(v)).toBe(b);
    }
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (x) => {
        checkNearestEven(x, float32ToBFloat16Bits(x), bfloat16BitsToFloat32, f32(0x7f7f8000));
      }),
      { numRuns: 5000 },
    );
  });
});

describe("float8", () => {
  it("decodes E4M3 (fn) values", () => {
    expect(float8E4M3ToFloat32(0x00)).toBe(0);
    expect(float8E4M3ToFloat32(0x38)).toBe(1);
    expect(float8E4M3ToFloat32(0x7e)).toBe(448);
    expect(float8E4M3ToFloat32(0xfe)).toBe(-448);
    expect(float8E4M3ToFloat32(0x01)).toBe(2 ** -9);
    expect(float8E4M3ToFloat32(0x08)).toBe(2 ** -6);
    expect(float8E4M3ToFloat32(0x78)).toBe(256); // no infinities in e4m3fn
    expect(float8E4M3ToFloat32(0x7f)).toBeNaN();
    expect(float8E4M3ToFloat32(0xff)).toBeNaN();
  });

  it("decodes E5M2 and E8M0 values", () => {
    expect(float8E5M2ToFloat32(0x3c)).toBe(1);
    expect(float8E5M2ToFloat32(0x7b)).toBe(57344);
    expect(float8E5M2ToFloat32(0x7c)).toBe(Infinity);
    expect(float8E5M2ToFloat32(0xfc)).toBe(-Infinity);
    expect(float8E5M2ToFloat32(0x7d)).toBeNaN();
    expect(float8E5M2ToFloat32(0x01)).toBe(2 ** -16);
    expect(float8E8M0ToFloat32(127)).toBe(1);
    expect(float8E8M0ToFloat32(0)).toBe(2 ** -127);
    expect(float8E8M0ToFloat32(254)).toBe(2 ** 127);
    expect(float8E8M0ToFloat32(255)).toBeNaN();
  });
});
