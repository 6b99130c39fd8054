/**
 * A best-of-n study whose `task.kind` is "dataset", run on the dataset task: the study's axes
 * (proxy sizes x training sizes x label noise x seeds) and best-of-n settings carry over; the base
 * policy's size and steps become the SFT policy's; the dataset's rows come from the lab through
 * `context.datasets`.
 */
import { loadHfTokenizer, ByteTokenizer, type Tokenizer } from "@goodhart/engine";
import { defaultNs } from "../../bon/kl.ts";
import type { ExperimentContext } from "../../experiments/sink.ts";
import { loadDatasetModelStarts } from "../../experiments/model-init.ts";
import { runDatasetBonStudy, type DatasetBonConfig, type DatasetBonResult, type DatasetProxyRun, type GoldCache } from "./study.ts";
import { sftSpecOf } from "./sft-policy.ts";
import { canonicalJson, sweep } from "../../config/sweep.ts";
import { parsePath, setAt } from "../../config/paths.ts";
import { validate } from "../../config/validate.ts";
import { bonStudySchema, type BonStudyConfig } from "../../kinds/bon-study/schema.ts";

/** The dataset study a best-of-n study config describes. */
export function datasetConfigFromBonStudy(study: BonStudyConfig): DatasetBonConfig {
  const d = study.task.dataset;
  if (study.task.kind !== "dataset" || !d)
    throw new Error(`${study.name}: task.kind must be "dataset" with a task.dataset block to run on a dataset`);
  return {
    name: study.name,
    datasetId: d.datasetId,
    seed: study.task.seed,
    heldOutFraction: d.heldOutFraction,
    maxPromptTokens: d.maxPromptTokens,
    maxResponseTokens: d.maxResponseTokens,
    policy: sftSpecOf(study.basePolicy),
    gold: d.gold,
    ...(d.goldPanel ? { goldPanel: d.goldPanel } : {}),
    proxies: {
      sizes: study.proxySizes,
      trainingSizes: study.trainingSizes,
      labelNoise: study.labelNoise,
      seeds: study.seeds,
      ensemble: study.ensemble,
      init: study.proxy.init,
    },
    bon: {
      poolSize: study.bon.poolSize,
      ns: study.bon.ns === "default" ? defaultNs(study.bon.poolSize) : [...study.bon.ns].sort((a, b) => a - b),
      evalPrompts: study.bon.evalPrompts,
    },
  };
}

/** "byte", or the path of a Hugging Face tokenizer.json. */
export function datasetTokenizer(spec: string): Tokenizer {
  return spec === "byte" ? new ByteTokenizer() : loadHfTokenizer(spec);
}

/** Runs the study on its dataset; `point` names the sweep grid point it is (in run ids and configs). */
export async function runBonStudyOnDataset(
  study: BonStudyConfig,
  context: ExperimentContext,
  point?: Record<string, unknown>,
  golds?: GoldCache,
): Promise<DatasetBonResult> {
  const config = { ...datasetConfigFromBonStudy(study), ...(point ? { point } : {}) };
  if (!context.datasets)
    throw new Error(
      `${study.name}: a dataset task needs the lab's datasets, and this runner provides none (run it through the lab: goodhart run or the app)`,
    );
  const examples = await context.datasets.labelledExamples(config.datasetId);
  if (examples.length === 0) throw new Error(`${study.name}: dataset ${config.datasetId} has no labelled pairs`);
  // Registered models (basePolicy.init, proxy.init) are checked against the task and loaded first.
  const starts = await loadDatasetModelStarts(study, context);
  // The model's own folder also names its special tokens (GPT-2's end of text), which tokenizer.json alone may not.
  const tokenizer = starts.tokenizer ?? datasetTokenizer(study.task.dataset!.tokenizer);
  return runDatasetBonStudy(examples, tokenizer, config, context, starts, golds);
}

/** A dataset study swept over other fields: one dataset study per grid point. */
export interface DatasetBonSweepResult {
  study: string;
  datasetId: number;
  /** Each grid point's study (its values in `overrides`), in the grid's order (the last key varies fastest). */
  points: (DatasetBonResult & { overrides: Record<string, unknown> })[];
  /** Every point's proxy runs. */
  runs: DatasetProxyRun[];
}

/** The study with one grid point's values set, validated. */
function studyAt(study: BonStudyConfig, overrides: Record<string, unknown>): BonStudyConfig {
  const variant = structuredClone(study) as unknown as Record<string, unknown>;
  for (const [path, value] of Object.entries(overrides)) setAt(variant, parsePath(path), structuredClone(value), path);
  return validate(bonStudySchema(), variant);
}

/**
 * A dataset study swept over other fields (`grid`: field path -> values; e.g. `bon.poolSize`,
 * `task.dataset.heldOutFraction`, `proxy.init`, even `task.dataset.datasetId`): every point is
 * checked first (sweep() validates each and refuses duplicates, as for the built-in task), then
 * run as its own dataset study, its runs named by the point. A point's SFT policy comes from the
 * cache, and its gold from an earlier point, when their recipe and data are the same.
 */
export async function runBonStudySweepOnDataset(
  study: BonStudyConfig,
  grid: Record<string, readonly unknown[]>,
  context: ExperimentContext,
): Promise<DatasetBonSweepResult> {
  const points = [...new Map(sweep(study, grid).map((r) => [canonicalJson(r.overrides), r.overrides])).values()];
  const variants = points.map((overrides) => ({ overrides, study: studyAt(study, overrides) }));
  for (const v of variants) {
    if (v.study.task.kind !== "dataset")
      throw new Error(
        `${study.name}: grid point ${canonicalJson(v.overrides)} leaves the dataset task; sweep the dataset study's own fields`,
      );
  }
  const results: DatasetBonSweepResult["points"] = [];
  const golds: GoldCache = new Map();
  for (const v of variants) {
    context.signal?.throwIfAborted();
    context.sink.log(`grid point ${results.length + 1}/${variants.length}: ${canonicalJson(v.overrides)}`);
    results.push({ ...(await runBonStudyOnDataset(v.study, context, v.overrides, golds)), overrides: v.overrides });
  }
  return { study: study.name, datasetId: study.task.dataset!.datasetId, points: results, runs: results.flatMap((r) => r.runs) };
}
