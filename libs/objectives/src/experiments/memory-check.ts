/**
 * Refuses a study that will not fit in memory before it does any work (issue 18): each kind's run
 * module lists the models its study builds, grouped into phases whose models are live at the same
 * time, and each phase is checked against the device (engine's planMemory and
 * assertMemoryFits: free RAM on cpu; other devices report no memory, so nothing is refused there).
 * The refusal names every model's estimate and the config field that sizes it.
 */
import { assertMemoryFits, describeMemoryPlan, planMemory, type GptConfig, type MemoryMode, type MemoryPlan } from "@goodhart/engine";
import type { BonStudyConfig } from "../kinds/bon-study/schema.ts";
import type { RlStudyConfig } from "../kinds/rl/schema.ts";
import type { DaaStudyConfig } from "../kinds/daa/schema.ts";
import type { DmoermConfig } from "../dmoerm/study.ts";
import { basePolicyGptConfig } from "../task/base-policy.ts";
import { createTask, type TaskOptions } from "../task/task.ts";
import { WordTokenizer } from "../task/word-tokenizer.ts";
import { REWARD_TRAINING_DEFAULTS } from "./reward-training.ts";

/** One model a phase holds: what it is, the config field that sizes it, and how it is used. */
export interface PlannedModel {
  role: string;
  /** The config field(s) to lower when it does not fit, e.g. "basePolicy.dModel". */
  field: string;
  config: GptConfig;
  mode: MemoryMode;
  batch: number;
  seq: number;
  /** Identical copies live at once (ensemble members); default 1. */
  copies?: number;
  /** Inference only: false for a scoring pass over whole sequences (reward models, reference log-probs); default true (sampling). */
  kvCache?: boolean;
}

/** Models that are in memory at the same time, e.g. the RL loop's policy, reference and reward models. */
export interface MemoryPhase {
  name: string;
  models: PlannedModel[];
}

/** The built-in task's sequence length: prompt + completion, the base policy's position table (task/base-policy.ts). */
const SEQ = 64;
/** The base policy's pretraining batch (task/base-policy.ts's default; not a config field). */
const PRETRAIN_BATCH = 32;
/** Batch of scoring and sampling passes (rewardScores' batchSize in experiments/reward-training.ts). */
const SCORE_BATCH = 256;

/**
 * Throws before any work when the largest phase needs more memory than the device has. `what`
 * names the study; `availableBytes` overrides the device's free memory (tests, or a known GPU).
 */
export function assertStudyFits(what: string, phases: readonly MemoryPhase[], device: string, availableBytes?: number): void {
  for (const phase of phases) {
    const { total, models } = planPhase(phase);
    try {
      assertMemoryFits(total, device, `${what} (${phase.name})`, availableBytes);
    } catch (e) {
      const detail = models
        .map(({ model: m, plan }) => {
          const copies = m.copies ?? 1;
          return `  ${m.role}${copies > 1 ? ` x ${copies}` : ""} (${m.mode}, batch ${m.batch} x ${m.seq} tokens; sized by ${m.field}): ${describeMemoryPlan(plan)}`;
        })
        .join("\n");
      throw new Error(`${(e as Error).message}\n${detail}`);
    }
  }
}

/** The estimate of each model of a phase (copies included) and their sum. */
export function planPhase(phase: MemoryPhase): { total: MemoryPlan; models: { model: PlannedModel; plan: MemoryPlan }[] } {
  const models = phase.models.map((model) => {
    const one = planMemory(model.config, { mode: model.mode, batch: model.batch, seq: model.seq, kvCache: model.kvCache });
    return { model, plan: scale(one, model.copies ?? 1) };
  });
  const total = models.reduce((sum, m) => add(sum, m.plan), scale(models[0]!.plan, 0));
  return { total, models };
}

function scale(p: MemoryPlan, k: number): MemoryPlan {
  return Object.fromEntries(Object.entries(p).map(([key, v]) => [key, v * k])) as unknown as MemoryPlan;
}

function add(a: MemoryPlan, b: MemoryPlan): MemoryPlan {
  return Object.fromEntries(Object.entries(a).map(([key, v]) => [key, v + b[key as keyof MemoryPlan]])) as unknown as MemoryPlan;
}

function taskVocab(seed: number, prompts: TaskOptions["prompts"]): number {
  return new WordTokenizer(createTask(seed, { prompts }).vocabulary).vocabSize;
}

function pretrainPhase(base: { pretrainSteps: number }, config: GptConfig): MemoryPhase[] {
  if (base.pretrainSteps === 0) return [];
  const model: PlannedModel = {
    role: "base policy",
    field: "basePolicy.dModel/layers",
    config,
    mode: "full",
    batch: PRETRAIN_BATCH,
    seq: SEQ,
  };
  return [{ name: "base policy pretraining", models: [model] }];
}

function sizeConfig(size: { layers: number; dModel: number; heads: number }, vocab: number): GptConfig {
  return { vocab, maxSeq: SEQ, dModel: size.dModel, nHeads: size.heads, nLayers: size.layers };
}

/** Best-of-n on the built-in task: pretraining, then each proxy size's reward models trained together (stacked), then scored together. */
export function bonStudyPhases(s: BonStudyConfig, rmBatch = REWARD_TRAINING_DEFAULTS.batchSize): MemoryPhase[] {
  const vocab = taskVocab(s.task.seed, s.task.prompts);
  const policy = basePolicyGptConfig(s.basePolicy, vocab);
  const phases = pretrainPhase(s.basePolicy, policy);
  s.proxySizes.forEach((size, i) => {
    const field = `proxySizes[${i}].dModel/layers`;
    const config = sizeConfig(size, vocab);
    phases.push({
      name: `training proxy ${size.name}`,
      // The ensemble's members train in one stacked program (experiments/stacked-reward-training.ts).
      models: [
        {
          role: `proxy RM ${size.name}`,
          field: `${field} or ensemble.size`,
          config,
          mode: "full",
          batch: 2 * rmBatch,
          seq: SEQ,
          copies: s.ensemble.size,
        },
      ],
    });
    phases.push({
      name: `scoring with proxy ${size.name}`,
      models: [
        {
          role: `proxy RM ${size.name}`,
          field: `${field} or ensemble.size`,
          config,
          mode: "inference",
          kvCache: false,
          batch: SCORE_BATCH,
          seq: SEQ,
          copies: s.ensemble.size,
        },
      ],
    });
  });
  return phases;
}

