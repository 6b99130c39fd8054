/**
 * What a submission of an experiment carries beyond the kind's own config. bon-study accepts
 * `{study, grid?, options?}`: a study swept over other fields, with study-wide training options;
 * the kind's schema knows only the study, so the rest is validated here. Each grid point becomes
 * one run (the kind's `plan`).
 */
import { bonJobConfig, isBonJobEnvelope, parseBonJob } from "../experiments/bon-study-plan.ts";

/** Validates a submitted config: the kind's own config by `parseKindConfig`, a bon-study job envelope here. */
export function parseSubmission(kind: string, config: unknown, parseKindConfig: (config: unknown) => Record<string, unknown>): Record<string, unknown> {
  if (kind === "bon-study" && typeof config === "object" && config !== null && isBonJobEnvelope(config as Record<string, unknown>)) {
    return parseBonJob(config, parseKindConfig) as unknown as Record<string, unknown>;
  }
  return parseKindConfig(config);
}

/** The sweep grid of a validated submission, when it has one (stored as the runs' sweep). */
export function sweepGrid(kind: string, config: Record<string, unknown>): Record<string, unknown[]> | undefined {
  return kind === "bon-study" ? bonJobConfig(config).grid : undefined;
}
