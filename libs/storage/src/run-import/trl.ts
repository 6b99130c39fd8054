/**
 * TRL's `trainer_state.json` (written by every transformers Trainer, TRL's included): `log_history`
 * is a list of logged dicts, each with `step`; evaluation entries carry `eval_` keys and the last
 * entry is the run's summary (`train_runtime`, `train_loss`, ...).
 *
 * What TRL logs as KL, by trainer (TRL's trainer sources):
 * - PPO / RLOO / online DPO: `objective/kl` = mean over the batch of kl.sum(1), the per-sequence sum
 *   of the per-token estimator (k1 = logprob - ref_logprob by default; `kl_estimator="k3"` in newer
 *   TRL changes it, which the log does not record).
 * - GRPO: `kl` = the masked per-token mean of k3 (exp(ref - logp) - (ref - logp) - 1); the mean
 *   completion length is logged (`completions/mean_length`, older `completion_length`).
 * - KTO: `kl` = the batch mean of summed log-ratios on mismatched (prompt, completion) pairs,
 *   clamped at 0: the KTO reference point, not a KL of the policy's own samples.
 * - DPO: no KL; `rewards/*` are beta-scaled implicit rewards.
 */
import type { JsonObject } from "../dto.ts";
import { arrayElementLines, parsePythonJson } from "./python-json.ts";
import { type KlSource, type LogRow, type ParsedRunLog, RunLogError, numericValues, stepOf } from "./run-log.ts";

/** TRL's keys -> the lab's metric names (docs/run-import.md has the table). */
export const TRL_NAMES: Readonly<Record<string, string>> = {
  "objective/kl": "train.kl",
  "objective/scores": "train.reward",
  "objective/rlhf_reward": "train.rlhf_reward",
  "objective/non_score_reward": "train.kl_penalty",
  "objective/entropy": "train.entropy_sequence",
  "objective/kl_coef": "train.kl_coef",
  "policy/approxkl_avg": "train.approx_kl",
  "policy/clipfrac_avg": "train.clip_fraction",
  "policy/entropy_avg": "train.entropy",
  "loss/policy_avg": "train.policy_loss",
  "loss/value_avg": "train.value_loss",
  "val/ratio": "train.ratio",
  kl: "train.kl",
  reward: "train.reward",
  reward_std: "train.reward_std",
  entropy: "train.entropy",
  clip_ratio: "train.clip_fraction",
  "completions/mean_length": "train.completion_tokens",
  completion_length: "train.completion_tokens",
  "rewards/chosen": "train.implicit_reward_chosen",
  "rewards/rejected": "train.implicit_reward_rejected",
  "rewards/margins": "train.implicit_reward_margin",
  "rewards/accuracies": "train.implicit_reward_accuracy",
  "logps/chosen": "train.logp_chosen",
  "logps/rejected": "train.logp_rejected",
  "logits/chosen": "train.logits_chosen",
  "logits/rejected": "train.logits_rejected",
  loss: "train.loss",
  grad_norm: "train.grad_norm",
  learning_rate: "train.lr",
  lr: "train.lr",
  epoch: "train.epoch",
  episode: "train.episode",
  eps: "train.episodes_per_s",
};

