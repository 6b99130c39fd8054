import { describe, expect, it } from "vitest";
import { Rng } from "@goodhart/engine";
import { drawLabelFlips, labelByGold } from "./labels.ts";

describe("labelByGold", () => {
  it("chooses the higher gold, drops ties within tolerance, and is noiseless at p = 0", () => {
    const res = labelByGold([1, 0, 2, 5], [0, 1, 2 + 1e-12, 5.5], new Rng(1), { noise: 0 });
    expect(res.droppedTies).toEqual([2]);
    expect(res.labels.map((l) => [l.pair, l.chosen])).toEqual([
      [0, 0],
      [1, 1],
      [3, 1],
    ]);
    expect(res.flippedCount).toBe(0);
    const loose = labelByGold([1, 0, 5], [0, 1, 5.5], new Rng(1), { noise: 0, tieTolerance: 0.6 });
    expect(loose.droppedTies).toEqual([2]);
  });

  it("flips labels at the requested rate, records which, and is reproducible", () => {
    const m = 20_000;
    const rng = new Rng(3);
    const a = Array.from({ length: m }, () => rng.normal());
    const b = Array.from({ length: m }, () => rng.normal());
    const res = labelByGold(a, b, new Rng("noise"), { noise: 0.25 });
    expect(Math.abs(res.flippedCount / res.labels.length - 0.25)).toBeLessThan(0.015);
    for (const l of res.labels.slice(0, 500)) {
      expect(l.goldChosen).toBe(a[l.pair] > b[l.pair] ? 0 : 1);
      expect(l.chosen !== l.goldChosen).toBe(l.flipped);
    }
    const again = labelByGold(a, b, new Rng("noise"), { noise: 0.25 });
    expect(again.labels).toEqual(res.labels);
  });

  it("keeps the flip stream of drawLabelFlips: one uniform per kept pair, ties draw nothing", () => {
    const gold = labelByGold([1, 3, 2, 0, 7], [0, 3, 5, 1, 2], new Rng(9).fork("label-noise"), { noise: 0.5 });
    expect(gold.droppedTies).toEqual([1]);
    expect(gold.labels.map((l) => l.flipped)).toEqual(drawLabelFlips(4, new Rng(9).fork("label-noise"), 0.5));
  });

  it("rejects bad noise and mismatched inputs", () => {
    expect(() => labelByGold([1], [2], new Rng(1), { noise: 1 })).toThrow(/noise must be in \[0, 1\)/);
    expect(() => labelByGold([1], [2, 3], new Rng(1), { noise: 0 })).toThrow(/1 first responses but 2 second/);
  });
});

describe("drawLabelFlips", () => {
  it("flips each label with probability p, reproducibly, and a prefix does not depend on the count", () => {
    const flips = drawLabelFlips(40_000, new Rng(7), 0.25);
    // Binomial SE of the rate at n = 40,000: ~0.0022, so 0.01 is a > 4 SE band.
    expect(Math.abs(flips.filter(Boolean).length / flips.length - 0.25)).toBeLessThan(0.01);
    expect(drawLabelFlips(40_000, new Rng(7), 0.25)).toEqual(flips);
    expect(drawLabelFlips(100, new Rng(7), 0.25)).toEqual(flips.slice(0, 100));
    expect(drawLabelFlips(100, new Rng(8), 0.25)).not.toEqual(flips.slice(0, 100));
    expect(drawLabelFlips(50, new Rng(7), 0).some(Boolean)).toBe(false);
    expect(drawLabelFlips(50, new Rng(7), 1).every(Boolean)).toBe(true);
  });

  it("rejects a probability outside [0, 1] and a bad count", () => {
    expect(() => drawLabelFlips(3, new Rng(1), 1.5)).toThrow(/p must be in \[0, 1\]; got 1.5/);
    expect(() => drawLabelFlips(-1, new Rng(1), 0.1)).toThrow(/count must be a non-negative integer/);
  });
});
