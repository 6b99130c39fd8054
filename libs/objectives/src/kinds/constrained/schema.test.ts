import { describe, expect, it } from "vitest";
import { schemaAt } from "../../config/paths.ts";
import { kindRegistry } from "../registry.ts";
import { constrainedStudyPhases } from "./run.ts";
import type { ConstrainedRlhfConfig } from "./schema.ts";

describe("the constrained-rlhf kind", () => {
  it("is registered with its two presets, each a valid config naming Moskovitz et al.", () => {
    expect(kindRegistry.list().map((k) => k.id)).toContain("constrained-rlhf");
    expect(kindRegistry.presets("constrained-rlhf").map((p) => p.preset.name)).toEqual(["moskovitz-proxy-points", "moskovitz-constrained"]);
    const pp = kindRegistry.presetConfig("moskovitz-proxy-points").config as unknown as ConstrainedRlhfConfig;
    expect(pp.methods).toEqual([]);
    expect(pp.sweep.weights).toHaveLength(5);
    expect(pp.seeds).toEqual([1, 2, 3]);
    const c = kindRegistry.presetConfig("moskovitz-constrained").config as unknown as ConstrainedRlhfConfig;
    expect(c.methods).toEqual(["fixed", "ppo-sat", "all-ppo", "mu-ppo", "xi-ppo", "nm-ppo"]);
    expect(c.components).toEqual(["informativeness", "fluency"]);
    expect(c.seeds).toHaveLength(3);
    for (const p of kindRegistry.presets("constrained-rlhf")) expect(p.preset.papers).toEqual(["Moskovitz et al. 2024"]);
  });

  it("describes every field", () => {
    const d = kindRegistry.describe("constrained-rlhf");
    expect(schemaAt(d.configSchema, ["components"])).toMatchObject({ type: "array", uniqueItems: true });
    expect(schemaAt(d.configSchema, ["components", 0])).toMatchObject({
      enum: ["sentiment", "informativeness", "fluency", "repetition", "length"],
    });
    expect(schemaAt(d.configSchema, ["methods", 0])).toMatchObject({ enum: ["fixed", "ppo-sat", "all-ppo", "mu-ppo", "xi-ppo", "nm-ppo"] });
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });

  it("refuses configs that do not fit together, naming the field", () => {
    const parse = (c: Record<string, unknown>) => () =>
      kindRegistry.parse("constrained-rlhf", { preset: "moskovitz-constrained", ...c }, "c.yaml");
    expect(parse({ sweep: { weights: [[1, 0, 0]] } })).toThrow(/sweep\.weights\[0\]: expected 2 weights \(one per component\), got 3/);
    expect(parse({ sweep: { weights: [[0, 0]] } })).toThrow(/sweep\.weights\[0\]: expected at least one weight above 0/);
    expect(parse({ thresholds: [1] })).toThrow(/thresholds: expected 2 thresholds/);
    expect(parse({ sweep: { weights: [] } })).toThrow(/sweep\.weights: expected at least one weight vector: fixed and ppo-sat/);
    expect(parse({ sweep: { weights: [] }, methods: ["xi-ppo"] })).toThrow(/thresholds: expected thresholds, or a sweep/);
    expect(parse({ components: ["sentiment"] })).toThrow(/components/);
    expect(parse({ components: ["sentiment", "kindness"] })).toThrow(/components\[1\]/);
    expect(() =>
      kindRegistry.parse("constrained-rlhf", {
        preset: "moskovitz-constrained",
        sweep: { weights: [] },
        methods: ["xi-ppo"],
        thresholds: [0.5, 0.5],
      }),
    ).not.toThrow();
  });

  it("plans its memory phases under its own field names", () => {
    const c = kindRegistry.presetConfig("moskovitz-constrained").config as unknown as ConstrainedRlhfConfig;
    const phases = constrainedStudyPhases(c);
    const fields = phases.flatMap((p) => p.models.map((m) => m.field)).join(" | ");
    expect(fields).toMatch(/componentRm\.size\.dModel\/layers/);
    expect(fields).not.toMatch(/proxySizes|ensembleSize/);
    const rl = phases.find((p) => p.name.startsWith("RL against"))!;
    expect(rl.models.find((m) => m.role.startsWith("proxy RM"))!.copies).toBe(2);
  });
});
