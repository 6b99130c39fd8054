/**
 * Config of constrained RLHF with composite reward models (Moskovitz et al. 2024) on the built-in
 * task: one reward model per named gold component, a fixed-weight PPO sweep that locates the proxy
 * points, and the constrained methods run against those points (constrained/study.ts).
 */
import { modelSize, type BasePolicyConfig, type ModelSize, type TaskConfig } from "../bon-study/schema.ts";
import { GOLD_COMPONENTS, type GoldComponent } from "../../task/gold.ts";
import { CONSTRAINED_METHODS, type ConstrainedMethod } from "../../constrained/methods.ts";
import type { ConstrainedTrainingConfig } from "../../constrained/learner.ts";
import { type ConfigIssue, type Schema, list, nullable, num, obj, oneOf, refine } from "../../config/validate.ts";
import {
  basePolicyField,
  builtinTaskField,
  experimentField,
  field,
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
} from "../rl/ppo-fields.ts";

/** The PPO settings of every run (the learner is always PPO: one value head per reward). */
export type ConstrainedRlSettings = Omit<ConstrainedTrainingConfig, "eval">;

export interface ConstrainedRlhfConfig {
  experiment: "constrained-rlhf";
  name: string;
  task: TaskConfig;
  basePolicy: BasePolicyConfig;
  /** The gold components with a reward model each (the composite reward's parts). */
  components: GoldComponent[];
  componentRm: {
    size: ModelSize;
    /** Comparisons labelled by the component (ties dropped). */
    trainingSize: number;
    labelNoise: number;
    training: RmTrainingSettings;
  };
  /** Fixed-weight PPO runs that locate the proxy points and tune the fixed-weight baseline. */
  sweep: { weights: number[][]; klCoef: number };
  methods: ConstrainedMethod[];
  /** Thresholds theta per component (normalised RM units); null: the sweep's proxy points. */
  thresholds: number[] | null;
  multipliers: { lr: number; init: number };
  /** NM-PPO: Nelder-Mead over thresholds inside one run. */
  nm: { steps: number; every: number; start: number[] | null; step: number; goldPrompts: number };
  rl: ConstrainedRlSettings;
  evaluation: EvaluationSettings;
  seeds: number[];
}

export const DEFAULT_CONSTRAINED_RLHF: ConstrainedRlhfConfig = {
  experiment: "constrained-rlhf",
  name: "constrained-rlhf",
  task: { kind: "builtin", seed: 0, prompts: { train: 500, validation: 50, test: 50 } },
  basePolicy: { preset: "builtin-tiny", layers: 1, dModel: 32, heads: 2, pretrainSteps: 200 },
  components: ["informativeness", "fluency"],
  componentRm: {
    size: { name: "policy-size", layers: 1, dModel: 32, heads: 2 },
    trainingSize: 2000,
    labelNoise: 0,
    training: { epochs: 4, batchSize: 64, lr: 5e-3 },
  },
  sweep: {
    weights: [
      [1, 0],
      [0.5, 0.5],
      [0, 1],
    ],
    klCoef: 0.02,
  },
  methods: ["fixed", "ppo-sat", "all-ppo", "mu-ppo", "xi-ppo", "nm-ppo"],
  thresholds: null,
  multipliers: { lr: 0.2, init: 0 },
  nm: { steps: 45, every: 3, start: null, step: 0.5, goldPrompts: 32 },
  rl: {
    steps: 80,
    promptsPerStep: 32,
    samplesPerPrompt: 1,
    lr: 1e-3,
    valueLr: 3e-3,
    maxGradNorm: 1,
    whitenAdvantages: true,
    ppo: { epochs: 2, minibatches: 2, clip: 0.2, valueClip: 0.2, valueCoef: 0.5, entropyCoef: 0, gamma: 1, lambda: 0.95 },
  },
  evaluation: { every: 8, prompts: 48, samplesPerPrompt: 2 },
  seeds: [1, 2, 3],
};

/** Methods that need thresholds (from the config or the sweep's proxy points). */
const NEEDS_THRESHOLDS: readonly ConstrainedMethod[] = ["ppo-sat", "all-ppo", "mu-ppo", "xi-ppo"];

