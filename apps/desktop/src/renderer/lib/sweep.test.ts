// @vitest-environment node
import { describe, expect, it } from "vitest";
import { flattenConfig, parseFieldValue, unflattenConfig } from "./config-paths.ts";
import { parseSweepValues } from "./sweep.ts";

describe("sweep grid", () => {
  it("parses values typed like the default", () => {
    expect(parseSweepValues("4 | 16 |64", 1)).toEqual([4, 16, 64]);
    expect(parseSweepValues("a;b", "x")).toEqual(["a", "b"]);
    expect(parseSweepValues("[1,2] | [3]", [0])).toEqual([[1, 2], [3]]);
    expect(parseSweepValues("  ", 1)).toEqual([]);
  });
});

describe("config paths", () => {
  it("flattens nested configs to dotted leaves and back", () => {
    const config = { steps: 10, policy: { temperature: 1, topK: null }, sizes: [1, 2], empty: {} };
    const flat = flattenConfig(config);
    expect(flat).toEqual([
      ["steps", 10],
      ["policy.temperature", 1],
      ["policy.topK", null],
      ["sizes", [1, 2]],
      ["empty", {}],
    ]);
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
