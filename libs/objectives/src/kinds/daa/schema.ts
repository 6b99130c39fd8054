/**
 * Config of the direct alignment overoptimization study (Rafailov et al. 2024; RPO of Liu et al.
 * 2024) on the built-in task or an imported dataset: which losses at which betas (and RPO etas),
 * trained on how many comparisons (gold-labelled base-policy samples, or the dataset's own
 * chosen/rejected pairs; with label noise), for how long, evaluated how. One run per (loss, beta,
 * eta for RPO, seed).
 */
import { type ConfigIssue, type Schema, list, num, obj, oneOf, refine, str } from "../../config/validate.ts";
import {
  basePolicyField,
  experimentField,
  field,
  nonNegativeInt,
  positiveInt,
  promptSplitsField,
  studyNameField,
  taskSeedField,
} from "../common-fields.ts";
import { DAA_LOSSES, RPO_PAPER_ETA, type DaaLossKind } from "../../daa/losses.ts";
import { modelSize, type BasePolicyConfig, type BonTaskConfig } from "../bon-study/schema.ts";
import { datasetTaskBlock, datasetTaskIssues } from "../dataset-task.ts";

export interface DaaLabelConfig {
  /** Comparisons (two base-policy samples of a training prompt each) labelled by gold. */
  pairs: number;
  /** Probability of flipping each label. */
  noise: number;
}

export interface DaaTrainingConfig {
  epochs: number;
  batchSize: number;
  lr: number;
  finetune: "lora" | "full";
  loraRank: number;
}

export interface DaaEvaluationConfig {
  /** Held-out (test) prompts sampled at each checkpoint. */
  prompts: number;
  samplesPerPrompt: number;
  /** Gold-labelled comparisons on validation prompts for log-probs and implicit-reward accuracy. */
  heldOutPairs: number;
  /** Checkpoints inside epoch 1, as fractions of it (each epoch's end is always evaluated). */
  epochOneFractions: number[];
}

export interface DaaStudyConfig {
  experiment: "daa-overoptimization";
  name: string;
  /** The built-in task, or an imported dataset (`kind: "dataset"` with its `dataset` block). */
  task: BonTaskConfig;
  basePolicy: BasePolicyConfig;
  losses: DaaLossKind[];
  betas: number[];
  /** eta values of the RPO runs (the paper's 0.005 and a larger one). */
  rpoEtas: number[];
  labels: DaaLabelConfig;
  training: DaaTrainingConfig;
  evaluation: DaaEvaluationConfig;
  seeds: number[];
}

/**
 * Defaults (what a field left out becomes): the built-in task (seed 0; 2000/200/200 prompts), the
 * bon-study's default base policy (2 layers, d 64, 2000 pretraining steps, cached), DPO, IPO and
 * SLiC at betas 0.05, 0.1, 0.3, 1; 1024 clean comparisons; 2 epochs of LoRA (rank 8) at lr 2e-3,
 * batch 32; checkpoints at 1/8, 1/4, 1/2, 3/4 of epoch 1 and each epoch end; 64 test prompts x 2
 * samples and 128 held-out pairs; seeds 1, 2, 3.
 */
export const DEFAULT_DAA_STUDY: DaaStudyConfig = {
  experiment: "daa-overoptimization",
  name: "daa-study",
  task: { kind: "builtin", seed: 0, prompts: { train: 2000, validation: 200, test: 200 } },
  basePolicy: { preset: "builtin-tiny", layers: 2, dModel: 64, heads: 4, pretrainSteps: 2000 },
  losses: ["dpo", "ipo", "slic"],
  betas: [0.05, 0.1, 0.3, 1],
  rpoEtas: [RPO_PAPER_ETA],
  labels: { pairs: 1024, noise: 0 },
  training: { epochs: 2, batchSize: 32, lr: 2e-3, finetune: "lora", loraRank: 8 },
  evaluation: { prompts: 64, samplesPerPrompt: 2, heldOutPairs: 128, epochOneFractions: [0.125, 0.25, 0.5, 0.75] },
  seeds: [1, 2, 3],
};

