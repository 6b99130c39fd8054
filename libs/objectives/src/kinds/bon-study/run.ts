/**
 * The best-of-n study's run module: `run(config, context)` as every kind provides it. The config
 * has been validated by the kind's schema; runBonStudy accepts it as is.
 */
import { runBonStudy, type BonStudyResult } from "../../experiments/bon-study.ts";
import type { ExperimentContext } from "../../experiments/sink.ts";

export function run(config: unknown, context: ExperimentContext): Promise<BonStudyResult> {
  return runBonStudy(config, context);
}
