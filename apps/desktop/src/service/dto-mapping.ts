/** Storage records to LabApi DTOs (what crosses the boundary is chosen here, field by field). */
import type { CurvePoint, Dataset, Example, Experiment, Label, Run } from "@goodhart/storage";
import type { CurvePointDto, DatasetDto, ExampleDto, ExperimentDto, LabelDto, RunDto } from "../shared/dto.ts";

export const datasetDto = (d: Dataset): DatasetDto => ({
  id: d.id,
  name: d.name,
  sourcePath: d.sourcePath,
  contentHash: d.contentHash,
  format: d.format,
  rowCount: d.rowCount,
  importedAt: d.importedAt,
});

export const exampleDto = (e: Example): ExampleDto => ({
  id: e.id,
  datasetId: e.datasetId,
  rowIndex: e.rowIndex,
  kind: e.kind,
  prompt: e.prompt,
  responseA: e.responseA,
  responseB: e.responseB,
  responses: e.responses,
  category: e.category,
});

export const labelDto = (l: Label): LabelDto => ({
  id: l.id,
  exampleId: l.exampleId,
  dimension: l.dimension,
  preferred: l.preferred,
  source: l.source,
  annotator: l.annotator,
  confidence: l.confidence,
  createdAt: l.createdAt,
});

export const experimentDto = (e: Experiment): ExperimentDto => ({ id: e.id, name: e.name, kind: e.kind, config: e.config, createdAt: e.createdAt });

export const runDto = (r: Run, live: { progress: RunDto["progress"]; checkpointStep: number | null }): RunDto => ({
  id: r.id,
  experimentId: r.experimentId,
  name: r.name,
  config: r.config,
  status: r.status,
  seed: r.seed,
  device: r.device,
  createdAt: r.createdAt,
  startedAt: r.startedAt,
  endedAt: r.endedAt,
  error: r.error,
  progress: live.progress,
  checkpointStep: live.checkpointStep,
});

export const curvePointDto = (p: CurvePoint): CurvePointDto => ({
  runId: p.runId,
  series: p.series,
  x: p.x,
  xKind: p.xKind,
  kl: p.kl,
  klEstimator: p.klEstimator,
  proxyScore: p.proxyScore,
  goldScore: p.goldScore,
});
