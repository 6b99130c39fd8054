/**
 * Config of the best-of-n overoptimization study (Gao et al. 2023 design, with the ensemble and
 * label-noise axes of Coste et al. 2024): which proxies to train (sizes x training-set sizes x label
 * noise x seeds), how to aggregate ensembles, and the best-of-n pool.
 *
 * A study lists values along its axes; `expandStudy` turns it into one run config per grid point.
 * Ensemble aggregations are not an axis: the k members of a run are trained once and every listed
 * aggregation is evaluated on the same pools (cheap, and a paired comparison).
 */
import type { Aggregation } from "../../ensemble.ts";
import {
  type ConfigIssue,
  type JsonSchema,
  type Schema,
  join,
  list,
  meta,
  num,
  obj,
  refine,
  str,
  describeValue,
} from "../../config/validate.ts";
import {
  basePolicyField,
  experimentField,
  field,
  headsDivideDModel,
  modelInitSchema,
  type ModelRef,
  nonNegativeInt,
  positiveInt,
  promptSplitsField,
  studyNameField,
  taskSeedField,
} from "../common-fields.ts";
import { datasetTaskBlock, datasetTaskIssues } from "../dataset-task.ts";

/** A transformer size, named so curves can be labelled "small" rather than by numbers. */
export interface ModelSize {
  name: string;
  layers: number;
  dModel: number;
  heads: number;
}

/** The built-in task's settings. */
export interface TaskConfig {
  kind: "builtin";
  /** Seed of the task world (prompt splits and their order). */
  seed: number;
  /** Prompts per split. */
  prompts: { train: number; validation: number; test: number };
}

/** A best-of-n study's task: the built-in world, or an imported dataset (`kind: "dataset"` with its `dataset` block; the seed then seeds its split, policy and samples). */
export interface BonTaskConfig extends Omit<TaskConfig, "kind"> {
  kind: "builtin" | "dataset";
  /** The imported dataset and how it is used (kind "dataset" only); see task/dataset/. */
  dataset?: DatasetTaskConfig;
}

/** An imported preference dataset as the study's task (Gao/Coste on real data: libs/objectives/src/task/dataset). */
export interface DatasetTaskConfig {
  /** The lab's id of the imported dataset. */
  datasetId: number;
  /** "byte" (the byte-level tokenizer) or the path of a Hugging Face tokenizer.json. */
  tokenizer: string;
  /** Fraction of prompts no reward model trains on (validation, normalisation, evaluation prompts). */
  heldOutFraction: number;
  maxPromptTokens: number;
  maxResponseTokens: number;
  /** The gold reward model: larger than the proxies, trained on all training labels. */
  gold: ModelSize;
  /** Agreement-based gold on a multi-annotator dataset (held-out annotator panel); absent: gold trains on all training labels. */
  goldPanel?: GoldPanelConfig;
}

/** The held-out annotator panel: named annotators, or per pair a seeded draw of `perPair` of its annotators (exactly one). */
export interface GoldPanelConfig {
  annotators?: string[];
  perPair?: number;
}

/**
 * The base (initial) policy. Placeholder until the engine's policy models land: the size and the
 * pretraining budget of the tiny transformer pretrained on the task's generator.
 */
export interface BasePolicyConfig {
  preset: string;
  layers: number;
  dModel: number;
  heads: number;
  pretrainSteps: number;
  /** A registered model as pi_init instead ("model:<id>"; dataset tasks whose tokenizer is the model's). */
  init?: "builtin" | ModelRef;
}

export interface EnsembleConfig {
  /** k, members per proxy (trained with different seeds and data orders); 1 = a single RM. */
  size: number;
  /** Aggregations evaluated on every run's members (only "mean" when size = 1). */
  aggregations: Aggregation[];
}

export interface BonConfig {
  /** N, samples drawn per evaluation prompt. */
  poolSize: number;
  /** n values (each <= N); "default" = powers of two up to N, and N. */
  ns: number[] | "default";
  /** Test prompts evaluated (each gets a pool of N samples). */
  evalPrompts: number;
}

