/**
 * A best-of-n study as the service stores and executes it. A study (optionally swept over other
 * fields, with study-wide training options) expands into grid points; each grid point is one run
 * of the lab, whose stored config is a study narrowed to that point alone, so the run can be
 * executed (resumed) on its own from any front door and gives the same grid-point id, hence the
 * same member seeds and data orders. A fresh submission executes all its grid points in one job
 * so they share the base policy and the samples.
 */
import {
  expandStudy,
  isBonStudyJob,
  parseBonStudy,
  sweep,
  type BonRunConfig,
  type BonStudyConfig,
  type BonStudyOptions,
} from "@goodhart/objectives";

/** The config of a bon-study job: a study, optionally a sweep grid over its other fields, and study-wide options. */
export interface BonJobConfig {
  study: BonStudyConfig;
  grid?: Record<string, unknown[]>;
  options?: BonStudyOptions;
}

/** One grid point: the run's key (its stable id), name and the config that executes it alone. */
export interface PlannedRun {
  key: string;
  name: string;
  config: Record<string, unknown>;
}

/** True for the `{study, grid?, options?}` form (a plain study has no `study` field). */
export function isBonJobEnvelope(config: Record<string, unknown>): boolean {
  return isBonStudyJob(config);
}

/** The job form of a validated config (a plain study is a job without grid and options). */
export function bonJobConfig(config: Record<string, unknown>): BonJobConfig {
  if (!isBonJobEnvelope(config)) return { study: config as unknown as BonStudyConfig };
  return config as unknown as BonJobConfig;
}

function gridPoints(job: BonJobConfig): BonRunConfig[] {
  return job.grid && Object.keys(job.grid).length > 0 ? sweep(job.study, job.grid) : expandStudy(job.study);
}

/** The study narrowed to one grid point: each axis holds that point's value, the grid that point's values. */
function narrowed(job: BonJobConfig, point: BonRunConfig): BonJobConfig {
  const study = parseBonStudy({
    ...job.study,
    proxySizes: [point.proxy],
    trainingSizes: [point.trainingSize],
    labelNoise: [point.labelNoise],
    seeds: [point.seed],
  });
  const grid =
    job.grid && Object.keys(job.grid).length > 0
      ? Object.fromEntries(Object.keys(job.grid).map((k) => [k, [point.overrides[k]]]))
      : undefined;
  return { study, ...(grid ? { grid } : {}), ...(job.options ? { options: job.options } : {}) };
}

/**
 * One planned run per grid point. Throws when a grid point cannot be executed alone with the same
 * id (a sweep over one of the study's own axes, e.g. `proxySizes[1].layers`): the lab would not be
 * able to resume it as the same run.
 */
export function planBonStudy(config: Record<string, unknown>): PlannedRun[] {
  const job = bonJobConfig(config);
  return gridPoints(job).map((point) => {
    const alone = narrowed(job, point);
    const check = gridPoints(alone);
    if (check.length !== 1 || check[0]!.id !== point.id) {
      throw new Error(
        `grid point ${point.id} cannot run on its own as the same run (got ${check.map((c) => c.id).join(", ")}); sweep over fields other than the study's axes (proxySizes, trainingSizes, labelNoise, seeds) and list axis values in the axis itself`,
      );
    }
    return { key: point.id, name: point.id, config: alone as unknown as Record<string, unknown> };
  });
}
