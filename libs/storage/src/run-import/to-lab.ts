/**
 * A parsed run log in the lab's terms: metric names (docs/run-import.md's table), and the curve of
 * proxy score against the per-sequence KL where the log allows it.
 *
 * Conversion: a per-token mean KL times the mean completion length (tokens) of the same step. That
 * is the per-sequence sum exactly when every completion of the batch has the same length, and
 * otherwise mean_i(L_i) * mean_i(kbar_i) instead of mean_i(L_i * kbar_i) (the two differ by the
 * batch covariance of length and per-token KL); it is recorded as a conversion, never as measured.
 */
import type { JsonObject, MetricPoint } from "../dto.ts";
import { OPENRLHF_NAMES } from "./openrlhf.ts";
import type { KlSource, ParsedRunLog, RunTool } from "./run-log.ts";
import { TRL_NAMES } from "./trl.ts";
import { VERL_NAMES } from "./verl.ts";

const NAMES: Record<RunTool, Readonly<Record<string, string>>> = { trl: TRL_NAMES, openrlhf: OPENRLHF_NAMES, verl: VERL_NAMES };

/** The lab's name of a logged key: the tool's table; `eval_` keys under `eval.`; other keys kept as `ext.<key>`. */
export function labMetricName(tool: RunTool, key: string): string {
  const eval_ = key.startsWith("eval_") ? key.slice(5) : null;
  const name = NAMES[tool][eval_ ?? key];
  if (name) return eval_ !== null ? name.replace(/^train\./, "eval.") : name;
  return `ext.${key}`;
}

/** The estimator name a curve series stores: k1 / k2 / k3, `-clipped` when the tool clamps. */
export function estimatorName(kl: KlSource): string {
  return `${kl.estimator}${kl.clip ? "-clipped" : ""}`;
}

export interface LabRunLog {
  metrics: Omit<MetricPoint, "runId">[];
  /** Per step: per-sequence KL and the proxy score, where both are known. */
  curve: { step: number; kl: number; proxy: number | null }[];
  /** What the import did with each key and the KL: stored with the run (external_runs.mapping). */
  mapping: JsonObject;
}

/** Whether the log's KL can be stated per sequence, and how. */
function perSequence(kl: KlSource | null): { ok: boolean; conversion: string } {
  if (!kl) return { ok: false, conversion: "the log holds no KL" };
  if (!kl.onPolicy) return { ok: false, conversion: "not a KL of the policy's own samples: kept as a metric only, no curve" };
  if (kl.aggregation === "per-sequence-sum") return { ok: true, conversion: "none: logged per sequence" };
  if (kl.lengthKey) return { ok: true, conversion: `per-token mean x mean completion length (${kl.lengthKey}) of the same step` };
  return { ok: false, conversion: "per-token mean and no completion length logged: kept as a metric only, no curve" };
}

export function toLab(log: ParsedRunLog): LabRunLog {
  const metrics: LabRunLog["metrics"] = [];
  const names: Record<string, string> = {};
  const curve: LabRunLog["curve"] = [];
  const conversion = perSequence(log.kl);
  for (const row of log.rows) {
    for (const [key, value] of Object.entries(row.values)) {
      const name = (names[key] ??= labMetricName(log.tool, key));
      metrics.push({ step: row.step, name, value });
    }
    if (conversion.ok && log.kl) {
      const raw = row.values[log.kl.key];
      const length = log.kl.lengthKey ? row.values[log.kl.lengthKey] : 1;
      const kl = raw !== undefined && length !== undefined ? raw * length : Number.NaN;
      if (Number.isFinite(kl)) {
        const proxy = log.proxyKey ? row.values[log.proxyKey] : undefined;
        curve.push({ step: row.step, kl, proxy: proxy !== undefined && Number.isFinite(proxy) ? proxy : null });
        metrics.push({ step: row.step, name: `train.kl_sequence_${estimatorName(log.kl)}`, value: kl });
      }
    }
  }
  return {
    metrics,
    curve,
    mapping: {
      tool: log.tool,
      trainer: log.trainer,
      names,
      kl: log.kl
        ? { ...log.kl, estimatorName: estimatorName(log.kl), perSequence: conversion.ok, conversion: conversion.conversion }
        : null,
      proxy: log.proxyKey,
      skipped: log.skipped,
    },
  };
}
