/**
 * The config fields that the RL study and constrained RLHF share, because both run the same
 * learner loop (rl/train.ts, constrained/learner.ts): the rollout/optimizer settings with PPO's
 * block, the held-out evaluation block, reward-model training settings, and the checks that tie
 * them to the rest of the config. Descriptions that differ between the kinds are parameters, so
 * each kind's help still says what the field means there.
 */
import type { PpoSettings, RlTrainingConfig } from "../../rl/train.ts";
import { type ConfigIssue, type Schema, bool, num, obj } from "../../config/validate.ts";
import { field, positiveInt } from "../common-fields.ts";

/** The learner settings both kinds parse (the RL study adds `algorithm` in front; KL control and evaluation are set per run). */
export type RlLoopSettings = Omit<RlTrainingConfig, "algorithm" | "kl" | "eval">;

/** What the fields whose meaning differs between the kinds say. */
export interface RlLoopText {
  steps: string;
  samplesPerPrompt: string;
  valueLr: string;
  whitenAdvantages: string;
  valueCoef: string;
  ppo: string;
}

/** The fields of the `rl` block, in the order forms and help show them. */
export function rlLoopFields(d: RlLoopSettings, text: RlLoopText) {
  return {
    steps: field(positiveInt(), d.steps, { description: text.steps, unit: "steps" }),
    promptsPerStep: field(positiveInt(), d.promptsPerStep, { description: "Training prompts per rollout.", unit: "prompts" }),
    samplesPerPrompt: field(positiveInt(), d.samplesPerPrompt, { description: text.samplesPerPrompt, unit: "samples" }),
    lr: field(num({ above: 0 }), d.lr, { description: "Policy learning rate (constant AdamW)." }),
    valueLr: field(num({ above: 0 }), d.valueLr, { description: text.valueLr }),
    maxGradNorm: field(num({ above: 0 }), d.maxGradNorm, { description: "Global gradient-norm clip." }),
    whitenAdvantages: field(bool(), d.whitenAdvantages, { description: text.whitenAdvantages }),
    ppo: field(
      obj<PpoSettings>({
        epochs: field(positiveInt(), d.ppo.epochs, { description: "Passes over each rollout." }),
        minibatches: field(positiveInt(), d.ppo.minibatches, { description: "Minibatches per pass." }),
        clip: field(num({ above: 0 }), d.ppo.clip, { description: "Ratio clip epsilon." }),
        valueClip: field(num({ above: 0 }), d.ppo.valueClip, { description: "Value clip." }),
        valueCoef: field(num({ min: 0 }), d.ppo.valueCoef, { description: text.valueCoef }),
        entropyCoef: field(num({ min: 0 }), d.ppo.entropyCoef, { description: "Entropy-bonus coefficient." }),
        gamma: field(num({ min: 0, max: 1 }), d.ppo.gamma, { description: "Discount." }),
        lambda: field(num({ min: 0, max: 1 }), d.ppo.lambda, { description: "GAE lambda." }),
      }),
      d.ppo,
      { description: text.ppo },
    ),
  };
}

export interface EvaluationSettings {
  every: number;
  prompts: number;
  samplesPerPrompt: number;
}

/** The `evaluation` block: how often and on how many held-out prompts; `block` says what is measured. */
export function evaluationField(d: EvaluationSettings, block: string): Schema<EvaluationSettings> {
  return field(
    obj<EvaluationSettings>({
      every: field(positiveInt(), d.every, { description: "Evaluate every this many steps (and after the last).", unit: "steps" }),
      prompts: field(positiveInt(), d.prompts, { description: "Held-out test prompts per evaluation.", unit: "prompts" }),
      samplesPerPrompt: field(positiveInt(), d.samplesPerPrompt, { description: "Samples per prompt per evaluation.", unit: "samples" }),
    }),
    d,
    { description: block },
  );
}

export interface RmTrainingSettings {
  epochs: number;
  batchSize: number;
  lr: number;
}

/** Bradley-Terry training settings of the kind's reward models; `block` says how they train. */
export function rmTrainingField(d: RmTrainingSettings, block: string): Schema<RmTrainingSettings> {
  return field(
    obj<RmTrainingSettings>({
      epochs: field(positiveInt(), d.epochs, { description: "Passes over the comparisons." }),
      batchSize: field(positiveInt(), d.batchSize, { description: "Comparisons per step." }),
      lr: field(num({ above: 0 }), d.lr, { description: "Peak learning rate." }),
    }),
    d,
    { description: block },
  );
}

/** PPO splits each rollout into minibatches, so there may be no more of them than rollout rows. */
export function checkMinibatchesFit(rl: RlLoopSettings, issues: ConfigIssue[]): void {
  const rows = rl.promptsPerStep * rl.samplesPerPrompt;
  if (rl.ppo.minibatches > rows)
    issues.push({
      path: "rl.ppo.minibatches",
      message: `expected at most promptsPerStep x samplesPerPrompt (${rows}), got ${rl.ppo.minibatches}`,
    });
}

/** Evaluations draw distinct held-out prompts, so they cannot ask for more than the test split has. */
export function checkEvaluationFits(evaluation: EvaluationSettings, testPrompts: number, issues: ConfigIssue[]): void {
  if (evaluation.prompts > testPrompts)
    issues.push({ path: "evaluation.prompts", message: `expected at most task.prompts.test (${testPrompts}), got ${evaluation.prompts}` });
}
