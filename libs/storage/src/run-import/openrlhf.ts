/**
 * OpenRLHF metric logs as JSON lines: one object per logged step, the dict its PPO trainer passes to
 * wandb.log (`train/<key>`, with `train/global_step`), or the same keys without the prefix and a
 * `global_step` / `step`. Evaluation keys (`eval/<key>`) are kept under `eval.`.
 *
 * KL (OpenRLHF's experience maker): `kl` = masked_mean(kl, action_mask, dim=-1) per sample, then the
 * batch mean: a per-token mean of the per-token estimator (`--kl_estimator`, default k1; k2 and k3
 * selectable, and `use_kl_estimator_k3` in older versions, which the log does not record).
 * `response_length` is the mean completion length in tokens, which converts it to per sequence.
 */
import { firstKey, jsonlObjects } from "./jsonl-log.ts";
import { type LogRow, type ParsedRunLog, RunLogError, numericValues, stepOf } from "./run-log.ts";

export const OPENRLHF_NAMES: Readonly<Record<string, string>> = {
  kl: "train.kl",
  reward: "train.reward",
  return: "train.return",
  response_length: "train.completion_tokens",
  total_length: "train.total_tokens",
  policy_loss: "train.policy_loss",
  critic_loss: "train.value_loss",
  entropy_loss: "train.entropy",
  ppo_clip_ratio: "train.clip_fraction",
  ppo_kl: "train.approx_kl",
  actor_lr: "train.lr",
  critic_lr: "train.value_lr",
  ptx_loss: "train.ptx_loss",
  values: "train.value",
  advantages: "train.advantage",
  kl_coef: "train.kl_coef",
};

const STEP_KEYS = ["train/global_step", "global_step", "step", "eval/global_step"];

export function openRlhfReading(keys: ReadonlySet<string>): Pick<ParsedRunLog, "trainer" | "kl" | "proxyKey"> {
  return {
    trainer: keys.has("critic_loss") ? "PPO" : "REINFORCE/GRPO (no critic)",
    kl: keys.has("kl")
      ? {
          key: "kl",
          estimator: "k1",
          aggregation: "per-token-mean",
          clip: null,
          onPolicy: true,
          lengthKey: keys.has("response_length") ? "response_length" : null,
          note: "OpenRLHF: kl = masked mean over each completion's tokens of the per-token estimator (k1, the --kl_estimator default), averaged over the batch",
        }
      : null,
    proxyKey: keys.has("reward") ? "reward" : null,
  };
}

/** Strips OpenRLHF's wandb prefix: `train/kl` -> `kl`; `eval/x` -> `eval_x` (kept apart from training). */
export function openRlhfKey(key: string): string {
  if (key.startsWith("train/")) return key.slice(6);
  if (key.startsWith("eval/")) return `eval_${key.slice(5)}`;
  return key;
}

export function parseOpenRlhfLog(text: string, file: string): ParsedRunLog {
  const rows: LogRow[] = [];
  const skipped: Record<string, number> = {};
  for (const { line, record } of jsonlObjects(text, file)) {
    const stepKey = firstKey(record, STEP_KEYS);
    if (stepKey === undefined) throw new RunLogError(file, line, `no step: expected one of ${STEP_KEYS.join(", ")}`, "global_step");
    const step = stepOf(record[stepKey], file, line, stepKey);
    const values: Record<string, number> = {};
    for (const [key, value] of Object.entries(numericValues(record, skipped)))
      if (!STEP_KEYS.includes(key)) values[openRlhfKey(key)] = value;
    rows.push({ step, line, values });
  }
  const keys = new Set(rows.flatMap((r) => Object.keys(r.values)));
  if (!keys.has("kl") && !keys.has("reward") && !keys.has("policy_loss"))
    throw new RunLogError(file, rows[0]!.line, "none of OpenRLHF's keys (kl, reward, policy_loss): not an OpenRLHF metric log");
  return { tool: "openrlhf", ...openRlhfReading(keys), rows, settings: {}, skipped };
}
