import { describe, expect, it } from "vitest";
import { lengthBatches } from "./length-batches.ts";

describe("lengthBatches", () => {
  it("covers every row once, sorted by length, within the row cap and the padding budget", () => {
    const lengths = [9, 3, 40, 4, 12, 3, 33, 5, 18, 7, 51, 6];
    const batches = lengthBatches(lengths, { maxRows: 3, slack: 1.2 });
    expect(batches.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    expect(batches.flat().map((i) => lengths[i])).toEqual([...lengths].sort((a, b) => a - b));
    for (const b of batches) {
      expect(b.length).toBeLessThanOrEqual(3);
      const real = b.reduce((s, i) => s + lengths[i]!, 0);
      if (b.length > 1) expect(b.length * Math.max(...b.map((i) => lengths[i]!))).toBeLessThanOrEqual(1.2 * real);
    }
  });

  it("keeps rows of one length together up to the cap, and refuses nonsense options", () => {
    expect(lengthBatches([5, 5, 5, 5, 5], { maxRows: 2, slack: 1 })).toEqual([[0, 1], [2, 3], [4]]);
    expect(lengthBatches([])).toEqual([]);
    expect(() => lengthBatches([1], { maxRows: 0, slack: 1.2 })).toThrow(/maxRows/);
    expect(() => lengthBatches([1], { maxRows: 4, slack: 0.5 })).toThrow(/slack/);
  });
});
