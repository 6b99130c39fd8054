/**
 * `importRunLog(store, file, options)`: reads a run log of another tool, maps it onto the lab's
 * names (to-lab.ts) and stores it as an external run in one transaction. A malformed file throws a
 * RunLogError naming the file and line before anything is written. A file whose content (sha256) was
 * imported before adds nothing and reports the run it went into.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { CurvePoint, JsonObject } from "../dto.ts";
import type { LabStore } from "../store.ts";
import { detectRunLogFormat } from "./detect.ts";
import {
  addExternalSamples,
  createExternalRun,
  externalRun,
  fileImportedAs,
  recordExternalFile,
  setExternalMapping,
} from "./external-runs.ts";
import { parseOpenRlhfLog } from "./openrlhf.ts";
import { type ParsedRunLog, RUN_LOG_FORMATS, type RunLogFormat, RunLogError } from "./run-log.ts";
import { estimatorName, toLab } from "./to-lab.ts";
import { parseTrlTrainerState } from "./trl.ts";
import { type RolloutSample, parseVerlRollouts } from "./verl-rollouts.ts";
import { parseVerlLog } from "./verl.ts";
import { parseWandbCsv } from "./wandb-csv.ts";

export interface RunLogImportOptions {
  /** Default: detected from the file name and first record. */
  format?: RunLogFormat;
  /** The run's name (default: `<tool> <trainer>: <file name>`). */
  name?: string;
  /** A rollout dump only: add its samples to this external run instead of creating one. */
  runId?: number;
}

export interface RunLogImportResult {
  runId: number;
  format: RunLogFormat;
  /** True when this content was imported before: nothing was added. */
  duplicate: boolean;
  metrics: number;
  curvePoints: number;
  samples: number;
}

/** The curve series of an imported log: the tool's score (proxy) against its per-sequence KL. */
export const EXTERNAL_PROXY_SERIES = "proxy:external";
/** Where the KL of an external run was measured: on the training batch's own rollouts. */
export const EXTERNAL_KL_PROMPTS = "train-batch";

function parse(format: Exclude<RunLogFormat, "verl-rollouts">, text: string, file: string): ParsedRunLog {
  if (format === "trl") return parseTrlTrainerState(text, file);
  if (format === "openrlhf") return parseOpenRlhfLog(text, file);
  if (format === "verl") return parseVerlLog(text, file);
  return parseWandbCsv(text, file);
}

export function importRunLog(store: LabStore, file: string, options: RunLogImportOptions = {}): RunLogImportResult {
  if (options.format !== undefined && !RUN_LOG_FORMATS.includes(options.format))
    throw new RunLogError(file, null, `unknown format '${options.format}'; expected one of ${RUN_LOG_FORMATS.join(", ")}`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new RunLogError(file, null, `cannot read the file: ${(err as Error).message}`);
  }
  const contentHash = createHash("sha256").update(bytes).digest("hex");
  const fileName = path.basename(file);
  const text = bytes.toString("utf8");
  const format = options.format ?? detectRunLogFormat(text, file);
  const before = fileImportedAs(store, contentHash);
  if (before !== undefined) return { runId: before, format, duplicate: true, metrics: 0, curvePoints: 0, samples: 0 };
  if (format === "verl-rollouts") return importRollouts(store, parseVerlRollouts(text, file), { file, fileName, contentHash, options });
  if (options.runId !== undefined) throw new RunLogError(file, null, "only a rollout dump can be added to an existing run");

  const log = parse(format, text, file);
  const lab = toLab(log);
  const curve: CurvePoint[] = lab.curve.map((p) => ({
    runId: 0,
    series: EXTERNAL_PROXY_SERIES,
    x: p.step,
    xKind: "step",
    kl: p.kl,
    klEstimator: estimatorName(log.kl!),
    klPrompts: EXTERNAL_KL_PROMPTS,
    proxyScore: p.proxy,
    goldScore: null,
  }));
  const runId = store.transaction(() => {
    const run = createExternalRun(store, {
      name: options.name ?? `${log.tool} ${log.trainer}: ${fileName}`,
      tool: log.tool,
      config: { external: { tool: log.tool, trainer: log.trainer, format, file: fileName }, ...log.settings },
      mapping: lab.mapping,
    });
    recordExternalFile(store, run.id, { contentHash, format, fileName });
    store.metrics.append(run.id, lab.metrics);
    if (curve.length) store.curves.append(curve.map((p) => ({ ...p, runId: run.id })));
    return run.id;
  });
  return { runId, format, duplicate: false, metrics: lab.metrics.length, curvePoints: curve.length, samples: 0 };
}

function importRollouts(
  store: LabStore,
  samples: RolloutSample[],
  c: { file: string; fileName: string; contentHash: string; options: RunLogImportOptions },
): RunLogImportResult {
  const target = c.options.runId;
  if (target !== undefined && !externalRun(store, target))
    throw new RunLogError(c.file, null, `run ${target} is not an imported run; rollout dumps are added to runs imported from other tools`);
  const steps = [...new Set(samples.map((s) => s.step))].sort((a, b) => a - b);
  const meanScore = steps.map((step) => {
    const scores = samples.filter((s) => s.step === step && Number.isFinite(s.score)).map((s) => s.score);
    return { step, name: "train.rollout_score", value: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : Number.NaN };
  });
  const runId = store.transaction(() => {
    const id =
      target ??
      createExternalRun(store, {
        name: c.options.name ?? `verl rollouts: ${c.fileName}`,
        tool: "verl",
        config: { external: { tool: "verl", trainer: "rollout dump", format: "verl-rollouts", file: c.fileName } },
        mapping: { tool: "verl", trainer: "rollout dump", names: {}, kl: null, proxy: "score" },
      }).id;
    recordExternalFile(store, id, { contentHash: c.contentHash, format: "verl-rollouts", fileName: c.fileName });
    addExternalSamples(store, id, samples);
    store.metrics.append(id, meanScore);
    const run = externalRun(store, id)!;
    setExternalMapping(store, id, {
      ...run.mapping,
      rollouts: { files: run.files.filter((f) => f.format === "verl-rollouts").map((f) => f.fileName), samples: run.samples },
    } as JsonObject);
    return id;
  });
  return { runId, format: "verl-rollouts", duplicate: false, metrics: meanScore.length, curvePoints: 0, samples: samples.length };
}
