/**
 * Config of the RL overoptimization study (Gao et al. 2023's RL half; Coste et al. 2024's PPO
 * ensembles): proxies of several sizes (each a single RM or an ensemble, trained once per size and
 * seed), a policy optimized by PPO or RLOO against each objective (one member alone, or the
 * ensemble's mean / WCO / UWO) under each KL coefficient, evaluated against gold every few steps.
 *
 * Axes: proxySizes x objectives x klCoefs x seeds, one RL run per point; the proxies of a
 * (size, seed) are shared by every objective and KL coefficient (paired comparisons).
 */
import type { ModelSize, BonTaskConfig, BasePolicyConfig } from "../bon-study/schema.ts";
import { PROXY_SIZES, modelSize } from "../bon-study/schema.ts";
import { ONSET_SIGNALS, type OnsetSignal } from "../../rl/onset.ts";
import type { RlTrainingConfig } from "../../rl/train.ts";
import { type ConfigIssue, type Schema, list, meta, nullable, num, obj, oneOf, optional, refine, str } from "../../config/validate.ts";
import { datasetTaskBlock, datasetTaskIssues } from "../dataset-task.ts";
import {
  basePolicyField,
  promptSplitsField,
  taskSeedField,
  experimentField,
  field,
  modelInitSchema,
  type ModelRef,
  nonNegativeInt,
  positiveInt,
  studyNameField,
} from "../common-fields.ts";
import {
  type EvaluationSettings,
  type RmTrainingSettings,
  checkEvaluationFits,
  checkMinibatchesFit,
  evaluationField,
  rlLoopFields,
  rmTrainingField,
} from "./ppo-fields.ts";

/** What a run does when its chosen onset signal fires. */
export const ONSET_ACTIONS = ["none", "stop", "keep-best"] as const;
export type OnsetAction = (typeof ONSET_ACTIONS)[number];

/** The action and signal a validated config asks for (the older `stopOn: S` read as stop on S). */
export function onsetActionOf(onset: RlStudyConfig["onset"]): { action: OnsetAction; signal: OnsetSignal | null } {
  return onset.stopOn ? { action: "stop", signal: onset.stopOn } : { action: onset.action, signal: onset.signal };
}

/** What the policy maximizes: gold itself (a sanity check), one proxy member, or an aggregation. */
export type RlObjective = "gold" | "single" | "mean" | "wco" | "uwo";

/** The algorithm part of an RL study: rl/train.ts's training config less what the study sets per run (KL control, evaluation). */
export type RlAlgorithmSettings = Omit<RlTrainingConfig, "kl" | "eval">;

export interface RlStudyConfig {
  experiment: "rl-overoptimization";
  name: string;
  /** The built-in task, or an imported dataset (`kind: "dataset"` with its `dataset` block; task/dataset/rl.ts). */
  task: BonTaskConfig;
  basePolicy: BasePolicyConfig;
  /** How the proxies start (left out: from LMs of their sizes pretrained like the base policy). */
  proxy?: { init: "pretrained" | ModelRef };
  /** Proxy sizes (an axis). */
  proxySizes: ModelSize[];
  /** Comparisons in each proxy's training set. */
  trainingSize: number;
  /** Probability of flipping each training label; 0.25 in Coste et al. */
  labelNoise: number;
  /** Members per proxy (k); objectives other than gold/single average over them. */
  ensembleSize: number;
  /** Objectives (an axis). */
  objectives: RlObjective[];
  /** UWO's lambda (0.1 for PPO in Coste et al.). */
  uwoLambda: number;
  /** Fixed KL coefficients beta (an axis); ignored for a run when adaptiveKl is set. */
  klCoefs: number[];
  /** Adaptive KL control (Ziegler et al.): target KL in nats and horizon in samples, starting from each klCoef. */
  adaptiveKl: { target: number; horizon: number } | null;
  rl: RlAlgorithmSettings;
  evaluation: EvaluationSettings;
  rmTraining: RmTrainingSettings;
  /**
   * Overoptimization onset detector (rl/onset.ts): what a run does when `signal` fires: nothing
   * (the signals are only reported), stop there, or keep the previous evaluation's policy as its
   * best checkpoint and go on. `stopOn: S` is the older spelling of `{action: "stop", signal: S}`.
   */
  onset: { action: OnsetAction; signal: OnsetSignal | null; stopOn?: OnsetSignal | null };
  /** Seeds (an axis). */
  seeds: number[];
}

