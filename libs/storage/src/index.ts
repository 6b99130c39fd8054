// @goodhart/storage: the lab's SQLite file (schema, migrations, repositories) and dataset importers.
export * from "./dto.ts";
export { appDataFolder, DATABASE_FILE_NAME, defaultDatabasePath } from "./app-data.ts";
export { LabStore, openDatabase, type OpenOptions } from "./store.ts";
export { labelledPairs, type LabelledPair } from "./labelled-pairs.ts";
export { checkMigrationOrder, latestVersion, migrations, NewerDatabaseError } from "./migrations/index.ts";
export type { LabelCount, NewDataset } from "./repositories/datasets.ts";
export type { NewLabelSet } from "./repositories/label-sets.ts";
export type { LlmJudgement, LlmJudgementKey } from "./repositories/llm-judgements.ts";
export type { NewCheckpoint, NewModel } from "./repositories/models.ts";
export { RUN_TRANSITIONS, RunStatusError, type NewRun } from "./repositories/runs.ts";
export type { RunExecution } from "./repositories/run-executions.ts";
export type { MetricSeries } from "./repositories/metrics.ts";
export { CurveSeriesMismatchError } from "./repositories/curves.ts";
export type { NewFit } from "./repositories/fits.ts";
export type { BestOfNPick, NewSampleSet } from "./repositories/samples.ts";
export {
  importDataset,
  detectFormat,
  ON_BAD_ROW,
  type ImportOptions,
  type ImportProgress,
  type ImportResult,
  type OnBadRow,
  type SkippedRow,
} from "./import/import-dataset.ts";
export { parseLabelValues, type LabelValues } from "./import/label-values.ts";
export type { DetectionReport } from "./import/detect.ts";
export { ImportError, type ImportLocation } from "./import/errors.ts";
export { MAPPABLE_FIELDS, parseMapping, type ColumnMapping } from "./import/mapping.ts";
export { CONTAINERS, type Container } from "./import/source.ts";
export { preferenceFormats } from "./import/formats/index.ts";
export type { PreferenceFormat } from "./import/formats/format.ts";
// Runs imported from other tools (docs/run-import.md).
export * from "./run-import/index.ts";
