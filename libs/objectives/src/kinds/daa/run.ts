/** The direct alignment study's run module: `run(config, context)` as every kind provides it. */
import { runDaaStudy, type DaaStudyResult } from "../../daa/study.ts";
import type { ExperimentContext } from "../../experiments/sink.ts";
import { assertStudyFits, daaStudyPhases } from "../../experiments/memory-check.ts";
import type { DaaStudyConfig } from "./schema.ts";

export async function run(config: unknown, context: ExperimentContext): Promise<DaaStudyResult> {
  assertStudyFits((config as DaaStudyConfig).name, daaStudyPhases(config as DaaStudyConfig), context.runtime.device);
  return runDaaStudy(config, context);
}
