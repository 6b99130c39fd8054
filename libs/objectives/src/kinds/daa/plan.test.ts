import { describe, expect, it } from "vitest";
import { kindRegistry } from "../registry.ts";
import { expandDaaStudy, planDaaStudy } from "./plan.ts";
import type { DaaStudyConfig } from "./schema.ts";

describe("daa grid points", () => {
  it("plans one lab run per loss (eta for RPO) x beta x seed, each a study narrowed to its point", () => {
    const config = kindRegistry.presetConfig("rpo-vs-dpo").config as unknown as DaaStudyConfig;
    const points = planDaaStudy(config);
    expect(points.map((p) => p.key)).toEqual(expandDaaStudy(config).map((r) => r.id));
    expect(points).toHaveLength(3 * config.betas.length * config.seeds.length); // dpo, rpo at two etas
    for (const p of points) {
      const alone = kindRegistry.parse("daa", p.config) as unknown as DaaStudyConfig;
      expect(expandDaaStudy(alone).map((r) => r.id)).toEqual([p.key]);
      expect(alone.betas).toHaveLength(1);
      expect(alone.labels).toEqual(config.labels);
    }
    expect(points.find((p) => p.key.includes("rpo(eta=0.5)"))!.config).toMatchObject({ losses: ["rpo"], rpoEtas: [0.5] });
    expect(points[0]!.name).toBe(`dpo:beta=${config.betas[0]} seed ${config.seeds[0]}`);
    expect(kindRegistry.get("daa").plan).toBe(planDaaStudy);
  });
});
