/** The direct alignment study's run module: `run(config, context)` as every kind provides it. */
import { runDaaStudy, type DaaStudyResult } from "../../daa/study.ts";
import type { ExperimentContext } from "../../experiments/sink.ts";
import { assertStudyFits, daaStudyPhases } from "../../experiments/memory-check.ts";
import { refuseModelInitsOnBuiltinTask } from "../../experiments/model-init.ts";
import type { DaaStudyConfig } from "./schema.ts";
import { runDaaStudyOnDataset } from "../../task/dataset/daa.ts";

export async function run(config: unknown, context: ExperimentContext): Promise<DaaStudyResult> {
  // A study on an imported dataset: its pairs are the label set, its gold RM the gold (task/dataset/daa.ts).
  if ((config as DaaStudyConfig).task?.kind === "dataset") return runDaaStudyOnDataset(config, context);
  // The policy and its frozen reference both start from basePolicy; the built-in task fits no registered model.
  refuseModelInitsOnBuiltinTask((config as DaaStudyConfig).name, config, ["basePolicy.init"], context);
  assertStudyFits((config as DaaStudyConfig).name, daaStudyPhases(config as DaaStudyConfig), context.runtime.device);
  return runDaaStudy(config, context);
}