/** How the proxy reward models start. */
export interface ProxyConfig {
  /**
   * "pretrained" (default): each proxy's trunk is copied from a language model of the proxy's size
   * pretrained like the base policy (the base policy itself when the sizes agree; cached by config
   * hash), as Gao et al. and Coste et al. initialise reward models from a pretrained LM; "scratch":
   * random weights; "model:<id>": the trunk of a registered model (a dataset task with the model's tokenizer).
   */
  init: "pretrained" | "scratch" | ModelRef;
}

export interface BonStudyConfig {
  experiment: "bon-overoptimization";
  /** Study name; part of every run id. */
  name: string;
  task: BonTaskConfig;
  basePolicy: BasePolicyConfig;
  /** How every proxy starts (not an axis; sweep it with a grid). */
  proxy: ProxyConfig;
  /** Proxy RM sizes (an axis). */
  proxySizes: ModelSize[];
  /** Comparisons in each proxy's training set (an axis). */
  trainingSizes: number[];
  /** Probability of flipping each training label (an axis); 0.25 in Coste et al. */
  labelNoise: number[];
  ensemble: EnsembleConfig;
  bon: BonConfig;
  /** Seeds (an axis): each run's members derive their seeds and data orders from it. A config may give a count: 3 = [1, 2, 3]. */
  seeds: number[];
}

/** Named proxy sizes used by the presets. */
export const PROXY_SIZES: Readonly<Record<"tiny" | "small" | "medium" | "large", ModelSize>> = {
  tiny: { name: "tiny", layers: 1, dModel: 32, heads: 2 },
  small: { name: "small", layers: 2, dModel: 64, heads: 4 },
  medium: { name: "medium", layers: 4, dModel: 128, heads: 4 },
  large: { name: "large", layers: 6, dModel: 192, heads: 6 },
};

/**
 * Defaults of every field (what a field left out of a config file becomes):
 * builtin task seed 0 with 2000/200/200 prompts; base policy "builtin-tiny" (2 layers, d 64,
 * 4 heads, 2000 steps); proxies tiny/small/medium from pretrained trunks; 500/2000/8000 comparisons; noise 0; a single RM
 * (k = 1, mean); N = 1024 with the default n list on 100 test prompts; seeds 1, 2, 3.
 */
export const DEFAULT_BON_STUDY: BonStudyConfig = {
  experiment: "bon-overoptimization",
  name: "bon-study",
  task: { kind: "builtin", seed: 0, prompts: { train: 2000, validation: 200, test: 200 } },
  basePolicy: { preset: "builtin-tiny", layers: 2, dModel: 64, heads: 4, pretrainSteps: 2000 },
  proxy: { init: "pretrained" },
  proxySizes: [PROXY_SIZES.tiny, PROXY_SIZES.small, PROXY_SIZES.medium],
  trainingSizes: [500, 2000, 8000],
  labelNoise: [0],
  ensemble: { size: 1, aggregations: [{ kind: "mean" }] },
  bon: { poolSize: 1024, ns: "default", evalPrompts: 100 },
  seeds: [1, 2, 3],
};

export const modelSize: Schema<ModelSize> = headsDivideDModel(
  obj<ModelSize>({
    name: meta(str({ pattern: /^[a-z0-9][a-z0-9_-]*$/i, patternText: "a name of letters, digits, - and _" }), {
      description: "Label of this size in curves and tables.",
    }),
    layers: meta(positiveInt(64), { description: "Transformer layers.", unit: "layers" }),
    dModel: meta(positiveInt(8192), { description: "Model width.", unit: "dimensions" }),
    heads: meta(positiveInt(128), { description: "Attention heads; must divide dModel.", unit: "heads" }),
  }),
);

