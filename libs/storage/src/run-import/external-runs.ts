/**
 * Runs imported from other tools, stored beside the lab's own: a `runs` row (status done, no
 * experiment; its config carries `external` so every front door can mark it), an `external_runs`
 * row with the mapping, the files it came from, metrics and curves in the usual tables, and rollout
 * samples. Everything one import writes is written in one transaction.
 */
import type { JsonObject, MetricPoint, Run } from "../dto.ts";
import { fromJson, nowIso, toJson } from "../json.ts";
import { type LabStore, connectionOf } from "../store.ts";
import type { RunLogFormat, RunTool } from "./run-log.ts";
import type { RolloutSample } from "./verl-rollouts.ts";

export interface ExternalFile {
  contentHash: string;
  format: RunLogFormat;
  fileName: string;
  importedAt: string;
}

export interface ExternalRun {
  runId: number;
  tool: RunTool;
  mapping: JsonObject;
  files: ExternalFile[];
  samples: number;
  rescoredSamples: number;
}

export interface ExternalSample {
  step: number;
  index: number;
  prompt: string;
  completion: string;
  score: number | null;
  gold: number | null;
}

interface FileRow {
  content_hash: string;
  run_id: number;
  format: RunLogFormat;
  file_name: string;
  imported_at: string;
}

/** The external run a file's content was imported into, or undefined. */
export function fileImportedAs(store: LabStore, contentHash: string): number | undefined {
  const row = connectionOf(store)
    .prepare<[string], { run_id: number }>("SELECT run_id FROM external_files WHERE content_hash = ?")
    .get(contentHash);
  return row?.run_id;
}

export function externalRun(store: LabStore, runId: number): ExternalRun | undefined {
  const db = connectionOf(store);
  const row = db
    .prepare<[number], { run_id: number; tool: RunTool; mapping: string }>("SELECT * FROM external_runs WHERE run_id = ?")
    .get(runId);
  if (!row) return undefined;
  const files = db
    .prepare<[number], FileRow>("SELECT * FROM external_files WHERE run_id = ? ORDER BY imported_at, file_name")
    .all(runId)
    .map((f) => ({ contentHash: f.content_hash, format: f.format, fileName: f.file_name, importedAt: f.imported_at }));
  const counts = db
    .prepare<[number], { n: number; gold: number }>("SELECT count(*) AS n, count(gold) AS gold FROM external_samples WHERE run_id = ?")
    .get(runId)!;
  return {
    runId,
    tool: row.tool,
    mapping: fromJson<JsonObject>(row.mapping) ?? {},
    files,
    samples: counts.n,
    rescoredSamples: counts.gold,
  };
}

/** Ids of every external run, oldest first. */
export function externalRunIds(store: LabStore): number[] {
  return connectionOf(store)
    .prepare<[], { run_id: number }>("SELECT run_id FROM external_runs ORDER BY run_id")
    .all()
    .map((r) => r.run_id);
}

export interface NewExternalRun {
  name: string;
  tool: RunTool;
  /** Shown as the run's config (under `external`), with facts from the file. */
  config: JsonObject;
  mapping: JsonObject;
}

/** Creates the run (status done) and its external_runs row. Call inside a transaction. */
export function createExternalRun(store: LabStore, r: NewExternalRun): Run {
  const db = connectionOf(store);
  const now = nowIso();
  const id = Number(
    db
      .prepare("INSERT INTO runs (name, config, status, seed, created_at, started_at, ended_at) VALUES (?, ?, 'done', 0, ?, NULL, NULL)")
      .run(r.name, toJson(r.config), now).lastInsertRowid,
  );
  db.prepare("INSERT INTO external_runs (run_id, tool, mapping) VALUES (?, ?, ?)").run(id, r.tool, toJson(r.mapping));
  return store.runs.get(id)!;
}

export function recordExternalFile(store: LabStore, runId: number, file: Omit<ExternalFile, "importedAt">): void {
  connectionOf(store)
    .prepare("INSERT INTO external_files (content_hash, run_id, format, file_name, imported_at) VALUES (?, ?, ?, ?, ?)")
    .run(file.contentHash, runId, file.format, file.fileName, nowIso());
}

/** Replaces the run's mapping JSON (e.g. after a rescore or an attached rollout dump). */
export function setExternalMapping(store: LabStore, runId: number, mapping: JsonObject): void {
  connectionOf(store).prepare("UPDATE external_runs SET mapping = ? WHERE run_id = ?").run(toJson(mapping), runId);
}

export function addExternalSamples(store: LabStore, runId: number, samples: readonly RolloutSample[]): void {
  const db = connectionOf(store);
  // A step's samples already stored (another dump of the same step) are refused, not overwritten.
  const insert = db.prepare(
    "INSERT INTO external_samples (run_id, step, sample_index, prompt, completion, score, gold) VALUES (?, ?, ?, ?, ?, ?, NULL)",
  );
  const offset = db.prepare<[number, number], { n: number }>("SELECT count(*) AS n FROM external_samples WHERE run_id = ? AND step = ?");
  const base = new Map<number, number>();
  for (const s of samples) {
    if (!base.has(s.step)) base.set(s.step, offset.get(runId, s.step)!.n);
    insert.run(runId, s.step, base.get(s.step)! + s.index, s.prompt, s.completion, Number.isNaN(s.score) ? null : s.score);
  }
}

export function externalSamples(store: LabStore, runId: number): ExternalSample[] {
  return connectionOf(store)
    .prepare<
      [number],
      { step: number; sample_index: number; prompt: string; completion: string; score: number | null; gold: number | null }
    >("SELECT step, sample_index, prompt, completion, score, gold FROM external_samples WHERE run_id = ? ORDER BY step, sample_index")
    .all(runId)
    .map((r) => ({ step: r.step, index: r.sample_index, prompt: r.prompt, completion: r.completion, score: r.score, gold: r.gold }));
}

/** Stores a rescoring: each sample's gold, the metrics and curve points it produced, and the updated mapping, in one transaction. */
export function storeRescore(
  store: LabStore,
  runId: number,
  r: {
    golds: readonly { step: number; index: number; gold: number }[];
    metrics: readonly Omit<MetricPoint, "runId">[];
    curve: Parameters<LabStore["curves"]["append"]>[0];
    mapping: JsonObject;
  },
): void {
  const db = connectionOf(store);
  const update = db.prepare("UPDATE external_samples SET gold = ? WHERE run_id = ? AND step = ? AND sample_index = ?");
  store.transaction(() => {
    for (const g of r.golds) update.run(g.gold, runId, g.step, g.index);
    store.metrics.append(runId, r.metrics);
    if (r.curve.length) store.curves.append(r.curve);
    setExternalMapping(store, runId, r.mapping);
  });
}
