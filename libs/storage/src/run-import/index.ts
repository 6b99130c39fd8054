// Runs imported from other tools (TRL, OpenRLHF, verl, W&B CSV exports): parsers, the lab mapping, storage.
export { RUN_LOG_FORMATS, RunLogError, type KlSource, type ParsedRunLog, type RunLogFormat, type RunTool } from "./run-log.ts";
export { parseTrlTrainerState } from "./trl.ts";
export { parseOpenRlhfLog } from "./openrlhf.ts";
export { parseVerlLog } from "./verl.ts";
export { parseWandbCsv } from "./wandb-csv.ts";
export { parseVerlRollouts, type RolloutSample } from "./verl-rollouts.ts";
export { detectRunLogFormat } from "./detect.ts";
export { estimatorName, labMetricName, toLab } from "./to-lab.ts";
export {
  EXTERNAL_KL_PROMPTS,
  EXTERNAL_PROXY_SERIES,
  importRunLog,
  type RunLogImportOptions,
  type RunLogImportResult,
} from "./import-run-log.ts";
export { externalRun, externalRunIds, externalSamples, storeRescore, type ExternalRun, type ExternalSample } from "./external-runs.ts";