const aggregation: Schema<Aggregation> = {
  describe: (): JsonSchema => ({
    description: 'How members combine: "mean", "wco" (worst case), "uwo" (mean - lambda x variance, lambda 0.5), or {kind: "uwo", lambda}.',
    anyOf: [
      { type: "string", enum: ["mean", "wco", "uwo"] },
      { type: "object", properties: { kind: { type: "string", enum: ["mean", "wco"] } }, required: ["kind"], additionalProperties: false },
      {
        type: "object",
        properties: {
          kind: { type: "string", const: "uwo" },
          lambda: { type: "number", minimum: 0, description: "Weight of the members' variance." },
        },
        required: ["kind", "lambda"],
        additionalProperties: false,
      },
    ],
  }),
  parse(value, path, issues) {
    if (value === "mean" || value === "wco") return { kind: value };
    if (value === "uwo") return { kind: "uwo", lambda: 0.5 };
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const kind = (value as { kind?: unknown }).kind;
      if (kind === "mean" || kind === "wco")
        return obj<{ kind: "mean" | "wco" }>({ kind: str() as Schema<"mean" | "wco"> }).parse(value, path, issues);
      if (kind === "uwo") {
        return obj<{ kind: "uwo"; lambda: number }>({ kind: str() as Schema<"uwo">, lambda: num({ min: 0 }) }).parse(value, path, issues);
      }
      issues.push({ path: join(path, "kind"), message: `expected "mean", "wco" or "uwo", got ${describeValue(kind)}` });
      return undefined;
    }
    issues.push({ path, message: `expected "mean", "wco", "uwo" or {kind: "uwo", lambda: number}, got ${describeValue(value)}` });
    return undefined;
  },
};

const nsSchema: Schema<number[] | "default"> = {
  describe: () => ({ anyOf: [{ type: "string", const: "default" }, list(positiveInt(), { minLength: 1, unique: true }).describe()] }),
  parse(value, path, issues) {
    if (value === "default") return "default";
    return list(positiveInt(), { minLength: 1, unique: true }).parse(value, path, issues);
  },
};

/** The most seeds a count may ask for (a count is a shorthand for small studies). */
const MAX_SEED_COUNT = 1000;
const seedList = list(nonNegativeInt, { minLength: 1, unique: true });

/** Seeds as a list, or as a count n meaning [1, ..., n]. */
const seedsSchema: Schema<number[]> = {
  describe: () => ({
    anyOf: [
      { type: "integer", title: "count", minimum: 1, maximum: MAX_SEED_COUNT, description: "A count n: seeds 1, 2, ..., n." },
      seedList.describe(),
    ],
  }),
  parse(value, path, issues) {
    if (typeof value === "number") {
      const count = num({ integer: true, min: 1, max: MAX_SEED_COUNT }).parse(value, path, issues);
      return count === undefined ? undefined : Array.from({ length: count }, (_, i) => i + 1);
    }
    return seedList.parse(value, path, issues);
  },
};

/**
 * The schema of a study whose missing fields take their values from `defaults`. Every field
 * carries its description and unit, so the JSON description (`.describe()`) drives the UI's form
 * and the CLI's help.
 */
