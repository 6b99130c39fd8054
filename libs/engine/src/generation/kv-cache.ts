import type { HostTensor } from "../runtime/runtime.ts";

/**
 * Host-side key/value cache of fixed capacity: per layer, keys and values (B, H, capacity, D)
 * float32 plus a (B, capacity) mask of filled slots. Buffers are allocated once; each step writes
 * only the new position's entries in place, and the same buffers are fed to the next decode run.
 */
export class KvCache {
  readonly keys: Float32Array[];
  readonly values: Float32Array[];
  /** (B, capacity): 1 where a slot holds a real token. */
  readonly mask: Uint8Array;
  /** Slots written so far (the same for every row: padding slots are written but masked). */
  length = 0;

  constructor(
    readonly batch: number,
    readonly layers: number,
    readonly heads: number,
    readonly headDim: number,
    readonly capacity: number,
  ) {
    const n = batch * heads * capacity * headDim;
    this.keys = Array.from({ length: layers }, () => new Float32Array(n));
    this.values = Array.from({ length: layers }, () => new Float32Array(n));
    this.mask = new Uint8Array(batch * capacity);
  }

  /**
   * Appends T positions from a program's `present.k.<i>` / `present.v.<i>` outputs (B, H, T, D),
   * with `mask` (B, T) marking which of them are real tokens.
   */
  append(outputs: Readonly<Record<string, HostTensor>>, mask: Uint8Array, T: number): void {
    if (this.length + T > this.capacity) throw new Error(`KvCache: ${this.length} + ${T} positions exceed capacity ${this.capacity}`);
    const { batch: B, heads: H, headDim: D, capacity: C } = this;
    for (let l = 0; l < this.layers; l++) {
      for (const [kind, target] of [["k", this.keys[l]!] as const, ["v", this.values[l]!] as const]) {
        const src = outputs[`present.${kind}.${l}`]?.data as Float32Array | undefined;
        if (!src || src.length !== B * H * T * D)
          throw new Error(`KvCache: output present.${kind}.${l} is missing or not (${B}, ${H}, ${T}, ${D})`);
        for (let bh = 0; bh < B * H; bh++) target.set(src.subarray(bh * T * D, (bh + 1) * T * D), (bh * C + this.length) * D); // rows of (T, D)
      }
    }
    for (let b = 0; b < B; b++) this.mask.set(mask.subarray(b * T, (b + 1) * T), b * C + this.length);
    this.length += T;
  }

  /**
   * A cache holding only the given rows (indices into this batch, in that order), with the same
   * capacity and length: what decoding continues with once the other rows have finished.
   */
  select(rows: readonly number[]): KvCache {
    const { heads: H, headDim: D, capacity: C } = this;
    const out = new KvCache(rows.length, this.layers, H, D, C);
    const stride = H * C * D; // one row of a layer's keys or values
    for (let l = 0; l < this.layers; l++)
      rows.forEach((r, i) => {
        out.keys[l]!.set(this.keys[l]!.subarray(r * stride, (r + 1) * stride), i * stride);
        out.values[l]!.set(this.values[l]!.subarray(r * stride, (r + 1) * stride), i * stride);
      });
    rows.forEach((r, i) => out.mask.set(this.mask.subarray(r * C, (r + 1) * C), i * C));
    out.length = this.length;
    return out;
  }

  /** Feeds for a decode step: `cache.k.<i>`, `cache.v.<i>` and `cache_mask` at full capacity. */
  feeds(): Record<string, HostTensor> {
    const shape = [this.batch, this.heads, this.capacity, this.headDim];
    const f: Record<string, HostTensor> = { cache_mask: { dtype: "bool", shape: [this.batch, this.capacity], data: this.mask } };
    for (let l = 0; l < this.layers; l++) {
      f[`cache.k.${l}`] = { dtype: "float32", shape, data: this.keys[l]! };
      f[`cache.v.${l}`] = { dtype: "float32", shape, data: this.values[l]! };
    }
    return f;
  }
}
