import { describe, expect, it } from "vitest";
import { Rng } from "./rng.ts";

describe("Rng", () => {
  it("is deterministic under a seed and differs across seeds", () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 20 }, () => a.nextUint32());
    const ys = Array.from({ length: 20 }, () => b.nextUint32());
    const zs = Array.from({ length: 20 }, () => c.nextUint32());
    expect(xs).toEqual(ys);
    expect(xs).not.toEqual(zs);
    expect(new Rng("member-3").uniform()).toBe(new Rng("member-3").uniform());
  });

  it("fork depends on the key and label, not on how much the parent has drawn", () => {
    const parent = new Rng(7);
    const early = parent.fork("member-3");
    for (let i = 0; i < 1000; i++) parent.uniform();
    const late = parent.fork("member-3");
    const other = parent.fork("member-4");
    const e = Array.from({ length: 10 }, () => early.uniform());
    const l = Array.from({ length: 10 }, () => late.uniform());
    const o = Array.from({ length: 10 }, () => other.uniform());
    expect(l).toEqual(e);
    expect(o).not.toEqual(e);
    // Nested forks are deterministic too.
    expect(new Rng(7).fork("a").fork("b").uniform()).toBe(new Rng(7).fork("a").fork("b").uniform());
  });

  it("uniform has the right mean and variance and stays in [0, 1)", () => {
    const rng = new Rng(1);
    const m = 200_000;
    let s = 0;
    let s2 = 0;
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < m; i++) {
      const u = rng.uniform();
      s += u;
      s2 += u * u;
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
    }
    const mean = s / m;
    const variance = s2 / m - mean * mean;
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    // SE of the mean is sqrt(1/12/m) ~ 6.5e-4.
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / m));
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
  });

  it("normal has mean 0, variance 1 and light tails", () => {
    const rng = new Rng(2);
    const m = 200_000;
    let s = 0;
    let s2 = 0;
    let beyond2 = 0;
    for (let i = 0; i < m; i++) {
      const z = rng.normal();
      s += z;
      s2 += z * z;
      if (Math.abs(z) > 2) beyond2++;
    }
    expect(Math.abs(s / m)).toBeLessThan(4 / Math.sqrt(m));
    expect(Math.abs(s2 / m - 1)).toBeLessThan(0.02);
    // P(|Z| > 2) = 0.0455.
    expect(Math.abs(beyond2 / m - 0.0455)).toBeLessThan(0.003);
  });

  it("int covers its range uniformly (chi-square) and rejects bad ranges", () => {
    const rng = new Rng(3);
    const k = 7;
    const counts = new Array(k).fill(0);
    const m = 70_000;
    for (let i = 0; i < m; i++) counts[rng.int(10, 10 + k) - 10]++;
    const expected = m / k;
    const chi2 = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    // 6 degrees of freedom: P(chi2 > 22.5) < 0.001.
    expect(chi2).toBeLessThan(22.5);
    expect(() => rng.int(5, 5)).toThrow(/min < maxExclusive/);
  });

  it("shuffle is a permutation and weighted choice follows the weights", () => {
    const rng = new Rng(4);
    const perm = rng.permutation(50);
    expect([...perm].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(perm).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    const counts = { a: 0, b: 0, c: 0 };
    const m = 60_000;
    for (let i = 0; i < m; i++) counts[rng.choice(["a", "b", "c"] as const, [1, 2, 0])]++;
    expect(counts.c).toBe(0);
    expect(Math.abs(counts.b / m - 2 / 3)).toBeLessThan(0.01);
    expect(() => rng.choice(["a"], [-1])).toThrow(/weight 0/);
  });

  it("getState / fromState resumes the exact stream", () => {
    const rng = new Rng(5);
    rng.normal();
    const state = rng.getState();
    const copy = Rng.fromState(JSON.parse(JSON.stringify(state)));
    expect(Array.from({ length: 5 }, () => copy.normal())).toEqual(Array.from({ length: 5 }, () => rng.normal()));
  });
});
