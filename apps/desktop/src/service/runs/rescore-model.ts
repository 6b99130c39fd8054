/**
 * Offline rescoring of an external run's rollout samples with a reward model the lab trained (a
 * best-of-n study's proxy member: a models row of kind "reward", saved by the engine's saveModel).
 * The samples are tokenized as the lab's reward models read the built-in task (`<bos> prompt <sep>
 * completion <eos>`, the task's word tokenizer) and scored with the engine's rewardScores on a CPU
 * runtime of this process. Per step: the mean raw score with its standard error (the member's
 * stored normalisation is not applied), as the metric `rescore.model_<id>` and, where the run's log
 * gave a per-sequence KL, the curve `rescore:model:<id>`; when the samples were rescored with gold
 * too, that curve carries their gold (recentred on the first step) beside the lab proxy's score.
 */
import { createRuntime, loadModelOfKind, rewardScores } from "@goodhart/engine";
import { WordTokenizer, createTask, toWords } from "@goodhart/objectives";
import { type JsonObject, type LabStore, storeRescore } from "@goodhart/storage";
import { LabNotFoundError, LabValidationError } from "../../shared/errors.ts";
import type { RescoreDto } from "../../shared/lab-api.ts";
import { rescorable } from "./rescore-gold.ts";
import { curveAtKl, missingKlNote, perSequenceKl, stepMeans } from "./rescore-series.ts";

/** The models-table kind of a reward model a lab run trained (bon-study's proxy members). */
export const LAB_REWARD_MODEL_KIND = "reward";

export async function rescoreWithLabModel(
  store: LabStore,
  runId: number,
  modelId: number,
  options: { threads?: number } = {},
): Promise<RescoreDto> {
  const { run, samples } = rescorable(store, runId);
  const model = store.models.get(modelId);
  if (!model) throw new LabNotFoundError(`Model ${modelId} does not exist.`);
  if (model.kind !== LAB_REWARD_MODEL_KIND || !model.path)
    throw new LabValidationError(`Model ${modelId} ('${model.name}') is a ${model.kind} model, not a reward model trained by the lab.`);
  const task = createTask(0);
  const tokenizer = new WordTokenizer(task.vocabulary);
  const sequences = samples.map((s) => {
    try {
      return tokenizer.sequenceIds(task.parsePrompt(s.prompt).words, toWords(s.completion));
    } catch (err) {
      throw new LabValidationError(
        `Run ${runId}, step ${s.step}, sample ${s.index}: model ${modelId} cannot read it (${(err as Error).message}); the lab's reward models read the built-in task's text only.`,
      );
    }
  });
  let rm;
  try {
    rm = await loadModelOfKind(model.path, "reward-model");
  } catch (err) {
    throw new LabValidationError(`Model ${modelId} ('${model.name}'): ${(err as Error).message}`);
  }
  const maxSeq = rm.config.maxSeq;
  const tooLong = sequences.findIndex((s) => s.length > maxSeq);
  if (tooLong >= 0)
    throw new LabValidationError(
      `Run ${runId}, step ${samples[tooLong]!.step}, sample ${samples[tooLong]!.index}: ${sequences[tooLong]!.length} tokens, more than model ${modelId} reads (${maxSeq}).`,
    );
  const runtime = await createRuntime({ device: "cpu", ...(options.threads ? { threads: options.threads } : {}) });
  let scores: Float32Array;
  try {
    scores = await rewardScores(runtime, rm, sequences, { padToken: tokenizer.special.pad, batchSize: 128 });
  } finally {
    await runtime.release();
  }
  const proxy = stepMeans(samples.map((s, i) => ({ step: s.step, value: scores[i]! })));
  const gold = stepMeans(samples.filter((s) => s.gold !== null).map((s) => ({ step: s.step, value: s.gold! })));
  const steps = [...proxy.keys()];
  const goldOffset = gold.get(steps[0]!)?.mean ?? null;
  const series = `rescore:model:${modelId}`;
  const metric = `rescore.model_${modelId}`;
  const kl = perSequenceKl(store, run);
  const { curve, missing } = curveAtKl(runId, series, kl, steps, (step) => {
    const g = goldOffset === null ? undefined : gold.get(step);
    return {
      proxyScore: proxy.get(step)!.mean,
      proxySe: proxy.get(step)!.se,
      goldScore: g ? g.mean - goldOffset! : null,
      goldSe: g?.se ?? null,
      prompts: proxy.get(step)!.n,
    };
  });
  const note = missingKlNote(kl, missing, metric);
  const rescored = { ...((run.mapping.rescored as JsonObject | undefined) ?? {}) };
  rescored[`model:${modelId}`] = { model: model.name, path: model.path, series, samples: samples.length, normalised: false, note };
  storeRescore(store, runId, {
    golds: [],
    metrics: steps.map((step) => ({ step, name: metric, value: proxy.get(step)!.mean })),
    curve,
    mapping: { ...run.mapping, rescored },
  });
  return {
    runId,
    scorer: `model:${modelId}`,
    samples: samples.length,
    steps: steps.length,
    series,
    curvePoints: curve.length,
    goldOffset,
    note,
  };
}
