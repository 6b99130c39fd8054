/**
 * Config of the best-of-n overoptimization study (Gao et al. 2023 design, with the ensemble and
 * label-noise axes of Coste et al. 2024): which proxies to train (sizes x training-set sizes x label
 * noise x seeds), how to aggregate ensembles, and the best-of-n pool.
 *
 * A study lists values along its axes; `expandStudy` turns it into one run config per grid point.
 * Ensemble aggregations are not an axis: the k members of a run are trained once and every listed
 * aggregation is evaluated on the same pools (cheap, and a paired comparison).
 */
import type { Aggregation } from "../ensemble.ts";
import {
  type ConfigIssue, type Schema, join, list, num, obj, refine, str, withDefault, describeValue,
} from "./validate.ts";

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

export interface BonStudyConfig {
  experiment: "bon-overoptimization";
  /** Study name; part of every run id. */
  name: string;
  task: TaskConfig;
  basePolicy: BasePolicyConfig;
  /** Proxy RM sizes (an axis). */
  proxySizes: ModelSize[];
  /** Comparisons in each proxy's training set (an axis). */
  trainingSizes: number[];
  /** Probability of flipping each training label (an axis); 0.25 in Coste et al. */
  labelNoise: number[];
  ensemble: EnsembleConfig;
  bon: BonConfig;
  /** Seeds (an axis): each run's members derive their seeds and data orders from it. */
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
 * 4 heads, 2000 steps); proxies tiny/small/medium; 500/2000/8000 comparisons; noise 0; a single RM
 * (k = 1, mean); N = 1024 with the default n list on 100 test prompts; seeds 1, 2, 3.
 */
export const DEFAULT_BON_STUDY: BonStudyConfig = {
  experiment: "bon-overoptimization",
  name: "bon-study",
  task: { kind: "builtin", seed: 0, prompts: { train: 2000, validation: 200, test: 200 } },
  basePolicy: { preset: "builtin-tiny", layers: 2, dModel: 64, heads: 4, pretrainSteps: 2000 },
  proxySizes: [PROXY_SIZES.tiny, PROXY_SIZES.small, PROXY_SIZES.medium],
  trainingSizes: [500, 2000, 8000],
  labelNoise: [0],
  ensemble: { size: 1, aggregations: [{ kind: "mean" }] },
  bon: { poolSize: 1024, ns: "default", evalPrompts: 100 },
  seeds: [1, 2, 3],
};

const positiveInt = (max?: number) => num({ integer: true, min: 1, max });
const nonNegativeInt = num({ integer: true, min: 0 });

const modelSize: Schema<ModelSize> = refine(
  obj<ModelSize>({
    name: str({ pattern: /^[a-z0-9][a-z0-9_-]*$/i, patternText: "a name of letters, digits, - and _" }),
    layers: positiveInt(64),
    dModel: positiveInt(8192),
    heads: positiveInt(128),
  }),
  (m, path, issues) => {
    if (m.dModel % m.heads !== 0) issues.push({ path: join(path, "heads"), message: `expected a divisor of dModel (${m.dModel}), got ${m.heads}` });
  },
);

const aggregation: Schema<Aggregation> = {
  parse(value, path, issues) {
    if (value === "mean" || value === "wco") return { kind: value };
    if (value === "uwo") return { kind: "uwo", lambda: 0.5 };
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const kind = (value as { kind?: unknown }).kind;
      if (kind === "mean" || kind === "wco") return obj<{ kind: "mean" | "wco" }>({ kind: str() as Schema<"mean" | "wco"> }).parse(value, path, issues);
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
  parse(value, path, issues) {
    if (value === "default") return "default";
    return list(positiveInt(), { minLength: 1, unique: true }).parse(value, path, issues);
  },
};

/** The schema of a study whose missing fields take their values from `defaults`. */
export function bonStudySchema(defaults: BonStudyConfig = DEFAULT_BON_STUDY): Schema<BonStudyConfig> {
  const d = defaults;
  const shape = obj<BonStudyConfig>({
    experiment: withDefault(str({ oneOf: ["bon-overoptimization"] }) as Schema<"bon-overoptimization">, d.experiment),
    name: withDefault(str({ pattern: /^[a-z0-9][a-z0-9_.-]*$/i, patternText: "a name of letters, digits, ., - and _" }), d.name),
    task: withDefault(
      obj<TaskConfig>({
        kind: withDefault(str({ oneOf: ["builtin"] }) as Schema<"builtin">, d.task.kind),
        seed: withDefault(nonNegativeInt, d.task.seed),
        prompts: withDefault(
          obj({
            train: withDefault(positiveInt(), d.task.prompts.train),
            validation: withDefault(nonNegativeInt, d.task.prompts.validation),
            test: withDefault(positiveInt(), d.task.prompts.test),
          }),
          d.task.prompts,
        ),
      }),
      d.task,
    ),
    basePolicy: withDefault(
      refine(
        obj<BasePolicyConfig>({
          preset: withDefault(str(), d.basePolicy.preset),
          layers: withDefault(positiveInt(64), d.basePolicy.layers),
          dModel: withDefault(positiveInt(8192), d.basePolicy.dModel),
          heads: withDefault(positiveInt(128), d.basePolicy.heads),
          pretrainSteps: withDefault(nonNegativeInt, d.basePolicy.pretrainSteps),
        }),
        (b, path, issues) => {
          if (b.dModel % b.heads !== 0) issues.push({ path: join(path, "heads"), message: `expected a divisor of dModel (${b.dModel}), got ${b.heads}` });
        },
      ),
      d.basePolicy,
    ),
    proxySizes: withDefault(
      refine(list(modelSize, { minLength: 1 }), (sizes, path, issues) => {
        const seen = new Set<string>();
        sizes.forEach((s, i) => {
          if (seen.has(s.name)) issues.push({ path: join(join(path, i), "name"), message: `duplicate proxy size name "${s.name}"` });
          seen.add(s.name);
        });
      }),
      d.proxySizes,
    ),
    trainingSizes: withDefault(list(positiveInt(), { minLength: 1, unique: true }), d.trainingSizes),
    labelNoise: withDefault(list(num({ min: 0, below: 0.5 }), { minLength: 1, unique: true }), d.labelNoise),
    ensemble: withDefault(
      refine(
        obj<EnsembleConfig>({
          size: withDefault(positiveInt(64), d.ensemble.size),
          aggregations: withDefault(list(aggregation, { minLength: 1, unique: true }), d.ensemble.aggregations),
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
    ),
    bon: withDefault(
      obj<BonConfig>({
        poolSize: withDefault(positiveInt(1 << 20), d.bon.poolSize),
        ns: withDefault(nsSchema, d.bon.ns),
        evalPrompts: withDefault(positiveInt(), d.bon.evalPrompts),
      }),
      d.bon,
    ),
    seeds: withDefault(list(nonNegativeInt, { minLength: 1, unique: true }), d.seeds),
  });
  return refine(shape, (s, _path, issues: ConfigIssue[]) => {
    if (s.bon.ns !== "default") {
      s.bon.ns.forEach((n, i) => {
        if (n > s.bon.poolSize) issues.push({ path: `bon.ns[${i}]`, message: `expected n <= bon.poolSize (${s.bon.poolSize}), got ${n}` });
      });
    }
    if (s.bon.evalPrompts > s.task.prompts.test) {
      issues.push({ path: "bon.evalPrompts", message: `expected at most task.prompts.test (${s.task.prompts.test}), got ${s.bon.evalPrompts}` });
    }
  });
}
