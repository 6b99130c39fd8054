import { describe, expect, it } from "vitest";
import { kindRegistry } from "../registry.ts";
import { expandRlStudy, objectiveSeries, planRlStudy } from "../../rl/study.ts";
import { onsetActionOf, type RlStudyConfig } from "./schema.ts";

describe("rl-study kind", () => {
  it("expands its presets into one run per proxy size x objective x KL coefficient x seed (gold once)", () => {
    const runs = (name: string) => expandRlStudy(kindRegistry.presetConfig(name).config as unknown as RlStudyConfig);
    expect(runs("rl-quick-demo").map((r) => r.id)).toEqual(["rl-quick-demo/gold/gold/kl0/s1", "rl-quick-demo/policy-size/single/kl0/s1"]);
    expect(runs("gao-rl")).toHaveLength(3 * 3);
    expect(runs("coste-rl")).toHaveLength(4 * 2 * 3);
    // coste-rl evaluates 20 times in its 100 steps (Coste et al.: every 100 of 3000 PPO steps, 30 times).
    const coste = kindRegistry.presetConfig("coste-rl").config as unknown as RlStudyConfig;
    expect(coste.rl.steps / coste.evaluation.every).toBe(20);
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
    expect(() => kindRegistry.parse("rl-study", { onset: { action: "keep-best" } })).toThrow(
      /onset.signal: expected a signal for onset.action keep-best, got null/,
    );
    expect(() => kindRegistry.parse("rl-study", { onset: { action: "rewind", signal: "kl-growth" } })).toThrow(/onset.action/);
    expect(() => kindRegistry.parse("rl-study", { onset: { action: "stop", signal: "kl-growth", stopOn: "kl-growth" } })).toThrow(
      /onset.stopOn: expected onset.action\/signal or the older onset.stopOn, not both/,
    );
  });

  it("reads the onset action and signal, the older stopOn as stop", () => {
    const onset = (o: unknown) => onsetActionOf((kindRegistry.parse("rl-study", { onset: o }) as unknown as RlStudyConfig).onset);
    expect(onset({})).toEqual({ action: "none", signal: null });
    expect(onset({ action: "keep-best", signal: "proxy-slope" })).toEqual({ action: "keep-best", signal: "proxy-slope" });
    expect(onset({ stopOn: "kl-growth" })).toEqual({ action: "stop", signal: "kl-growth" });
  });

  it("plans one lab run per grid point, each a study narrowed to its point that expands to it alone", () => {
    const config = kindRegistry.presetConfig("coste-rl").config as unknown as RlStudyConfig;
    const points = planRlStudy(config);
    expect(points.map((p) => p.key)).toEqual(expandRlStudy(config).map((r) => r.id));
    for (const p of points) {
      const alone = kindRegistry.parse("rl-study", p.config) as unknown as RlStudyConfig;
      expect(expandRlStudy(alone).map((r) => r.id)).toEqual([p.key]);
      expect(alone).toMatchObject({ ensembleSize: 5, labelNoise: 0.25, rl: config.rl, seeds: [expect.any(Number)] });
    }
    // Gold does not depend on the proxy size: its point keeps the first size, as the study's id says.
    const gao = {
      ...(kindRegistry.presetConfig("gao-rl").config as unknown as RlStudyConfig),
      objectives: ["gold", "single"] as RlStudyConfig["objectives"],
    };
    const gold = planRlStudy(gao).filter((p) => p.key.includes("/gold/"));
    expect(gold.map((p) => p.key)).toEqual(["gao-rl/gold/gold/kl0/s1", "gao-rl/gold/gold/kl0/s2", "gao-rl/gold/gold/kl0/s3"]);
    expect(kindRegistry.get("rl-study").plan).toBe(planRlStudy);
    // Two proxy sizes under one name would be one run: refused, naming the point.
    const twin = { ...config, proxySizes: [config.proxySizes[0]!, { ...config.proxySizes[0]!, layers: 3 }] };
    expect(() => planRlStudy(twin)).toThrow(/grid point coste-rl\/small\/single\/kl0\/s1 appears twice/);
  });
});
