/**
 * The best-of-n study's run module: `run(config, context)` as every kind provides it. The config
 * has been validated by the kind's schema; runBonStudy accepts it as is.
 */
import { runBonStudy, type BonStudyResult } from "../../experiments/bon-study.ts";
import type { ExperimentContext } from "../../experiments/sink.ts";
import { runBonStudyOnDataset, runBonStudySweepOnDataset, type DatasetBonSweepResult } from "../../task/dataset/from-bon-study.ts";
import type { DatasetBonResult } from "../../task/dataset/study.ts";
import { isBonStudyJob } from "./job.ts";
import type { BonStudyConfig } from "./schema.ts";
import { assertStudyFits, bonStudyPhases } from "../../experiments/memory-check.ts";
import { refuseModelInitsOnBuiltinTask } from "../../experiments/model-init.ts";

export async function run(config: unknown, context: ExperimentContext): Promise<BonStudyResult | DatasetBonResult | DatasetBonSweepResult> {
  // A study on an imported dataset runs the dataset task (task/dataset/); the rest the built-in world.
  const study = (isBonStudyJob(config) ? config.study : config) as BonStudyConfig;
  if (study.task?.kind === "dataset") {
    if (isBonStudyJob(config) && config.grid && Object.keys(config.grid).length > 0) {
      return runBonStudySweepOnDataset(study, config.grid, context);
    }
    return runBonStudyOnDataset(study, context);
  }
  refuseModelInitsOnBuiltinTask(study.name, study, ["basePolicy.init", "proxy.init"], context);
  assertStudyFits(study.name, bonStudyPhases(study), context.runtime.device);
  return runBonStudy(config, context);
}
