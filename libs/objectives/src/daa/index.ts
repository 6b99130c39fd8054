// Direct alignment: losses, trainer, evaluation, the study and its findings (docs/direct-alignment.md).
export {
  DAA_LOSSES,
  RPO_PAPER_ETA,
  daaLossGraph,
  daaLossValue,
  implicitRewards,
  logRatioMargin,
  type DaaLossKind,
  type DaaLossParams,
  type PairLogProbs,
} from "./losses.ts";
export { trainDaa, type DaaPair, type DaaTrainingOptions, type DaaTrainingResult } from "./trainer.ts";
export { evaluateDaaPolicy, type DaaEvaluation, type DaaEvaluationSetup, type DaaHeldOutPair, type DaaStat } from "./evaluate.ts";
export { fitFrontier, rpoMinusDpo, winRateDropEpochOne, type DaaCell, type DaaFinding, type FrontierFit } from "./findings.ts";
export { expandDaaStudy, runDaaStudy, type DaaRunResult, type DaaRunSpec, type DaaStudyOptions, type DaaStudyResult } from "./study.ts";