export const DEFAULT_RL_STUDY: RlStudyConfig = {
  experiment: "rl-overoptimization",
  name: "rl-study",
  task: { kind: "builtin", seed: 0, prompts: { train: 2000, validation: 200, test: 200 } },
  basePolicy: { preset: "builtin-tiny", layers: 2, dModel: 64, heads: 4, pretrainSteps: 2000 },
  proxySizes: [PROXY_SIZES.small],
  trainingSize: 2000,
  labelNoise: 0,
  ensembleSize: 1,
  objectives: ["single"],
  uwoLambda: 0.1,
  klCoefs: [0],
  adaptiveKl: null,
  rl: {
    algorithm: "rloo",
    steps: 100,
    promptsPerStep: 16,
    samplesPerPrompt: 4,
    lr: 1e-3,
    valueLr: 3e-3,
    maxGradNorm: 1,
    whitenAdvantages: true,
    ppo: { epochs: 2, minibatches: 2, clip: 0.2, valueClip: 0.2, valueCoef: 0.5, entropyCoef: 0, gamma: 1, lambda: 0.95 },
  },
  evaluation: { every: 10, prompts: 64, samplesPerPrompt: 2 },
  rmTraining: { epochs: 3, batchSize: 64, lr: 5e-3 },
  onset: { action: "none", signal: null },
  seeds: [1, 2, 3],
};

const proxyInitBlock = obj<{ init: "pretrained" | ModelRef }>({
  init: field(modelInitSchema(["pretrained"] as const), "pretrained", {
    description:
      'Where every proxy starts: "pretrained" = an LM of its size pretrained like the base policy, "model:<id>" = a registered model.',
  }),
});

/** The block, left out of the parsed config unless it names a model, so RL run ids stay what they were before the field. */
function optionalUnlessModel(block: typeof proxyInitBlock): Schema<{ init: "pretrained" | ModelRef } | undefined> {
  const inner = optional(block);
  return {
    ...inner,
    parse(value, path, issues) {
      const parsed = inner.parse(value, path, issues);
      return parsed?.init === "pretrained" ? undefined : parsed;
    },
  };
}

