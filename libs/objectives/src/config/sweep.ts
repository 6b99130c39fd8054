/**
 * Expanding a study into runs. The study's axes (proxy size x training-set size x label noise x
 * seed) give one run each; an optional sweep grid over other fields ("bon.poolSize": [256, 1024])
 * multiplies that by the cartesian product of its values. Each run has a stable id: readable axis
 * values plus a hash of the run's full canonical config, so the same run always gets the same id
 * and any change to its config gives a new one.
 */
import { hash64 } from "@goodhart/engine";
import { defaultNs } from "../bon/kl.ts";
import type { BasePolicyConfig, BonStudyConfig, BonTaskConfig, EnsembleConfig, ModelSize } from "../kinds/bon-study/schema.ts";
import { bonStudySchema } from "../kinds/bon-study/schema.ts";
import { expandGrid } from "./grid.ts";
import { parsePath } from "./paths.ts";
import { ConfigError, validate } from "./validate.ts";

/** One grid point of a study: everything a single best-of-n run needs. */
export interface BonRunConfig {
  /** Stable id, e.g. "gao-bon-small/small-c1000-noise0-seed2-1a2b3c4d". */
  id: string;
  study: string;
  experiment: "bon-overoptimization";
  task: BonTaskConfig;
  basePolicy: BasePolicyConfig;
  proxy: ModelSize;
  /** Where the proxy's trunk starts (the study's proxy.init). */
  proxyInit: BonStudyConfig["proxy"]["init"];
  /** Comparisons in the proxy's training set. */
  trainingSize: number;
  labelNoise: number;
  ensemble: EnsembleConfig;
  bon: { poolSize: number; ns: number[]; evalPrompts: number };
  seed: number;
  /** The sweep-grid values that produced this run (empty without a grid). */
  overrides: Record<string, unknown>;
}

/** JSON with object keys sorted at every level: equal configs give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value as object)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Runs of one (validated) study, in axis order: proxy size, training size, noise, seed. */
export function expandStudy(study: BonStudyConfig, overrides: Record<string, unknown> = {}): BonRunConfig[] {
  const ns = study.bon.ns === "default" ? defaultNs(study.bon.poolSize) : [...study.bon.ns].sort((a, b) => a - b);
  const axes = [
    { path: "proxy", values: study.proxySizes },
    { path: "trainingSize", values: study.trainingSizes },
    { path: "labelNoise", values: study.labelNoise },
    { path: "seed", values: study.seeds },
  ];
  return expandGrid(axes).map(({ values }) => {
    const proxy = values.proxy as ModelSize;
    const trainingSize = values.trainingSize as number;
    const labelNoise = values.labelNoise as number;
    const seed = values.seed as number;
    const body: Omit<BonRunConfig, "id"> = {
      study: study.name,
      experiment: study.experiment,
      task: structuredClone(study.task),
      basePolicy: structuredClone(study.basePolicy),
      proxy: structuredClone(proxy),
      proxyInit: study.proxy.init,
      trainingSize,
      labelNoise,
      ensemble: structuredClone(study.ensemble),
      bon: { poolSize: study.bon.poolSize, ns: [...ns], evalPrompts: study.bon.evalPrompts },
      seed,
      overrides: structuredClone(overrides),
    };
    // The default init is left out of the hash: runs stored before proxy.init existed (all
    // pretrained) keep their ids, hence their member seeds; a scratch run gets its own id.
    const hashed = body.proxyInit === "pretrained" ? { ...body, proxyInit: undefined } : body;
    const hash = hash64(canonicalJson(hashed)).toString(16).padStart(16, "0").slice(0, 8);
    return { id: `${study.name}/${proxy.name}-c${trainingSize}-noise${labelNoise}-seed${seed}-${hash}`, ...body };
  });
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = parsePath(path);
  let node: unknown = target;
  for (let i = 0; i < parts.length - 1; i++) {
    node = (node as Record<string | number, unknown>)?.[parts[i]];
    if (typeof node !== "object" || node === null) {
      throw new ConfigError([{ path, message: "sweep key names no field of the study (its parent does not exist)" }]);
    }
  }
  const last = parts[parts.length - 1];
  if (!(last in (node as object))) throw new ConfigError([{ path, message: "sweep key names no field of the study" }]);
  (node as Record<string | number, unknown>)[last] = structuredClone(value);
}

/**
 * Expands a study and a sweep grid into runs: every combination of grid values (cartesian product,
 * the last key varying fastest) is applied to a copy of the study, re-validated, and expanded by
 * `expandStudy`. Run count = product of grid value counts x product of the study's axis lengths.
 *
 * @param grid dotted field path -> values to try, e.g. {"bon.poolSize": [256, 1024], "ensemble.size": [1, 5]}
 * @throws ConfigError naming the grid point and field when a combination is invalid
 */
export function sweep(study: BonStudyConfig, grid: Record<string, readonly unknown[]> = {}): BonRunConfig[] {
  const keys = Object.keys(grid);
  for (const k of keys) {
    parsePath(k);
    if (!Array.isArray(grid[k]) || grid[k].length === 0) {
      throw new ConfigError([{ path: k, message: "expected a non-empty list of values to sweep over" }]);
    }
  }
  const runs: BonRunConfig[] = [];
  for (const { values: point } of expandGrid(keys.map((path) => ({ path, values: grid[path]! })))) {
    const variant = structuredClone(study) as unknown as Record<string, unknown>;
    for (const k of keys) setPath(variant, k, point[k]);
    let validated: BonStudyConfig;
    try {
      validated = validate(bonStudySchema(), variant);
    } catch (err) {
      if (err instanceof ConfigError) {
        throw new ConfigError(err.issues.map((i) => ({ path: i.path, message: `${i.message} (sweep point ${canonicalJson(point)})` })));
      }
      throw err;
    }
    runs.push(...expandStudy(validated, { ...point }));
  }
  const ids = new Set<string>();
  for (const r of runs) {
    if (ids.has(r.id)) throw new ConfigError([{ path: "", message: `sweep produced the run ${r.id} twice; are two grid values equal?` }]);
    ids.add(r.id);
  }
  return runs;
}