export function constrainedRlhfSchema(d: ConstrainedRlhfConfig = DEFAULT_CONSTRAINED_RLHF): Schema<ConstrainedRlhfConfig> {
  const shape = obj<ConstrainedRlhfConfig>({
    experiment: experimentField("constrained-rlhf", d.experiment),
    name: studyNameField(d.name, "Study name; part of every run id."),
    task: builtinTaskField(d.task, {
      kind: "The built-in synthetic world.",
      seed: "Seed of the task world.",
      prompts: {
        train: "Training prompts: component comparisons and RL rollouts.",
        validation: "Validation prompts: RM accuracy pairs, the normalisation reference and NM-PPO's gold queries.",
        test: "Held-out prompts of the evaluations.",
      },
      block: "The task.",
    }),
    basePolicy: basePolicyField(
      d.basePolicy,
      { preset: "Name of the base policy.", layers: "Layers of the base policy.", pretrainSteps: "Pretraining steps (cached)." },
      { description: "pi_init: the policy RL starts from and every KL is measured against." },
    ),
    components: field(list(oneOf(GOLD_COMPONENTS), { minLength: 2, unique: true }), d.components, {
      description: `Gold components with a reward model each (of ${GOLD_COMPONENTS.join(", ")}); gold is the task's total score.`,
    }),
    componentRm: field(
      obj({
        size: field(modelSize, d.componentRm.size, { description: "Size of each component reward model." }),
        trainingSize: field(positiveInt(), d.componentRm.trainingSize, {
          description: "Comparisons per component (labelled by that component; ties dropped).",
          unit: "comparisons",
        }),
        labelNoise: field(num({ min: 0, below: 0.5 }), d.componentRm.labelNoise, {
          description: "Probability of flipping each component label.",
          unit: "probability",
        }),
        training: rmTrainingField(d.componentRm.training, "Bradley-Terry training from the pretrained trunk."),
      }),
      d.componentRm,
      { description: "The component reward models (one per component, per seed)." },
    ),
    sweep: field(
      obj({
        weights: field(list(list(num({ min: 0 }), { minLength: 1 })), d.sweep.weights, {
          description: "Fixed weight vectors of the sweep, one weight per component each (an axis).",
        }),
        klCoef: field(num({ min: 0 }), d.sweep.klCoef, {
          description: "KL coefficient beta of fixed weights, PPO-SAT and All-PPO.",
          unit: "1/nats",
        }),
      }),
      d.sweep,
      { description: "The fixed-weight sweep: proxy points and the tuned fixed-weight baseline." },
    ),
    methods: field(list(oneOf(CONSTRAINED_METHODS), { unique: true }), d.methods, {
      description:
        "Methods run after the sweep: fixed (the sweep's best weights), ppo-sat (rewards saturated at theta), all-ppo (v_i <= theta_i), mu-ppo (v_i >= theta_i), xi-ppo (v_i = theta_i), nm-ppo (Nelder-Mead over theta in one run).",
    }),
    thresholds: field(nullable(list(num(), { minLength: 1 })), d.thresholds, {
      description: "Thresholds theta per component in normalised RM units; null = the sweep's proxy points.",
    }),
    multipliers: field(
      obj({
        lr: field(num({ above: 0 }), d.multipliers.lr, { description: "Dual learning rate of the multipliers' free parameters." }),
        init: field(num(), d.multipliers.init, { description: "Initial free parameter phi (lambda = sigmoid or tanh of it)." }),
      }),
      d.multipliers,
      { description: "Learned Lagrange multipliers." },
    ),
    nm: field(
      obj({
        steps: field(positiveInt(), d.nm.steps, { description: "PPO steps of the NM-PPO run.", unit: "steps" }),
        every: field(positiveInt(), d.nm.every, { description: "Steps per threshold vector (one gold query each).", unit: "steps" }),
        start: field(nullable(list(num(), { minLength: 1 })), d.nm.start, {
          description: "Initial thresholds; null = 0 per component (the base policy's mean in normalised units).",
        }),
        step: field(num({ above: 0 }), d.nm.step, { description: "Offset of the initial simplex's vertices." }),
        goldPrompts: field(positiveInt(), d.nm.goldPrompts, { description: "Validation prompts per gold query.", unit: "prompts" }),
      }),
      d.nm,
      { description: "NM-PPO: Nelder-Mead (coefficients 1, 2, 0.5, 0.5) over the thresholds of a xi-PPO run." },
    ),
    rl: field(
      obj<ConstrainedRlSettings>(
        rlLoopFields(d.rl, {
          steps: "Rollout + update rounds per run.",
          samplesPerPrompt: "Completions per prompt per rollout.",
          valueLr: "Value heads' learning rate.",
          whitenAdvantages: "Whiten the mixed advantage over the batch's tokens.",
          valueCoef: "Value-loss coefficient (each head).",
          ppo: "PPO settings.",
        }),
      ),
      d.rl,
      { description: "PPO with one value head per component plus one for the KL reward." },
    ),
    evaluation: evaluationField(d.evaluation, "Evaluations on held-out prompts: gold, each component's value, KL."),
    seeds: field(list(nonNegativeInt, { minLength: 1, unique: true }), d.seeds, { description: "Seeds (an axis)." }),
  });
  return refine(shape, (s, _path, issues: ConfigIssue[]) => {
    const n = s.components.length;
    s.sweep.weights.forEach((w, i) => {
      if (w.length !== n)
        issues.push({ path: `sweep.weights[${i}]`, message: `expected ${n} weights (one per component), got ${w.length}` });
      else if (w.every((x) => x === 0))
        issues.push({ path: `sweep.weights[${i}]`, message: "expected at least one weight above 0, got all 0" });
    });
    if (s.thresholds && s.thresholds.length !== n)
      issues.push({ path: "thresholds", message: `expected ${n} thresholds (one per component), got ${s.thresholds.length}` });
    if (s.nm.start && s.nm.start.length !== n)
      issues.push({ path: "nm.start", message: `expected ${n} starting thresholds (one per component), got ${s.nm.start.length}` });
    const noSweep = s.sweep.weights.length === 0;
    if (noSweep && (s.methods.includes("fixed") || s.methods.includes("ppo-sat")))
      issues.push({
        path: "sweep.weights",
        message: "expected at least one weight vector: fixed and ppo-sat use the sweep's best weights",
      });
    if (noSweep && s.thresholds === null && s.methods.some((m) => NEEDS_THRESHOLDS.includes(m)))
      issues.push({
        path: "thresholds",
        message: "expected thresholds, or a sweep to read the proxy points from (sweep.weights is empty)",
      });
    checkMinibatchesFit(s.rl, issues);
    checkEvaluationFits(s.evaluation, s.task.prompts.test, issues);
    if (s.nm.goldPrompts > s.task.prompts.validation)
      issues.push({
        path: "nm.goldPrompts",
        message: `expected at most task.prompts.validation (${s.task.prompts.validation}), got ${s.nm.goldPrompts}`,
      });
    if (s.evaluation.prompts < 2)
      issues.push({ path: "evaluation.prompts", message: "expected at least 2 (bootstrap intervals resample prompts)" });
  });
}