export function rlStudySchema(d: RlStudyConfig = DEFAULT_RL_STUDY): Schema<RlStudyConfig> {
  const shape = obj<RlStudyConfig>({
    experiment: experimentField("rl-overoptimization", d.experiment),
    name: studyNameField(d.name, "Study name; part of every run id."),
    task: field(
      obj<BonTaskConfig>({
        kind: field(str({ oneOf: ["builtin", "dataset"] }) as Schema<"builtin" | "dataset">, d.task.kind, {
          description:
            "The task: the built-in synthetic world, or an imported dataset (its training prompts are the rollouts', its comparisons the proxies' data, its gold RM the gold; see `dataset`).",
        }),
        dataset: datasetTaskBlock(modelSize),
        seed: taskSeedField(d.task.seed, "Seed of the task: the built-in world, or the dataset's split and SFT policy."),
        prompts: promptSplitsField(d.task.prompts, {
          train: "Training prompts: proxy comparisons and RL rollouts (built-in task).",
          validation: "Validation prompts: RM accuracy pairs and the normalisation reference (built-in task).",
          test: "Held-out prompts of the evaluations (built-in task).",
        }),
      }),
      d.task,
      { description: "The task." },
    ),
    basePolicy: basePolicyField(
      d.basePolicy,
      { preset: "Name of the base policy.", layers: "Layers of the base policy.", pretrainSteps: "Pretraining steps (cached)." },
      { description: "pi_init: the policy RL starts from and every KL is measured against." },
    ),
    proxy: meta(optionalUnlessModel(proxyInitBlock), { description: "How the proxy reward models start (left out: pretrained)." }),
    proxySizes: field(list(modelSize, { minLength: 1 }), d.proxySizes, { description: "Proxy reward-model sizes (an axis)." }),
    trainingSize: field(positiveInt(), d.trainingSize, { description: "Comparisons in each proxy's training set.", unit: "comparisons" }),
    labelNoise: field(num({ min: 0, below: 0.5 }), d.labelNoise, {
      description: "Probability of flipping each training label.",
      unit: "probability",
    }),
    ensembleSize: field(positiveInt(64), d.ensembleSize, { description: "k, members per proxy (1 = a single RM).", unit: "members" }),
    objectives: field(list(oneOf(["gold", "single", "mean", "wco", "uwo"] as const), { minLength: 1, unique: true }), d.objectives, {
      description:
        "What the policy maximizes (an axis): gold itself, member 0 alone (single), or the ensemble's mean, wco (min) or uwo (mean - lambda var).",
    }),
    uwoLambda: field(num({ min: 0 }), d.uwoLambda, { description: "UWO's lambda (0.1 for PPO in Coste et al.)." }),
    klCoefs: field(list(num({ min: 0 }), { minLength: 1, unique: true }), d.klCoefs, {
      description: "KL penalty coefficients beta (an axis).",
      unit: "1/nats",
    }),
    adaptiveKl: field(nullable(obj({ target: num({ above: 0 }), horizon: num({ above: 0 }) })), d.adaptiveKl, {
      description: "Adaptive KL control (target KL in nats, horizon in samples), starting from each klCoef; null = fixed.",
    }),
    rl: field(
      obj<RlAlgorithmSettings>({
        algorithm: field(oneOf(["ppo", "rloo"] as const), d.rl.algorithm, {
          description: "PPO (GAE, clipped losses, value head) or RLOO (leave-one-out baseline).",
        }),
        ...rlLoopFields(d.rl, {
          steps: "Rollout + update rounds.",
          samplesPerPrompt: "Completions per prompt per rollout (RLOO's k >= 2).",
          valueLr: "Value-head learning rate (PPO).",
          whitenAdvantages: "Whiten advantages over the batch.",
          valueCoef: "Value-loss coefficient.",
          ppo: "PPO settings (ignored by RLOO).",
        }),
      }),
      d.rl,
      { description: "The RL algorithm and its settings." },
    ),
    evaluation: evaluationField(d.evaluation, "Evaluations on held-out prompts: gold, proxy and every member, KL by estimator."),
    rmTraining: rmTrainingField(d.rmTraining, "Proxy training (Bradley-Terry, pretrained trunks)."),
    onset: field(
      obj({
        action: field(oneOf(ONSET_ACTIONS), d.onset.action, {
          description:
            "When the signal fires: none (only report), stop (end the run there, status done, reason in its result), keep-best (keep the previous evaluation's policy as the run's best checkpoint and go on).",
        }),
        signal: field(nullable(oneOf(ONSET_SIGNALS)), d.onset.signal, {
          description: "The signal the action follows (disagreement needs an ensemble objective, value-error PPO).",
        }),
        stopOn: meta(optional(nullable(oneOf(ONSET_SIGNALS))), { description: "Older spelling of action: stop with this signal." }),
      }),
      d.onset,
      {
        description:
          "Onset detector: signals computed without gold at each evaluation (disagreement, proxy-slope, kl-growth, value-error), scored against gold afterwards; action stop or keep-best acts on one of them.",
      },
    ),
    seeds: field(list(nonNegativeInt, { minLength: 1, unique: true }), d.seeds, { description: "Seeds (an axis)." }),
  });
  return refine(shape, (s, _path, issues: ConfigIssue[]) => {
    if (s.rl.algorithm === "rloo" && s.rl.samplesPerPrompt < 2)
      issues.push({
        path: "rl.samplesPerPrompt",
        message: `expected at least 2 for RLOO (the leave-one-out baseline), got ${s.rl.samplesPerPrompt}`,
      });
    // RLOO updates on the whole rollout at once; only PPO splits it.
    if (s.rl.algorithm === "ppo") checkMinibatchesFit(s.rl, issues);
    const needsEnsemble = s.objectives.filter((o) => o === "mean" || o === "wco" || o === "uwo");
    if (s.ensembleSize < 2 && needsEnsemble.some((o) => o !== "mean")) {
      issues.push({
        path: "objectives",
        message: `expected ensembleSize >= 2 for ${needsEnsemble.join(", ")}, got ensembleSize ${s.ensembleSize}`,
      });
    }
    if (s.onset.action !== "none" && s.onset.signal === null)
      issues.push({ path: "onset.signal", message: `expected a signal for onset.action ${s.onset.action}, got null` });
    if (s.onset.stopOn && s.onset.action !== "none")
      issues.push({ path: "onset.stopOn", message: `expected onset.action/signal or the older onset.stopOn, not both` });
    datasetTaskIssues(s.task, issues, { goldPanel: true });
    // On a dataset the held-out split bounds the evaluation prompts; the study checks it once the split is known.
    if (s.task.kind === "builtin") checkEvaluationFits(s.evaluation, s.task.prompts.test, issues);
  });
}