/** The trainer, its KL and its proxy score, read from the keys a TRL log holds. */
export function trlReading(keys: ReadonlySet<string>): Pick<ParsedRunLog, "trainer" | "kl" | "proxyKey"> {
  if (keys.has("objective/kl")) {
    const kl: KlSource = {
      key: "objective/kl",
      estimator: "k1",
      aggregation: "per-sequence-sum",
      clip: null,
      onPolicy: true,
      lengthKey: null,
      note: "TRL PPO/RLOO/online-DPO: objective/kl = mean over the batch of kl.sum(1), kl = logprob - ref_logprob per token (k1, TRL's default kl_estimator)",
    };
    return { trainer: "PPO/RLOO", kl, proxyKey: keys.has("objective/scores") ? "objective/scores" : null };
  }
  const isPreference = keys.has("rewards/chosen") || keys.has("rewards/margins");
  if (keys.has("kl") && isPreference) {
    return {
      trainer: "KTO",
      kl: {
        key: "kl",
        estimator: "k1",
        aggregation: "per-sequence-sum",
        clip: ">= 0 (batch value)",
        onPolicy: false,
        lengthKey: null,
        note: "TRL KTO: kl = mean over mismatched (prompt, completion) pairs of the summed log-ratio, clamped at 0 (the KTO reference point); the completions are not the policy's samples",
      },
      proxyKey: null,
    };
  }
  if (isPreference) return { trainer: "DPO", kl: null, proxyKey: null };
  if (keys.has("kl")) {
    const lengthKey = keys.has("completions/mean_length")
      ? "completions/mean_length"
      : keys.has("completion_length")
        ? "completion_length"
        : null;
    return {
      trainer: "GRPO",
      kl: {
        key: "kl",
        estimator: "k3",
        aggregation: "per-token-mean",
        clip: null,
        onPolicy: true,
        lengthKey,
        note: "TRL GRPO: kl = masked mean over completion tokens of exp(ref - logp) - (ref - logp) - 1 (k3)",
      },
      proxyKey: keys.has("reward") ? "reward" : null,
    };
  }
  return { trainer: keys.has("loss") ? "SFT/other" : "unknown", kl: null, proxyKey: null };
}

/** Keys of the final summary entry transformers adds after training. */
const SUMMARY_KEYS = ["train_runtime", "train_samples_per_second", "train_steps_per_second", "total_flos", "train_loss"];
/** Run-level fields of trainer_state.json kept in the run's config. */
const STATE_FIELDS = [
  "global_step",
  "max_steps",
  "num_train_epochs",
  "logging_steps",
  "eval_steps",
  "save_steps",
  "train_batch_size",
  "epoch",
];

export function parseTrlTrainerState(text: string, file: string): ParsedRunLog {
  let state: unknown;
  try {
    state = parsePythonJson(text);
  } catch (err) {
    const m = /^line (\d+): (.*)$/s.exec((err as Error).message);
    throw new RunLogError(file, m ? Number(m[1]) : null, `invalid JSON: ${m ? m[2] : (err as Error).message}`);
  }
  if (typeof state !== "object" || state === null || Array.isArray(state))
    throw new RunLogError(file, 1, "expected trainer_state.json: a JSON object with a log_history list");
  const history = (state as Record<string, unknown>).log_history;
  if (!Array.isArray(history))
    throw new RunLogError(file, 1, "no log_history list: not a transformers/TRL trainer_state.json", "log_history");
  const lines = arrayElementLines(text, "log_history");
  const rows: LogRow[] = [];
  const skipped: Record<string, number> = {};
  const settings: JsonObject = {};
  for (const f of STATE_FIELDS) {
    const v = (state as Record<string, unknown>)[f];
    if (typeof v === "number") settings[f] = v;
  }
  history.forEach((entry, i) => {
    const line = lines[i] ?? 1;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry))
      throw new RunLogError(file, line, `log_history entry ${i + 1} is not an object`);
    const record = entry as Record<string, unknown>;
    if (!("step" in record)) throw new RunLogError(file, line, `log_history entry ${i + 1} has no step`, "step");
    const step = stepOf(record.step, file, line, "step");
    if (SUMMARY_KEYS.some((k) => k in record) && !("loss" in record)) {
      settings.summary = Object.fromEntries(Object.entries(record).filter(([, v]) => typeof v === "number" || typeof v === "string"));
      return;
    }
    const { step: _s, ...rest } = record;
    for (const [key, value] of Object.entries(rest))
      if (typeof value === "string" && !/^-?[\d.]|^nan$|^-?inf/i.test(value.trim()) && key !== "epoch") {
        // A word where a number belongs is a corrupt entry, not a field to skip silently.
        throw new RunLogError(file, line, `log_history entry ${i + 1}: expected a number, got ${JSON.stringify(value)}`, key);
      }
    rows.push({ step, line, values: numericValues(rest, skipped) });
  });
  if (rows.length === 0) throw new RunLogError(file, lines[0] ?? 1, "log_history holds no logged steps");
  const keys = new Set(rows.flatMap((r) => Object.keys(r.values)));
  return { tool: "trl", ...trlReading(keys), rows, settings, skipped };
}
