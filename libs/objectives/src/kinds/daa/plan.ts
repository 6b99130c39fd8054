/**
 * The direct alignment study's grid points: loss (with eta for RPO) x beta x seed, and each point's
 * config as a study narrowed to it, so every point is a lab run of its own that executes and
 * resumes alone with the numbers it has inside the whole study (the shared samples depend on the
 * run's seed and the task, the labels and the training order on the point). Kept apart from
 * daa/study.ts so the kind's declaration loads no engine code.
 */
import type { DaaLossKind } from "../../daa/losses.ts";
import { planGridPoints } from "../grid-points.ts";
import type { KindGridPoint } from "../kind.ts";
import type { DaaStudyConfig } from "./schema.ts";

export interface DaaRunSpec {
  id: string;
  /** The curve series: loss (with eta for RPO) and beta, e.g. "dpo:beta=0.1", "rpo(eta=0.005):beta=0.1". */
  series: string;
  loss: DaaLossKind;
  beta: number;
  eta: number | null;
  seed: number;
}

/** "dpo", or "rpo(eta=0.005)": a loss as series names and fits show it. */
export const daaLossLabel = (loss: DaaLossKind, eta: number | null): string => (eta === null ? loss : `${loss}(eta=${eta})`);

/** One run per (loss, beta, eta for RPO, seed), in that nesting order. */
export function expandDaaStudy(study: DaaStudyConfig): DaaRunSpec[] {
  const out: DaaRunSpec[] = [];
  for (const loss of study.losses) {
    for (const eta of loss === "rpo" ? study.rpoEtas : [null]) {
      for (const beta of study.betas) {
        for (const seed of study.seeds) {
          const series = `${daaLossLabel(loss, eta)}:beta=${beta}`;
          out.push({ id: `${study.name}/${series}/seed=${seed}`, series, loss, beta, eta, seed });
        }
      }
    }
  }
  return out;
}

/** One lab run per grid point (named by its series and seed). */
export function planDaaStudy(study: DaaStudyConfig): KindGridPoint[] {
  return planGridPoints(
    study,
    expandDaaStudy,
    (s, p) => ({ ...s, losses: [p.loss], betas: [p.beta], seeds: [p.seed], ...(p.eta === null ? {} : { rpoEtas: [p.eta] }) }),
    (p) => `${p.series} seed ${p.seed}`,
  );
}
