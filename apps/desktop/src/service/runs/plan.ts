/**
 * The sweep grid a validated submission carries, stored as the sweep its runs belong to. (The
 * kind's schema validates the whole submission, bon-study's `{study, grid?, options?}` envelope
 * included; each grid point becomes one run through the kind's `plan`.)
 */
import { bonJobConfig } from "../experiments/bon-study-plan.ts";

export function sweepGrid(kind: string, config: Record<string, unknown>): Record<string, unknown[]> | undefined {
  return kind === "bon-study" ? bonJobConfig(config).grid : undefined;
}