/** RL: pretraining, reward-model training, then the RL loop with policy (+ value head), reference and k proxy members live at once. */
export function rlStudyPhases(s: RlStudyConfig): MemoryPhase[] {
  const vocab = taskVocab(s.task.seed, s.task.prompts);
  const policy = basePolicyGptConfig(s.basePolicy, vocab);
  const phases = pretrainPhase(s.basePolicy, policy);
  const rollout = s.rl.promptsPerStep * s.rl.samplesPerPrompt;
  s.proxySizes.forEach((size, i) => {
    const field = `proxySizes[${i}].dModel/layers`;
    const config = sizeConfig(size, vocab);
    phases.push({
      name: `training proxy ${size.name}`,
      models: [
        {
          role: `proxy RM ${size.name}`,
          field: `${field} or rmTraining.batchSize`,
          config,
          mode: "full",
          batch: 2 * s.rmTraining.batchSize,
          seq: SEQ,
        },
      ],
    });
    phases.push({
      name: `RL against proxy ${size.name}`,
      models: [
        {
          role: "policy with value head",
          field: "basePolicy.dModel/layers or rl.promptsPerStep x rl.samplesPerPrompt",
          config: policy,
          mode: "full",
          batch: rollout,
          seq: SEQ,
        },
        {
          role: "reference policy",
          field: "basePolicy.dModel/layers",
          config: policy,
          mode: "inference",
          kvCache: false,
          batch: rollout,
          seq: SEQ,
        },
        {
          role: `proxy RM ${size.name}`,
          field: `${field} or ensembleSize`,
          config,
          mode: "inference",
          kvCache: false,
          batch: rollout,
          seq: SEQ,
          copies: s.ensembleSize,
        },
      ],
    });
  });
  return phases;
}

/** Direct alignment: pretraining, then the policy trained (LoRA or full) on chosen and rejected rows beside the frozen reference. */
export function daaStudyPhases(s: DaaStudyConfig): MemoryPhase[] {
  const vocab = taskVocab(s.task.seed, s.task.prompts);
  const policy = basePolicyGptConfig(s.basePolicy, vocab);
  const rows = 2 * s.training.batchSize;
  return [
    ...pretrainPhase(s.basePolicy, policy),
    {
      name: "preference training",
      models: [
        {
          role: "policy",
          field: "basePolicy.dModel/layers or training.batchSize",
          config: policy,
          mode: s.training.finetune,
          batch: rows,
          seq: SEQ,
        },
        {
          role: "reference policy",
          field: "basePolicy.dModel/layers",
          config: policy,
          mode: "inference",
          kvCache: false,
          batch: rows,
          seq: SEQ,
        },
      ],
    },
  ];
}

/** DMoERM: pretraining, then reward models of the base policy's size trained one at a time, then scored together. */
export function dmoermStudyPhases(s: DmoermConfig): MemoryPhase[] {
  const vocab = taskVocab(s.task.seed, s.task.prompts);
  const policy = basePolicyGptConfig(s.basePolicy, vocab);
  return [
    ...pretrainPhase(s.basePolicy, policy),
    {
      name: "reward-model training",
      models: [
        {
          role: "reward model",
          field: "basePolicy.dModel/layers or training.batchSize",
          config: policy,
          mode: "full",
          batch: 2 * s.training.batchSize,
          seq: SEQ,
        },
      ],
    },
    {
      name: "scoring",
      models: [
        {
          role: "reward model",
          field: "basePolicy.dModel/layers or ensembleSize",
          config: policy,
          mode: "inference",
          kvCache: false,
          batch: SCORE_BATCH,
          seq: SEQ,
          copies: s.ensembleSize,
        },
      ],
    },
  ];
}

/**
 * A dataset-task best-of-n study's registered models (experiments/model-init.ts), sized by the
 * model's own config.json: pi_init sampling the pools (KV cache) and each proxy trained from, then
 * scoring with, the model's trunk. `seq` is the task's sequence length.
 */
export function datasetModelPhases(
  s: BonStudyConfig,
  models: readonly { init: { field: string; ref: string }; folder: { name: string }; config: GptConfig }[],
  seq: number,
  rmBatch = REWARD_TRAINING_DEFAULTS.batchSize,
): MemoryPhase[] {
  return models.flatMap(({ init, folder, config }): MemoryPhase[] => {
    const role = `${init.ref} (${folder.name})`;
    if (init.field === "basePolicy.init")
      return [
        {
          name: "sampling from pi_init",
          models: [
            { role: `pi_init ${role}`, field: `${init.field} or bon.poolSize`, config, mode: "inference", batch: s.bon.poolSize, seq },
          ],
        },
      ];
    return [
      {
        name: "training a proxy",
        models: [{ role: `proxy RM from ${role}`, field: init.field, config, mode: "full", batch: 2 * rmBatch, seq }],
      },
      {
        name: "scoring with a proxy",
        models: [{ role: `proxy RM from ${role}`, field: init.field, config, mode: "inference", kvCache: false, batch: SCORE_BATCH, seq }],
      },
    ];
  });
}
