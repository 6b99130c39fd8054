import { parseBonStudy } from "@goodhart/objectives";
import { describe, expect, it } from "vitest";
import { planBonStudy } from "./bon-study-plan.ts";

const study = parseBonStudy({
  name: "plan",
  task: { seed: 0, prompts: { train: 50, validation: 5, test: 5 } },
  basePolicy: { layers: 1, dModel: 16, heads: 2, pretrainSteps: 1 },
  proxySizes: [
    { name: "a", layers: 1, dModel: 16, heads: 2 },
    { name: "b", layers: 2, dModel: 16, heads: 2 },
  ],
  trainingSizes: [16],
  labelNoise: [0, 0.25],
  ensemble: { size: 1, aggregations: ["mean"] },
  bon: { poolSize: 4, evalPrompts: 2 },
  seeds: [1],
}) as unknown as Record<string, unknown>;

describe("planning a best-of-n study into runs", () => {
  it("gives one run per grid point, each with a config that executes that point alone under the same id", () => {
    const planned = planBonStudy({ study, grid: { "bon.poolSize": [4, 8] }, options: { rmTraining: { epochs: 1 } } });
    expect(planned).toHaveLength(2 * 2 * 2);
    expect(new Set(planned.map((p) => p.key)).size).toBe(8);
    for (const p of planned) {
      const alone = planBonStudy(p.config);
      expect(alone.map((a) => a.key)).toEqual([p.key]);
      // The run keeps the study-wide options and its own grid values.
      expect(p.config).toMatchObject({ options: { rmTraining: { epochs: 1 } }, grid: { "bon.poolSize": [expect.any(Number)] } });
    }
    expect(planned.filter((p) => (p.config.grid as Record<string, number[]>)["bon.poolSize"]![0] === 8)).toHaveLength(4);
  });

  it("a plain study plans its axes", () => {
    expect(planBonStudy(study).map((p) => p.key.replace(/-[0-9a-f]{8}$/, ""))).toEqual([
      "plan/a-c16-noise0-seed1",
      "plan/a-c16-noise0.25-seed1",
      "plan/b-c16-noise0-seed1",
      "plan/b-c16-noise0.25-seed1",
    ]);
  });

  it("plans a dataset task's axes, and a sweep grid over it: one run per grid point and axis point", () => {
    const onDataset = parseBonStudy({ ...study, task: { kind: "dataset", seed: 0, dataset: { datasetId: 3 } } }) as unknown as Record<
      string,
      unknown
    >;
    const planned = planBonStudy(onDataset);
    expect(planned).toHaveLength(4);
    for (const p of planned)
      expect((p.config.study as { task: unknown }).task).toMatchObject({ kind: "dataset", dataset: { datasetId: 3 } });
    const swept = planBonStudy({ study: onDataset, grid: { "bon.poolSize": [64, 128] } });
    expect(swept).toHaveLength(8);
    // Each grid point runs alone: its grid narrowed to its own values.
    expect(swept.map((p) => (p.config.grid as Record<string, unknown[]>)["bon.poolSize"])).toEqual([
      [64],
      [64],
      [64],
      [64],
      [128],
      [128],
      [128],
      [128],
    ]);
  });

  it("refuses a sweep over one of the study's own axes, which no run could execute alone", () => {
    expect(() => planBonStudy({ study, grid: { "proxySizes[1].layers": [1, 3] } })).toThrow(/proxySizes\[1\]/);
  });
});
