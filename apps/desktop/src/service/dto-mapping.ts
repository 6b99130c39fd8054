/** Storage records to LabApi DTOs (what crosses the boundary is chosen here, field by field). */
import type { CurvePoint, Dataset, DetectionReport, Example, Experiment, Fit, Label, Run } from "@goodhart/storage";
import type { CurvePointDto, DatasetDto, ExampleDto, ExperimentDto, FitDto, LabelDto, RunDto } from "../shared/dto.ts";

export const datasetDto = (d: Dataset): DatasetDto => ({
  id: d.id,
  name: d.name,
  sourcePath: d.sourcePath,
  contentHash: d.contentHash,
  format: d.format,
  rowCount: d.rowCount,
  importedAt: d.importedAt,
  ...(d.detection ? { importReport: importReportDto(d.detection as Partial<DetectionReport>) } : {}),
});

/** The parts of the stored import report the app shows (older datasets have none of them). */
function importReportDto(r: Partial<DetectionReport>): NonNullable<DatasetDto["importReport"]> {
  return {
    labelSourceReason: r.labelSourceReason ?? null,
    scalarsAsText: r.scalarsAsText ?? {},
    skipped: (r.skipped?.rows ?? []).map((s) => ({ row: s.row, ...(s.field !== undefined ? { field: s.field } : {}), reason: s.reason })),
  };
}

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

export const experimentDto = (e: Experiment): ExperimentDto => ({
  id: e.id,
  name: e.name,
  kind: e.kind,
  config: e.config,
  createdAt: e.createdAt,
});

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
  labVersion: r.labVersion,
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
  ...(p.proxySe !== undefined ? { proxySe: p.proxySe } : {}),
  ...(p.goldSe !== undefined ? { goldSe: p.goldSe } : {}),
  ...(p.prompts !== undefined ? { prompts: p.prompts } : {}),
  ...(p.klEstimates && p.klEstimates.length > 0 ? { klEstimates: p.klEstimates } : {}),
  // JSON has no NaN: a member without a score travels as null.
  ...(p.proxyScores && p.proxyScores.length > 0 ? { proxyScores: p.proxyScores.map((v) => (Number.isFinite(v) ? v : null)) } : {}),
});

/** JSON has no NaN: a coefficient or SE that is not finite is left out rather than sent as null. */
const finiteEntries = (r: Record<string, number> | null): Record<string, number> | null =>
  r === null ? null : Object.fromEntries(Object.entries(r).filter(([, v]) => typeof v === "number" && Number.isFinite(v)));

export const fitDto = (f: Fit): FitDto => ({
  id: f.id,
  runId: f.runId,
  series: f.series,
  target: f.target,
  form: f.form,
  coefficients: finiteEntries(f.coefficients) ?? {},
  standardErrors: finiteEntries(f.standardErrors),
  intervals: f.intervals,
  residual: f.residual,
  nPoints: f.nPoints,
});
