/**
 * verl metric logs as JSON lines: verl's file logger writes `{"step": n, "data": {<metrics>}}` per
 * training step; a flat object with `step` (or `training/global_step`) is read too.
 *
 * KL (verl's ray_trainer and dp_actor):
 * - `actor/reward_kl_penalty`: KL in the reward (algorithm.use_kl_in_reward); per sample the masked
 *   mean over response tokens of `kl_penalty` (default "kl" = k1), then the batch mean.
 * - `actor/kl_loss`: KL as a loss (actor.use_kl_loss, GRPO's setting); the per-token
 *   `kl_loss_type` (default "low_var_kl" = k3 clamped to [-10, 10]) aggregated by loss_agg_mode
 *   (default "token-mean").
 * Both are per-token means; `response_length/mean` (tokens) converts them to per sequence.
 */
import { firstKey, jsonlObjects } from "./jsonl-log.ts";
import { type LogRow, type ParsedRunLog, RunLogError, numericValues, stepOf } from "./run-log.ts";
import { verlConsoleRecords } from "./verl-console.ts";

export const VERL_NAMES: Readonly<Record<string, string>> = {
  "actor/reward_kl_penalty": "train.kl",
  "actor/kl_loss": "train.kl_loss",
  "actor/reward_kl_penalty_coeff": "train.kl_coef",
  "actor/kl_coef": "train.kl_loss_coef",
  "critic/score/mean": "train.reward",
  "critic/rewards/mean": "train.rlhf_reward",
  "critic/advantages/mean": "train.advantage",
  "critic/returns/mean": "train.return",
  "critic/values/mean": "train.value",
  "critic/vf_loss": "train.value_loss",
  "actor/entropy": "train.entropy",
  "actor/pg_loss": "train.policy_loss",
  "actor/pg_clipfrac": "train.clip_fraction",
  "actor/ppo_kl": "train.approx_kl",
  "actor/grad_norm": "train.grad_norm",
  "actor/lr": "train.lr",
  "response_length/mean": "train.completion_tokens",
  "prompt_length/mean": "train.prompt_tokens",
  "training/epoch": "train.epoch",
};

const STEP_KEYS = ["step", "training/global_step", "_step"];

export function verlReading(keys: ReadonlySet<string>): Pick<ParsedRunLog, "trainer" | "kl" | "proxyKey"> {
  const lengthKey = keys.has("response_length/mean") ? "response_length/mean" : null;
  const trainer = keys.has("critic/vf_loss") ? "PPO (GAE)" : "GRPO/RLOO/REINFORCE++ (no critic)";
  const proxyKey = keys.has("critic/score/mean") ? "critic/score/mean" : null;
  if (keys.has("actor/reward_kl_penalty"))
    return {
      trainer,
      proxyKey,
      kl: {
        key: "actor/reward_kl_penalty",
        estimator: "k1",
        aggregation: "per-token-mean",
        clip: null,
        onPolicy: true,
        lengthKey,
        note: "verl KL in reward: per sample the masked token mean of kl_penalty (default 'kl' = k1), then the batch mean",
      },
    };
  if (keys.has("actor/kl_loss"))
    return {
      trainer,
      proxyKey,
      kl: {
        key: "actor/kl_loss",
        estimator: "k3",
        aggregation: "per-token-mean",
        clip: "each token's k3 clamped to [-10, 10]",
        onPolicy: true,
        lengthKey,
        note: "verl KL loss: kl_loss_type default 'low_var_kl' (k3 clamped to [-10, 10]) with loss_agg_mode 'token-mean'",
      },
    };
  return { trainer, proxyKey, kl: null };
}

export function parseVerlLog(text: string, file: string): ParsedRunLog {
  const rows: LogRow[] = [];
  const skipped: Record<string, number> = {};
  const repeated: Record<string, number> = {};
  // JSON lines from the file logger, or the console logger's `step:n - key:value` lines.
  const isJsonl = text
    .replace(/^\uFEFF/, "")
    .trimStart()
    .startsWith("{");
  const records = isJsonl ? jsonlObjects(text, file) : verlConsoleRecords(text, file, repeated);
  for (const { line, record } of records) {
    const data = "data" in record ? record.data : record;
    if (typeof data !== "object" || data === null || Array.isArray(data))
      throw new RunLogError(file, line, "expected the metrics as an object", "data");
    const inner = data as Record<string, unknown>;
    const stepKey = firstKey(record, STEP_KEYS) ?? firstKey(inner, STEP_KEYS);
    if (stepKey === undefined) throw new RunLogError(file, line, `no step: expected one of ${STEP_KEYS.join(", ")}`, "step");
    const step = stepOf(record[stepKey] ?? inner[stepKey], file, line, stepKey);
    const values: Record<string, number> = {};
    for (const [key, value] of Object.entries(numericValues(inner, skipped))) if (!STEP_KEYS.includes(key)) values[key] = value;
    rows.push({ step, line, values });
  }
  const keys = new Set(rows.flatMap((r) => Object.keys(r.values)));
  if (![...keys].some((k) => k.startsWith("actor/") || k.startsWith("critic/")))
    throw new RunLogError(file, rows[0]!.line, "none of verl's actor/ or critic/ keys: not a verl metric log");
  for (const [key, n] of Object.entries(repeated)) skipped[`${key} (printed again in one line)`] = n;
  return { tool: "verl", ...verlReading(keys), rows, settings: {}, skipped };
}
