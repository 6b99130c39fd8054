/**
 * The project's one seeded pseudo-random number generator: parameter initialisation and sampling
 * in the engine, data, label noise, pools and data order in the experiments (libs/objectives
 * imports it from here). It lives in the engine because every library may depend on the engine.
 *
 * Generator: xoshiro128** (Blackman & Vigna, 2018) on four 32-bit words, so the hot path is plain
 * `Math.imul` arithmetic with no BigInt. Its 128-bit state is filled by splitmix64 (Steele, Lea &
 * Flood, 2014) from a 64-bit key, the recommended way to seed the xoshiro family (a weak seed such
 * as 0 or 1 still gives a well-mixed state).
 *
 * Streams are derived, not split off the current state: `fork(label)` hashes the label into the
 * parent's *key*, so `rng.fork("member-3")` yields the same stream however many numbers the parent
 * has drawn already. That is what makes "member 3's data order" reproducible on its own.
 */

const MASK64 = (1n << 64n) - 1n;
const TWO_POW_53 = 9007199254740992;
const TWO_POW_32 = 4294967296;

/** One step of splitmix64: returns [next state, output]. */
function splitmix64(state: bigint): [bigint, bigint] {
  const next = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  z = z ^ (z >> 31n);
  return [next, z];
}

/** FNV-1a, 64-bit, over the UTF-16 code units of a string. Used only to turn labels into keys. */
export function hash64(text: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x100000001b3n) & MASK64;
  }
  return h;
}

/** A seed: a safe integer, a 64-bit bigint or any string (hashed). */
export type Seed = number | bigint | string;

function seedToKey(seed: Seed): bigint {
  if (typeof seed === "string") return hash64(seed);
  if (typeof seed === "bigint") return seed & MASK64;
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`Rng seed must be a safe integer, a bigint or a string; got ${seed}`);
  }
  return BigInt.asUintN(64, BigInt(seed));
}

/** Serializable generator state, for checkpoints: the key (hex), the four state words, the normal spare. */
export interface RngState {
  key: string;
  words: [number, number, number, number];
  spareNormal: number | null;
}

/**
 * A deterministic random stream. Not thread-safe by design: give each worker its own `fork`.
 */
export class Rng {
  /** 64-bit key this stream was built from; `fork` derives children from it. */
  readonly key: bigint;
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  constructor(seed: Seed) {
    this.key = seedToKey(seed);
    const [sm, a] = splitmix64(this.key);
    const [, b] = splitmix64(sm);
    this.s0 = Number(a & 0xffffffffn) | 0;
    this.s1 = Number(a >> 32n) | 0;
    this.s2 = Number(b & 0xffffffffn) | 0;
    this.s3 = Number(b >> 32n) | 0;
    // The all-zero state is the one fixed point of xoshiro; splitmix64 output makes it
    // astronomically unlikely, but guard anyway.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** An independent stream derived from this stream's key and `label` (not from its position). */
  fork(label: string | number): Rng {
    const [, mixed] = splitmix64(this.key ^ hash64(String(label)));
    return new Rng(mixed);
  }

  /** Next raw 32-bit output as an unsigned integer in [0, 2^32). */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** Uniform double in [lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /**
   * Standard normal N(0, 1) by the Box-Muller transform; the second variate of each pair is kept
   * for the next call (part of the state, so sequences stay reproducible).
   */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + std * z;
    }
    // 1 - u lies in (0, 1], so the log is finite.
    const r = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spareNormal = r * Math.sin(theta);
    return mean + std * r * Math.cos(theta);
  }

  /**
   * Uniform integer in [min, maxExclusive), without modulo bias (rejection sampling).
   * The range must be at most 2^32 wide.
   */
  int(min: number, maxExclusive: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(maxExclusive) || maxExclusive <= min) {
      throw new RangeError(`Rng.int needs integers min < maxExclusive; got [${min}, ${maxExclusive})`);
    }
    const range = maxExclusive - min;
    if (range > TWO_POW_32) throw new RangeError(`Rng.int range ${range} exceeds 2^32`);
    // Largest multiple of range that fits in 2^32; outputs at or above it are rejected.
    const limit = TWO_POW_32 - (TWO_POW_32 % range);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return min + (x % range);
    }
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /** Fisher-Yates shuffle, in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /**
   * Index drawn with probability proportional to `weights` (non-negative, finite, not all zero).
   * Linear scan: fine for the short weight lists of grammars and samplers here.
   */
  weightedIndex(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i];
      if (!(w >= 0) || !Number.isFinite(w)) {
        throw new RangeError(`Rng.weightedIndex: weight ${i} is ${w}; weights must be finite and >= 0`);
      }
      total += w;
    }
    if (total <= 0) throw new RangeError("Rng.weightedIndex: weights sum to 0");
    let u = this.uniform() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i];
      if (u < 0) return i;
    }
    // Rounding can leave u a hair above 0 after the last subtraction: return the last positive weight.
    for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i;
    return weights.length - 1;
  }

  /** One element, uniformly or with probability proportional to `weights`. */
  choice<T>(items: readonly T[], weights?: ArrayLike<number>): T {
    if (items.length === 0) throw new RangeError("Rng.choice: empty list");
    if (weights === undefined) return items[this.int(0, items.length)];
    if (weights.length !== items.length) {
      throw new RangeError(`Rng.choice: ${items.length} items but ${weights.length} weights`);
    }
    return items[this.weightedIndex(weights)];
  }

  /** Snapshot of the stream, to resume it exactly. */
  getState(): RngState {
    return {
      key: this.key.toString(16),
      words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0],
      spareNormal: this.spareNormal,
    };
  }

  /** Rebuild a stream from `getState()`. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(BigInt(`0x${state.key}`));
    [rng.s0, rng.s1, rng.s2, rng.s3] = state.words.map((w) => w | 0) as [number, number, number, number];
    rng.spareNormal = state.spareNormal;
    return rng;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Shorthand for `new Rng(seed)`. */
export function createRng(seed: Seed): Rng {
  return new Rng(seed);
}
