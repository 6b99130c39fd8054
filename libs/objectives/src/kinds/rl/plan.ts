/**
 * The RL study's grid points: proxy size x seed x objective x KL coefficient (gold once, whatever
 * the proxy sizes), and each point's config as a study narrowed to it, so every point is a lab run
 * of its own that executes and resumes alone with the numbers it has inside the whole study.
 * Kept apart from rl/study.ts so the kind's declaration loads no engine code.
 */
import type { ModelSize } from "../bon-study/schema.ts";
import { planGridPoints } from "../grid-points.ts";
import type { KindGridPoint } from "../kind.ts";
import type { RlObjective, RlStudyConfig } from "./schema.ts";

/** One RL run: a grid point of proxy size x objective x KL coefficient x seed. */
export interface RlRunSpec {
  id: string;
  proxy: ModelSize;
  objective: RlObjective;
  klCoef: number;
  seed: number;
}

/** The runs of a study, proxy size outermost (proxies are trained once per size and seed). */
export function expandRlStudy(s: RlStudyConfig): RlRunSpec[] {
  const runs: RlRunSpec[] = [];
  s.proxySizes.forEach((proxy, i) => {
    for (const seed of s.seeds) {
      for (const objective of s.objectives) {
        if (objective === "gold" && i > 0) continue; // gold does not depend on the proxy size
        for (const klCoef of s.klCoefs)
          runs.push({
            id: `${s.name}/${objective === "gold" ? "gold" : proxy.name}/${objective}/kl${klCoef}/s${seed}`,
            proxy,
            objective,
            klCoef,
            seed,
          });
      }
    }
  });
  return runs;
}

/**
 * One lab run per grid point. A point's proxies (member i's seed and data order depend on i, not on
 * how many members the study trains) and its learner's seed (from the run's seed, objective, KL
 * coefficient and proxy name) are the same alone as inside the study.
 */
export function planRlStudy(s: RlStudyConfig): KindGridPoint[] {
  return planGridPoints(s, expandRlStudy, (study, p) => ({
    ...study,
    proxySizes: [p.proxy],
    objectives: [p.objective],
    klCoefs: [p.klCoef],
    seeds: [p.seed],
  }));
}
