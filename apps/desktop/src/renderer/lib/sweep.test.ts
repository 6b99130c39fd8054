// @vitest-environment node
import { describe, expect, it } from "vitest";
import { flattenConfig, parseFieldValue, unflattenConfig } from "./config-paths.ts";
import { expandGrid, parseSweepValues } from "./sweep.ts";

describe("sweep grid", () => {
  it("parses values typed like the default", () => {
    expect(parseSweepValues("4 | 16 |64", 1)).toEqual([4, 16, 64]);
    expect(parseSweepValues("a;b", "x")).toEqual(["a", "b"]);
    expect(parseSweepValues("[1,2] | [3]", [0])).toEqual([[1, 2], [3]]);
    expect(parseSweepValues("  ", 1)).toEqual([]);
  });

  it("expands the Cartesian product, last axis fastest, skipping unswept axes", () => {
    const grid = expandGrid([
      { path: "n", values: [1, 2] },
      { path: "lr", values: [] },
      { path: "noise", values: [0, 0.25] },
    ]);
    expect(grid.map((g) => g.label)).toEqual(["n=1, noise=0", "n=1, noise=0.25", "n=2, noise=0", "n=2, noise=0.25"]);
    expect(grid[3]!.values).toEqual({ n: 2, noise: 0.25 });
    expect(expandGrid([])).toEqual([{ values: {}, label: "" }]);
  });
});

describe("config paths", () => {
  it("flattens nested configs to dotted leaves and back", () => {
    const config = { steps: 10, policy: { temperature: 1, topK: null }, sizes: [1, 2], empty: {} };
    const flat = flattenConfig(config);
    expect(flat).toEqual([["steps", 10], ["policy.temperature", 1], ["policy.topK", null], ["sizes", [1, 2]], ["empty", {}]]);
    expect(unflattenConfig(flat)).toEqual(config);
  });

  it("keeps field types: numbers stay numbers, strings stay strings", () => {
    expect(parseFieldValue("12", 3)).toBe(12);
    expect(parseFieldValue("12", "3")).toBe("12");
    expect(parseFieldValue("true", false)).toBe(true);
    expect(parseFieldValue("", null)).toBeNull();
    expect(parseFieldValue("oops", 3)).toBe("oops");
  });
});
