// Shared by the models/ and generation/ tests: tiny models with weights large enough that logits vary.
import type { ParameterStore } from "../train/parameter-store.ts";
import { createRng } from "../random/rng.ts";

/** Redraws every parameter as N(0, std^2) (gains around 1) so outputs are far from uniform. */
export function roughen(store: ParameterStore, seed: number, std = 0.3): void {
  const rng = createRng(seed);
  for (const p of store.list()) {
    const isGain = /ln(1|2|_f)\.weight$/.test(p.name);
    store.set(
      p.name,
      Float32Array.from(p.value, () => (isGain ? 1 : 0) + rng.normal() * std),
    );
  }
}

/** Seeded rows of token ids with the given lengths. */
export function randomRows(seed: number, lengths: readonly number[], vocab: number, lowest = 1): number[][] {
  const rng = createRng(seed);
  return lengths.map((n) => Array.from({ length: n }, () => rng.int(lowest, vocab)));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
