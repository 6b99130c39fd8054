/**
 * Config of the DMoERM study (Quan 2024) on the built-in task: the pairs, the label noise of the
 * capability and overall labels, which capabilities get an expert, the baselines' ensemble size and
 * the training recipe. Defaults: DMOERM_DEFAULTS in dmoerm/study.ts.
 */
import { type ConfigIssue, type Schema, list, num, obj, oneOf, refine } from "../../config/validate.ts";
import { basePolicyField, field, positiveInt, promptSplitsField, studyNameField, taskSeedField } from "../common-fields.ts";
import { DMOERM_DEFAULTS, type DmoermConfig } from "../../dmoerm/study.ts";
import { GOLD_COMPONENTS } from "../../task/gold.ts";

export function dmoermSchema(d: DmoermConfig = DMOERM_DEFAULTS): Schema<DmoermConfig> {
  const shape = obj<DmoermConfig>({
    name: studyNameField(d.name, "Study name."),
    task: field(
      obj({
        seed: taskSeedField(d.task.seed, "Seed of the built-in task world (its prompts and splits)."),
        prompts: promptSplitsField(d.task.prompts, {
          train: "Training prompts.",
          validation: "Validation prompts (unused by this study; part of the task's split).",
          test: "Test prompts: the held-out pairs agreement is measured on.",
        }),
      }),
      d.task,
      { description: "The built-in task." },
    ),
    basePolicy: basePolicyField(
      d.basePolicy,
      {
        layers: "Layers of the base policy, whose trunk every reward model starts from.",
        pretrainSteps: "Pretraining steps (done once, then cached).",
      },
      { description: "The pretrained base policy (cached by config).", constraint: "heads divides dModel" },
    ),
    trainPairs: field(positiveInt(1 << 20), d.trainPairs, {
      description: "Training comparisons (two base-policy samples of a training prompt).",
      unit: "comparisons",
    }),
    testPairs: field(positiveInt(1 << 20), d.testPairs, {
      description: "Held-out comparisons on test prompts, labelled by gold without noise.",
      unit: "comparisons",
    }),
    noise: field(
      obj({
        capability: field(num({ min: 0, below: 0.5 }), d.noise.capability, {
          description: "Flip probability of the capability labels (the LLM judge's disagreement stand-in).",
          unit: "probability",
        }),
        overall: field(num({ min: 0, below: 0.5 }), d.noise.overall, {
          description: "Flip probability of the overall labels (Coste et al.: 0.25).",
          unit: "probability",
        }),
      }),
      d.noise,
      { description: "Label noise." },
    ),
    router: field(oneOf(["trained", "rule"] as const), d.router, {
      description:
        "Outer router: 'trained' (a bag-of-words classifier trained on the training prompts' categories; its held-out accuracy is reported) or 'rule' (the category the built-in task gives each prompt).",
    }),
    labels: field(
      obj({
        capability: field(oneOf(["synthetic", "labelSets"] as const), d.labels.capability, {
          description:
            "Capability labels of the experts: 'synthetic' (one gold component each, with noise.capability) or 'labelSets' (stored label sets, e.g. an LLM judge's, one per capability).",
        }),
        labelSets: field(list(positiveInt(), { unique: true }), d.labels.labelSets, {
          description:
            "With capability 'labelSets': ids of label sets over built-in task comparisons, one per capability in capabilities (goodhart label llm --template <capability>).",
        }),
      }),
      d.labels,
      { description: "Where the experts' labels come from." },
    ),
    bon: field(
      obj({
        prompts: field(positiveInt(1 << 16), d.bon.prompts, { description: "Test prompts of the best-of-n evaluation.", unit: "prompts" }),
        poolSize: field(num({ integer: true, min: 8, max: 4096 }), d.bon.poolSize, {
          description: "Base-policy samples per prompt; best-of-n for n = 1, 2, 4, ... up to it.",
          unit: "samples",
        }),
      }),
      d.bon,
      { description: "Best-of-n with DMoERM and with the single RM as the proxy." },
    ),
    capabilities: field(list(oneOf(GOLD_COMPONENTS), { minLength: 1, unique: true }), d.capabilities, {
      description: "Capabilities with an expert: gold components of the built-in task.",
    }),
    ensembleSize: field(positiveInt(32), d.ensembleSize, {
      description: "Members of the ensemble baseline (mean score); member 0 is the single RM.",
      unit: "models",
    }),
    lora: field(obj({ rank: field(positiveInt(256), d.lora.rank, { description: "LoRA rank of each expert.", unit: "rank" }) }), d.lora, {
      description: "Experts' adapters.",
    }),
    mlpHidden: field(positiveInt(4096), d.mlpHidden, {
      description: "Hidden units of the MLP over the experts' hidden states.",
      unit: "units",
    }),
    training: field(
      obj({
        epochs: field(positiveInt(100), d.training.epochs, { description: "Passes over the comparisons (every model).", unit: "epochs" }),
        batchSize: field(positiveInt(4096), d.training.batchSize, { description: "Comparisons per step.", unit: "comparisons" }),
        lr: field(num({ above: 0, max: 1 }), d.training.lr, { description: "Peak learning rate (cosine, 10% warmup)." }),
      }),
      d.training,
      { description: "Optimisation of the RMs, experts and MLPs." },
    ),
    bootstrapReplicates: field(positiveInt(100_000), d.bootstrapReplicates, {
      description: "Bootstrap replicates of the agreement intervals.",
      unit: "replicates",
    }),
  });
  return refine(refuseDatasetTask(shape), (s, _path, issues: ConfigIssue[]) => {
    if (s.labels.capability === "labelSets" && s.labels.labelSets.length === 0)
      issues.push({
        path: "labels.labelSets",
        message: "labels.capability is 'labelSets': give the ids of the label sets (one per capability)",
      });
    if (s.bon.prompts > s.task.prompts.test)
      issues.push({ path: "bon.prompts", message: `expected at most task.prompts.test (${s.task.prompts.test}), got ${s.bon.prompts}` });
    if (s.bootstrapReplicates < 10)
      issues.push({ path: "bootstrapReplicates", message: `expected at least 10, got ${s.bootstrapReplicates}` });
  });
}

/** Why DMoERM has no dataset task; the message a `task.kind: "dataset"` config is refused with. */
export const DMOERM_DATASET_REFUSAL =
  'DMoERM runs on the built-in task only: its experts are trained on per-capability preference labels and its router on prompt categories, and an imported preference dataset carries one overall label per pair and no categories (use bon-study, rl-study or daa with task.kind "dataset")';

/**
 * Refuses `task.kind: "dataset"` with the reason, before the task block's field check would only
 * call `kind` an unknown field: DMoERM's task has no kind, since it has one task it can run on.
 */
function refuseDatasetTask<T>(schema: Schema<T>): Schema<T> {
  return {
    default: schema.default,
    describe: () => schema.describe(),
    parse(value, path, issues) {
      const task = typeof value === "object" && value !== null ? (value as { task?: unknown }).task : undefined;
      if (typeof task === "object" && task !== null && (task as { kind?: unknown }).kind === "dataset") {
        issues.push({ path: path ? `${path}.task.kind` : "task.kind", message: DMOERM_DATASET_REFUSAL });
        return undefined;
      }
      return schema.parse(value, path, issues);
    },
  };
}
