/**
 * What every run-log parser produces: the tool, the trainer detected from the logged keys, the
 * logged rows (step -> source key -> value, each with the line it came from), run-level settings,
 * and how the KL the tool logs was computed. Parsers are pure (text in, this out); mapping onto the
 * lab's names and storing happen elsewhere (lab-names.ts, store-run-log.ts).
 */
import type { JsonObject } from "../dto.ts";

export const RUN_LOG_FORMATS = ["trl", "openrlhf", "verl", "wandb", "verl-rollouts"] as const;
export type RunLogFormat = (typeof RUN_LOG_FORMATS)[number];
/** The tool that trained the run (a W&B export names the tool whose keys it holds). */
export type RunTool = "trl" | "openrlhf" | "verl";

/** One logged step: source key -> value (NaN where the tool logged NaN). */
export interface LogRow {
  step: number;
  /** 1-based line of the file where the row starts. */
  line: number;
  values: Record<string, number>;
}

/**
 * How a tool's logged KL was computed (DESIGN.md section 2: a KL is stored with its estimator).
 * The lab's curves use KL(pi || pi_init) per sequence (the sum over a completion's tokens).
 */
export interface KlSource {
  /** The key in the log (after prefixes like `train/` are stripped). */
  key: string;
  /** Schulman's sampled estimator of each token: k1 = log p - log q, k2, k3 = (r - 1) - log r. */
  estimator: "k1" | "k2" | "k3";
  /** Sum over a completion's tokens (per sequence) or mean over them (per token), then mean over the batch. */
  aggregation: "per-sequence-sum" | "per-token-mean";
  /** A clamp the tool applies, or null. */
  clip: string | null;
  /** False when the tokens are not the policy's own samples (then it is not an estimate of KL(pi || pi_ref)). */
  onPolicy: boolean;
  /** The key of the mean completion length in tokens, which converts a per-token mean to per sequence; null when not logged. */
  lengthKey: string | null;
  /** Why this reading (source code of the tool, defaults assumed). */
  note: string;
}

export interface ParsedRunLog {
  tool: RunTool;
  /** The trainer inside the tool, detected from the keys (e.g. `PPO/RLOO`, `GRPO`, `DPO`, `KTO`). */
  trainer: string;
  rows: LogRow[];
  /** Run-level facts from the file (batch size, logging steps, final summary), kept in the run's config. */
  settings: JsonObject;
  kl: KlSource | null;
  /** Source key of the score the policy was optimized against (the proxy), or null. */
  proxyKey: string | null;
  /** Keys that were not numbers in some row (text, lists): skipped, counted here. */
  skipped: Record<string, number>;
}

/** A malformed log: names the file and the 1-based line (and the field when one is at fault). */
export class RunLogError extends Error {
  override name = "RunLogError";
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly reason: string,
    readonly field?: string,
  ) {
    super(`${file}${line !== null ? `, line ${line}` : ""}${field !== undefined ? `, field "${field}"` : ""}: ${reason}`);
  }
}

/**
 * A row's numeric values: numbers as they are, numeric text ("0.5", "NaN") read as numbers, null and
 * empty text left out; other values (lists, objects, words) are counted in `skipped`.
 */
export function numericValues(record: Record<string, unknown>, skipped: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(record)) {
    if (typeof value === "number") out[key] = value;
    else if (typeof value === "boolean") out[key] = value ? 1 : 0;
    else if (typeof value === "string" && value.trim() !== "" && NUMERIC.test(value.trim()))
      out[key] = Number(value.trim().replace(/^(-?)inf$/i, "$1Infinity"));
    else if (value === null || value === "") continue;
    else skipped[key] = (skipped[key] ?? 0) + 1;
  }
  return out;
}

const NUMERIC = /^(-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|NaN|nan|-?Infinity|-?inf)$/;

/** A step as the lab stores it: a non-negative safe integer (floats like 10.0 accepted). */
export function stepOf(value: unknown, file: string, line: number, field: string): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0)
    throw new RunLogError(file, line, `the step must be a whole number >= 0, got ${JSON.stringify(value)}`, field);
  return n;
}
