import { describe, expect, it } from "vitest";
import { kindRegistry } from "../registry.ts";
import { expandRlStudy, objectiveSeries } from "../../rl/study.ts";
import type { RlStudyConfig } from "./schema.ts";

describe("rl-study kind", () => {
  it("expands its presets into one run per proxy size x objective x KL coefficient x seed (gold once)", () => {
    const runs = (name: string) => expandRlStudy(kindRegistry.presetConfig(name).config as unknown as RlStudyConfig);
    expect(runs("rl-quick-demo").map((r) => r.id)).toEqual(["rl-quick-demo/gold/gold/kl0/s1", "rl-quick-demo/policy-size/single/kl0/s1"]);
    expect(runs("gao-rl")).toHaveLength(3 * 3);
    expect(runs("coste-rl")).toHaveLength(4 * 2 * 3);
    expect(objectiveSeries("uwo", 0.1)).toBe("proxy:uwo-0.1");
    expect(objectiveSeries("single", 0.1)).toBe("member:0");
  });

  it("refuses configs that cannot run, naming the field", () => {
    expect(() => kindRegistry.parse("rl-study", { rl: { algorithm: "rloo", samplesPerPrompt: 1 } })).toThrow(
      /rl.samplesPerPrompt: expected at least 2 for RLOO/,
    );
    expect(() => kindRegistry.parse("rl-study", { objectives: ["wco"], ensembleSize: 1 })).toThrow(
      /objectives: expected ensembleSize >= 2 for wco/,
    );
    expect(() => kindRegistry.parse("rl-study", { evaluation: { prompts: 500 } })).toThrow(
      /evaluation.prompts: expected at most task.prompts.test/,
    );
    expect(() => kindRegistry.parse("rl-study", { onset: { stopOn: "vibes" } })).toThrow(/onset.stopOn/);
  });
});
