/** The direct alignment study's run module: `run(config, context)` as every kind provides it. */
import { runDaaStudy, type DaaStudyResult } from "../../daa/study.ts";
import type { ExperimentContext } from "../../experiments/sink.ts";

export function run(config: unknown, context: ExperimentContext): Promise<DaaStudyResult> {
  return runDaaStudy(config, context);
}
