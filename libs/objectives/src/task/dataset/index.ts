// The dataset task: best-of-n overoptimization on an imported preference dataset.
export { DatasetEncoder, type DatasetEncoderOptions } from "./encoder.ts";
export { splitDataset, toPairs, type DatasetPair, type DatasetSplits, type Judgment, type LabelledExample } from "./pairs.ts";
export {
  humanCeiling,
  rewardModelPanelAgreement,
  splitByPanel,
  type GoldPanelSpec,
  type PanelAgreement,
  type PanelSplits,
} from "./annotator-panel.ts";
export { loadOrTrainSftPolicy, sftPolicyHash, type CachedSftPolicy, type SftPolicySpec } from "./sft-policy.ts";
export { runDatasetBonStudy, type DatasetBonConfig, type DatasetBonResult, type DatasetProxyRun, type RmSize } from "./study.ts";
export { hhRlhfBonPreset } from "./presets.ts";
export {
  runBonStudyOnDataset,
  runBonStudySweepOnDataset,
  datasetConfigFromBonStudy,
  type DatasetBonSweepResult,
} from "./from-bon-study.ts";
export { datasetDaaPreparer, runDaaStudyOnDataset } from "./daa.ts";
export { datasetCodec, datasetRlPreparer, datasetRlRefusal, runRlStudyOnDataset } from "./rl.ts";
