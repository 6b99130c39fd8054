/** The constrained-RLHF study's run module: `run(config, context)` as every kind provides it. */
import { runConstrainedStudy, type ConstrainedStudyResult } from "../../constrained/study.ts";
import type { ExperimentContext } from "../../experiments/sink.ts";
import { assertStudyFits, rlStudyPhases, type MemoryPhase } from "../../experiments/memory-check.ts";
import { DEFAULT_RL_STUDY, type RlStudyConfig } from "../rl/schema.ts";
import { refuseModelInitsOnBuiltinTask } from "../../experiments/model-init.ts";
import type { ConstrainedRlhfConfig } from "./schema.ts";

/**
 * The study's memory phases are the RL study's with one proxy of the component-RM size and one
 * member per component (all live during RL); the field names are this kind's.
 */
export function constrainedStudyPhases(s: ConstrainedRlhfConfig): MemoryPhase[] {
  const asRl: RlStudyConfig = {
    ...DEFAULT_RL_STUDY,
    task: s.task,
    basePolicy: s.basePolicy,
    proxySizes: [s.componentRm.size],
    ensembleSize: s.components.length,
    rmTraining: s.componentRm.training,
    rl: { ...DEFAULT_RL_STUDY.rl, ...s.rl, algorithm: "ppo" },
  };
  const rename = (field: string) =>
    field
      .replace("proxySizes[0].dModel/layers", "componentRm.size.dModel/layers")
      .replace("rmTraining.batchSize", "componentRm.training.batchSize")
      .replace("ensembleSize", "components (one RM each)");
  return rlStudyPhases(asRl).map((p) => ({ ...p, models: p.models.map((m) => ({ ...m, field: rename(m.field) })) }));
}

export async function run(config: unknown, context: ExperimentContext): Promise<ConstrainedStudyResult> {
  const s = config as ConstrainedRlhfConfig;
  // The built-in task's word vocabulary fits no registered model (experiments/model-init.ts).
  refuseModelInitsOnBuiltinTask(s.name, s, ["basePolicy.init"], context);
  assertStudyFits(s.name, constrainedStudyPhases(s), context.runtime.device);
  return runConstrainedStudy(config, context);
}
