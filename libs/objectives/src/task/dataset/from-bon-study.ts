/**
 * A best-of-n study whose `task.kind` is "dataset", run on the dataset task: the study's axes
 * (proxy sizes x training sizes x label noise x seeds) and best-of-n settings carry over; the base
 * policy's size and steps become the SFT policy's; the dataset's rows come from the lab through
 * `context.datasets`.
 */
import { loadHfTokenizer, ByteTokenizer, type Tokenizer } from "@goodhart/engine";
import { defaultNs } from "../../bon/kl.ts";
import type { ExperimentContext } from "../../experiments/sink.ts";
import type { BonStudyConfig } from "../../kinds/bon-study/schema.ts";
import { loadDatasetModelStarts } from "../../experiments/model-init.ts";
import { runDatasetBonStudy, type DatasetBonConfig, type DatasetBonResult } from "./study.ts";

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
    policy: {
      layers: study.basePolicy.layers,
      dModel: study.basePolicy.dModel,
      heads: study.basePolicy.heads,
      steps: study.basePolicy.pretrainSteps,
    },
    gold: d.gold,
    proxies: {
      sizes: study.proxySizes,
      trainingSizes: study.trainingSizes,
      labelNoise: study.labelNoise,
      seeds: study.seeds,
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

export async function runBonStudyOnDataset(study: BonStudyConfig, context: ExperimentContext): Promise<DatasetBonResult> {
  const config = datasetConfigFromBonStudy(study);
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
  return runDatasetBonStudy(examples, tokenizer, config, context, starts);
}