export function bonStudySchema(defaults: BonStudyConfig = DEFAULT_BON_STUDY): Schema<BonStudyConfig> {
  const d = defaults;
  const shape = obj<BonStudyConfig>({
    experiment: experimentField("bon-overoptimization", d.experiment),
    name: studyNameField(d.name, "Study name; part of every run id."),
    task: field(
      obj<BonTaskConfig>({
        kind: field(str({ oneOf: ["builtin", "dataset"] }) as Schema<"builtin" | "dataset">, d.task.kind, {
          description: "The task: the built-in synthetic world, or an imported dataset (then `dataset` says which).",
        }),
        dataset: datasetTaskBlock(modelSize),
        seed: taskSeedField(d.task.seed, "Seed of the built-in task world (its prompts and their splits)."),
        prompts: promptSplitsField(
          d.task.prompts,
          {
            train: "Training prompts; two base-policy samples each make one gold-labelled comparison.",
            validation: "Validation prompts: gold-labelled pairs for RM accuracy and the normalisation reference.",
            test: "Test prompts available for the best-of-n pools.",
          },
          { emptyValidation: true },
        ),
      }),
      d.task,
      { description: "The task the policy, the gold reward and the proxies live in." },
    ),
    basePolicy: basePolicyField(
      d.basePolicy,
      {
        preset: "Name of the base policy (its cache key together with the sizes).",
        layers: "Layers of the tiny base policy pretrained on the task's generator (cached by config).",
        heads: "Attention heads of the base policy; must divide dModel.",
        pretrainSteps: "Pretraining steps of the base policy (done once, then cached).",
      },
      { description: "The initial policy whose samples best-of-n picks from.", constraint: "heads divides dModel" },
    ),
    proxy: field(
      obj<ProxyConfig>({
        init: field(modelInitSchema(["pretrained", "scratch"] as const), d.proxy.init, {
          description:
            'Where every proxy starts: "pretrained" copies the trunk of a language model of its size pretrained like the base policy (cached), "scratch" draws random weights, "model:<id>" the trunk of a registered model (dataset tasks; every proxy size must be its shape).',
        }),
      }),
      d.proxy,
      { description: "How the proxy reward models are initialised (the same for every run; sweep proxy.init with a grid)." },
    ),
    proxySizes: field(
      refine(list(modelSize, { minLength: 1 }), (sizes, path, issues) => {
        const seen = new Set<string>();
        sizes.forEach((s, i) => {
          if (seen.has(s.name)) issues.push({ path: join(join(path, i), "name"), message: `duplicate proxy size name "${s.name}"` });
          seen.add(s.name);
        });
      }),
      d.proxySizes,
      {
        description: "Proxy reward-model sizes to train (an axis): name, layers, dModel, heads.",
        constraint: "names are unique; heads divides dModel",
      },
    ),
    trainingSizes: field(list(positiveInt(), { minLength: 1, unique: true }), d.trainingSizes, {
      description: "Comparisons in each proxy's training set (an axis); smaller sets are prefixes of larger ones.",
      unit: "comparisons",
    }),
    labelNoise: field(list(num({ min: 0, below: 0.5 }), { minLength: 1, unique: true }), d.labelNoise, {
      description: "Probability of flipping each training label (an axis); Coste et al. use 0.25.",
      unit: "probability",
    }),
    ensemble: field(
      refine(
        obj<EnsembleConfig>({
          size: field(positiveInt(64), d.ensemble.size, {
            description: "k, reward models per proxy, trained with different seeds and data orders (1 = single RM).",
            unit: "members",
          }),
          aggregations: field(list(aggregation, { minLength: 1, unique: true }), d.ensemble.aggregations, {
            description: "How members combine: mean, wco (worst case), uwo (mean - lambda x variance).",
          }),
        }),
        (e, path, issues) => {
          if (e.size === 1 && e.aggregations.some((a) => a.kind !== "mean")) {
            issues.push({
              path: join(path, "aggregations"),
              message: `expected only "mean" with ensemble.size 1 (WCO and UWO need k >= 2 members), got ${e.aggregations.map((a) => a.kind).join(", ")}`,
            });
          }
        },
      ),
      d.ensemble,
      { description: "Ensembles of proxies (Coste et al.).", constraint: "wco and uwo need size >= 2" },
    ),
    bon: field(
      obj<BonConfig>({
        poolSize: field(positiveInt(1 << 20), d.bon.poolSize, {
          description: "N, base-policy samples per evaluation prompt; best-of-n is estimated without bias for every n <= N.",
          unit: "samples",
        }),
        ns: field(nsSchema, d.bon.ns, { description: 'The n values to evaluate, or "default" (powers of two up to N).', unit: "samples" }),
        evalPrompts: field(positiveInt(), d.bon.evalPrompts, {
          description: "Test prompts in the evaluation (each gets a pool of N samples).",
          unit: "prompts",
        }),
      }),
      d.bon,
      { description: "The best-of-n evaluation.", constraint: "every n <= poolSize; evalPrompts <= task.prompts.test" },
    ),
    seeds: field(seedsSchema, d.seeds, {
      description: "Seeds (an axis): each run's members derive their seeds and data orders from it; a count n means 1, ..., n.",
    }),
  });
  return refine(shape, (s, _path, issues: ConfigIssue[]) => {
    if (s.bon.ns !== "default") {
      s.bon.ns.forEach((n, i) => {
        if (n > s.bon.poolSize) issues.push({ path: `bon.ns[${i}]`, message: `expected n <= bon.poolSize (${s.bon.poolSize}), got ${n}` });
      });
    }
    datasetTaskIssues(s.task, issues, { goldPanel: true });
    if (s.task.kind === "builtin" && s.bon.evalPrompts > s.task.prompts.test) {
      issues.push({
        path: "bon.evalPrompts",
        message: `expected at most task.prompts.test (${s.task.prompts.test}), got ${s.bon.evalPrompts}`,
      });
    }
  });
}
