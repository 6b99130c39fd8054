/** The RL study's run module: `run(config, context)` as every kind provides it. */
import { runRlStudy, type RlStudyResult } from "../../rl/study.ts";
import type { ExperimentContext } from "../../experiments/sink.ts";
import { assertStudyFits, rlStudyPhases } from "../../experiments/memory-check.ts";
import type { RlStudyConfig } from "./schema.ts";

export async function run(config: unknown, context: ExperimentContext): Promise<RlStudyResult> {
  // A run started again (after a crash or a cancel) continues from its last checkpoint.
  assertStudyFits((config as RlStudyConfig).name, rlStudyPhases(config as RlStudyConfig), context.runtime.device);
  return runRlStudy(config, context, { resume: true });
}
