/**
 * Config of the DMoERM study (Quan 2024) on the built-in task: the pairs, the label noise of the
 * capability and overall labels, which capabilities get an expert, the baselines' ensemble size and
 * the training recipe. Defaults: DMOERM_DEFAULTS in dmoerm/study.ts.
 */
import { type ConfigIssue, type Schema, join, list, meta, num, obj, oneOf, refine, str, withDefault } from "../../config/validate.ts";
import { DMOERM_DEFAULTS, type DmoermConfig } from "../../dmoerm/study.ts";
import { GOLD_COMPONENTS } from "../../task/gold.ts";

const positiveInt = (max?: number) => num({ integer: true, min: 1, max });
const nonNegativeInt = num({ integer: true, min: 0 });

function field<T>(schema: Schema<T>, value: T, info: Parameters<typeof meta>[1]): Schema<T> {
  return meta(withDefault(schema, value), info);
}

export function dmoermSchema(d: DmoermConfig = DMOERM_DEFAULTS): Schema<DmoermConfig> {
  const shape = obj<DmoermConfig>({
    name: field(str({ pattern: /^[a-z0-9][a-z0-9_.-]*$/i, patternText: "a name of letters, digits, ., - and _" }), d.name, {
      description: "Study name.",
    }),
    task: field(
      obj({
        seed: field(nonNegativeInt, d.task.seed, { description: "Seed of the built-in task world (its prompts and splits)." }),
        prompts: field(
          obj({
            train: field(positiveInt(), d.task.prompts.train, { description: "Training prompts.", unit: "prompts" }),
            validation: field(positiveInt(), d.task.prompts.validation, {
              description: "Validation prompts (unused by this study; part of the task's split).",
              unit: "prompts",
            }),
            test: field(positiveInt(), d.task.prompts.test, {
              description: "Test prompts: the held-out pairs agreement is measured on.",
              unit: "prompts",
            }),
          }),
          d.task.prompts,
          { description: "Prompts per split." },
        ),
      }),
      d.task,
      { description: "The built-in task." },
    ),
    basePolicy: field(
      refine(
        obj({
          layers: field(positiveInt(64), d.basePolicy.layers, {
            description: "Layers of the base policy, whose trunk every reward model starts from.",
            unit: "layers",
          }),
          dModel: field(positiveInt(8192), d.basePolicy.dModel, { description: "Width of the base policy.", unit: "dimensions" }),
          heads: field(positiveInt(128), d.basePolicy.heads, { description: "Attention heads; must divide dModel.", unit: "heads" }),
          pretrainSteps: field(nonNegativeInt, d.basePolicy.pretrainSteps, {
            description: "Pretraining steps (done once, then cached).",
            unit: "steps",
          }),
        }),
        (b, path, issues) => {
          if (b.dModel % b.heads !== 0)
            issues.push({ path: join(path, "heads"), message: `expected a divisor of dModel (${b.dModel}), got ${b.heads}` });
        },
      ),
      d.basePolicy,
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
  return refine(shape, (s, _path, issues: ConfigIssue[]) => {
    if (s.bootstrapReplicates < 10)
      issues.push({ path: "bootstrapReplicates", message: `expected at least 10, got ${s.bootstrapReplicates}` });
  });
}