export function daaStudySchema(defaults: DaaStudyConfig = DEFAULT_DAA_STUDY): Schema<DaaStudyConfig> {
  const d = defaults;
  const shape = obj<DaaStudyConfig>({
    experiment: experimentField("daa-overoptimization", d.experiment),
    name: studyNameField(d.name, "Study name; part of every run id."),
    task: field(
      obj<BonTaskConfig>({
        kind: field(str({ oneOf: ["builtin", "dataset"] }) as Schema<"builtin" | "dataset">, d.task.kind, {
          description:
            "The task: the built-in synthetic world, or an imported dataset (its chosen/rejected pairs are the label set, its gold RM the gold; see `dataset`).",
        }),
        dataset: datasetTaskBlock(modelSize),
        seed: taskSeedField(
          d.task.seed,
          "Seed of the task: the built-in world's prompts and splits, or the dataset's split and SFT policy.",
        ),
        prompts: promptSplitsField(d.task.prompts, {
          train: "Training prompts; two base-policy samples of one make a comparison.",
          validation: "Validation prompts: the held-out gold-labelled pairs.",
          test: "Test prompts: where KL, win rate and gold are measured.",
        }),
      }),
      d.task,
      { description: "The task the policy and the gold reward live in." },
    ),
    basePolicy: basePolicyField(
      d.basePolicy,
      {
        preset: "Name of the base policy (its cache key together with the sizes).",
        layers: "Layers of the base (SFT) policy pretrained on the task's generator (cached by config).",
        pretrainSteps: "Pretraining steps of the base policy (done once, then cached).",
      },
      {
        description: "The base (SFT) policy: where training starts and the frozen reference every KL is measured from.",
        constraint: "heads divides dModel",
      },
    ),
    losses: field(list(oneOf(DAA_LOSSES), { minLength: 1, unique: true }), d.losses, {
      description:
        "Direct alignment losses (an axis): dpo -ln sigma(beta h), ipo (h - 1/(2 beta))^2, slic max(0, 1 - beta h), rpo DPO + eta beta NLL(chosen).",
    }),
    betas: field(list(num({ above: 0, max: 100 }), { minLength: 1, unique: true }), d.betas, {
      description: "beta values (an axis): the KL budgets. Larger beta keeps the policy closer to the reference.",
    }),
    rpoEtas: field(list(num({ above: 0, max: 100 }), { minLength: 1, unique: true }), d.rpoEtas, {
      description:
        "eta of the RPO runs (an axis for rpo only): weight of the chosen NLL, times beta. Liu et al. use 0.005 (not TRL's rpo_alpha).",
    }),
    labels: field(
      obj<DaaLabelConfig>({
        pairs: field(positiveInt(1 << 20), d.labels.pairs, {
          description: "Comparisons of two base-policy samples, labelled by gold (ties dropped).",
          unit: "comparisons",
        }),
        noise: field(num({ min: 0, below: 0.5 }), d.labels.noise, {
          description: "Probability of flipping each label.",
          unit: "probability",
        }),
      }),
      d.labels,
      { description: "The label set: gold-labelled comparisons of the built-in task." },
    ),
    training: field(
      obj<DaaTrainingConfig>({
        epochs: field(positiveInt(100), d.training.epochs, { description: "Passes over the comparisons.", unit: "epochs" }),
        batchSize: field(positiveInt(4096), d.training.batchSize, { description: "Comparisons per optimizer step.", unit: "comparisons" }),
        lr: field(num({ above: 0, max: 1 }), d.training.lr, {
          description: "Learning rate (linear warmup over 10% of an epoch, then constant).",
        }),
        finetune: field(oneOf(["lora", "full"] as const), d.training.finetune, {
          description: "Train a LoRA adapter on the frozen base, or every weight of a copy.",
        }),
        loraRank: field(positiveInt(256), d.training.loraRank, {
          description: "LoRA rank (alpha = 2 x rank) on attention and MLP projections.",
          unit: "rank",
        }),
      }),
      d.training,
      { description: "Optimisation." },
    ),
    evaluation: field(
      obj<DaaEvaluationConfig>({
        prompts: field(positiveInt(), d.evaluation.prompts, { description: "Test prompts sampled at every checkpoint.", unit: "prompts" }),
        samplesPerPrompt: field(positiveInt(64), d.evaluation.samplesPerPrompt, {
          description: "Policy (and reference) samples per test prompt.",
          unit: "samples",
        }),
        heldOutPairs: field(positiveInt(), d.evaluation.heldOutPairs, {
          description: "Gold-labelled comparisons on validation prompts: chosen/rejected log-probs, implicit-reward accuracy.",
          unit: "comparisons",
        }),
        epochOneFractions: field(list(num({ above: 0, below: 1 }), { minLength: 1, unique: true }), d.evaluation.epochOneFractions, {
          description: "Checkpoints inside epoch 1 as fractions of it; every epoch's end is evaluated too.",
          unit: "epochs",
        }),
      }),
      d.evaluation,
      { description: "What is measured at every checkpoint." },
    ),
    seeds: field(list(nonNegativeInt, { minLength: 1, unique: true }), d.seeds, {
      description: "Seeds (an axis): label noise, data order, adapter initialisation.",
    }),
  });
  return refine(shape, (s, _path, issues: ConfigIssue[]) => {
    datasetTaskIssues(s.task, issues, { goldPanel: true });
    // A dataset's own held-out split bounds these when the study runs (task/dataset/daa.ts).
    if (s.task.kind === "builtin" && s.evaluation.prompts > s.task.prompts.test)
      issues.push({
        path: "evaluation.prompts",
        message: `expected at most task.prompts.test (${s.task.prompts.test}), got ${s.evaluation.prompts}`,
      });
    if (s.task.kind === "builtin" && s.evaluation.heldOutPairs > s.task.prompts.validation) {
      issues.push({
        path: "evaluation.heldOutPairs",
        message: `expected at most task.prompts.validation (${s.task.prompts.validation}; one pair per prompt), got ${s.evaluation.heldOutPairs}`,
      });
    }
    if (s.evaluation.epochOneFractions.length < 4) {
      issues.push({
        path: "evaluation.epochOneFractions",
        message: `expected at least 4 checkpoints inside epoch 1 (Rafailov et al.: overoptimization shows before one epoch ends), got ${s.evaluation.epochOneFractions.length}`,
      });
    }
  });
}
