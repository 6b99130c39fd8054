/** The RL study's run module: `run(config, context)` as every kind provides it. */
import { runRlStudy, type RlStudyResult } from "../../rl/study.ts";
import type { ExperimentContext } from "../../experiments/sink.ts";
import { assertStudyFits, rlStudyPhases } from "../../experiments/memory-check.ts";
import { refuseModelInitsOnBuiltinTask } from "../../experiments/model-init.ts";
import type { RlStudyConfig } from "./schema.ts";
import { runRlStudyOnDataset } from "../../task/dataset/rl.ts";

export async function run(config: unknown, context: ExperimentContext): Promise<RlStudyResult> {
  // A study on an imported dataset: its prompts, comparisons and gold RM (task/dataset/rl.ts); resumes like the built-in one.
  if ((config as RlStudyConfig).task?.kind === "dataset") return runRlStudyOnDataset(config, context, { resume: true });
  // The built-in task's word vocabulary fits no registered model (experiments/model-init.ts).
  refuseModelInitsOnBuiltinTask((config as RlStudyConfig).name, config, ["basePolicy.init", "proxy.init"], context);
  // A run started again (after a crash or a cancel) continues from its last checkpoint.
  assertStudyFits((config as RlStudyConfig).name, rlStudyPhases(config as RlStudyConfig), context.runtime.device);
  return runRlStudy(config, context, { resume: true });
}
