/**
 * The direct alignment study (daa/study.ts) on an imported preference dataset: the study's runs,
 * checkpoints, evaluations and fits are the built-in study's; this module supplies the task's part
 * (daa/study.ts DaaTaskPreparer), following the dataset task's protocol (study.ts):
 *
 * - the split: held-out prompts no model trains on (pairs.ts);
 * - pi_init: the SFT policy on the training split's chosen responses (cached by hash), the frozen
 *   reference a copy of it;
 * - gold: a reward model of the `dataset.gold` size trained on all training-split labels, scores
 *   normalised to mean 0 / std 1 on the held-out responses;
 * - the label set: `labels.pairs` of the dataset's own chosen/rejected pairs (a seeded order of the
 *   training split), the dataset's label deciding each before the study's label noise;
 * - evaluation: the held-out split's pairs (their dataset labels) for log-probs and implicit-reward
 *   accuracy, and `evaluation.prompts` held-out prompts where pi_init's and the trained policy's
 *   samples (the same seeds at every checkpoint) are scored by gold for the win rate and gold gain.
 *
 * With `task.dataset.goldPanel` (a multi-annotator dataset), gold is agreement-based, as in the
 * best-of-n study (panel-study.ts): pi_init and the label set come from the training annotators'
 * majority only, gold trains on the panel's only, and the held-out pairs are oriented by the
 * panel's choice, so the implicit-reward accuracy the study already measures on them is the
 * policy's agreement with the panel. Every run stores the final policy's implicit-reward
 * agreement, gold's and the human ceiling (`agreement.*` metrics, an `agreement` result block).
 */
import { Rng, rewardScores, type Tokenizer } from "@goodhart/engine";
import { applyNormalisation, fitNormalisation } from "../../ensemble.ts";
import type { ExperimentContext } from "../../experiments/sink.ts";
import { runDaaStudy, type DaaStudyOptions, type DaaStudyResult, type DaaTaskPreparer } from "../../daa/study.ts";
import type { DaaHeldOutPair } from "../../daa/evaluate.ts";
import { sequenceLogProbs, type ScoredSequence } from "../../daa/sequences.ts";
import { validate } from "../../config/validate.ts";
import { daaStudySchema } from "../../kinds/daa/schema.ts";
import { DatasetEncoder } from "./encoder.ts";
import type { DatasetPair, LabelledExample } from "./pairs.ts";
import {
  formatAgreement,
  outcomePanelAgreement,
  panelResult,
  panelResultMessage,
  panelSplitMessage,
  recordAgreement,
  recordStudyAgreement,
  runPanelAgreement,
  studySplits,
} from "./panel-study.ts";
import { loadOrTrainSftPolicy, sftSpecOf } from "./sft-policy.ts";
import { comparisonsOf, samplePools, trainDatasetGold } from "./study.ts";
import { interleavedAccuracy } from "../../experiments/reward-training.ts";
import { datasetTokenizer } from "./from-bon-study.ts";

/** The task's part of a DAA study on `examples` (see the module comment). */
export function datasetDaaPreparer(examples: readonly LabelledExample[], tokenizer: Tokenizer): DaaTaskPreparer {
  return async (study, context, { tracker, timed }) => {
    const d = study.task.dataset;
    if (study.task.kind !== "dataset" || !d) throw new Error(`${study.name}: task.kind must be "dataset" with a task.dataset block`);
    const { runtime, sink, signal } = context;
    const { evaluation: ev, labels } = study;
    const seed = study.task.seed;
    const { splits, goldTrain, panel } = studySplits(examples, {
      seed,
      heldOutFraction: d.heldOutFraction,
      datasetId: d.datasetId,
      goldPanel: d.goldPanel,
    });
    if (labels.pairs > splits.train.length)
      throw new RangeError(
        `${study.name}: labels.pairs asks for ${labels.pairs} comparisons; dataset ${d.datasetId}'s training split has ${splits.train.length}`,
      );
    if (splits.heldOut.length === 0 || splits.evalPrompts.length === 0)
      throw new RangeError(`${study.name}: dataset ${d.datasetId} has no held-out pairs (raise task.dataset.heldOutFraction)`);
    const encoder = new DatasetEncoder(tokenizer, { maxPromptTokens: d.maxPromptTokens, maxResponseTokens: d.maxResponseTokens });
    const pad = encoder.pad;
    if (panel) sink.log(panelSplitMessage(panel));

    // pi_init and the frozen reference.
    const spec = sftSpecOf(study.basePolicy, seed);
    const policy = await timed("pretrain", () =>
      loadOrTrainSftPolicy(runtime, encoder, spec, splits.train, context.cacheDir, {
        signal,
        onStep: (step, total, loss) => tracker.update("pretrain", step, total, `SFT loss ${loss.toFixed(3)}`),
      }),
    );
    if (policy.cached) tracker.skip("pretrain");
    sink.log(policy.cached ? `SFT policy loaded from ${policy.path}` : `SFT policy trained and cached in ${policy.path}`);
    sink.checkpoint({
      name: "sft-policy",
      kind: "policy",
      path: policy.path,
      hash: policy.hash,
      config: { datasetId: d.datasetId, ...spec },
    });
    const reference = policy.model.clone({ prefix: "ref." });

    // Gold (with a panel: on the panel's labels only), normalised on the held-out responses.
    const heldComparisons = comparisonsOf(encoder, splits.heldOut);
    const gold = await timed("sampling", () =>
      trainDatasetGold(runtime, encoder, comparisonsOf(encoder, goldTrain), d.gold, seed, { padToken: pad, signal }),
    );
    const heldResponses = heldComparisons.flatMap((c) => [c.chosen, c.rejected]);
    const heldScores = await rewardScores(runtime, gold.model, heldResponses, { padToken: pad, batchSize: 128 });
    const norm = fitNormalisation([heldScores]);
    const goldAccuracy = interleavedAccuracy(heldScores, heldComparisons.length);
    const studyAgreement = panel && panelResult(panel, heldScores);
    if (studyAgreement) sink.log(panelResultMessage(studyAgreement));
    const goldOf = async (sequences: readonly ScoredSequence[]) =>
      applyNormalisation(
        [
          await rewardScores(
            runtime,
            gold.model,
            sequences.map((s) => [...s.tokens]),
            { padToken: pad, batchSize: 128 },
          ),
        ],
        norm,
      )[0]!;

    // The label set: the dataset's own pairs, chosen as response A (score 1 over 0: the study's noise flips it).
    const scored = (prompt: string, response: string): ScoredSequence => ({
      tokens: encoder.sequence(prompt, response),
      promptLength: encoder.promptIds(prompt).length,
    });
    const order = new Rng(seed).fork("daa-pairs").permutation(splits.train.length);
    const train: DatasetPair[] = order.slice(0, labels.pairs).map((i) => splits.train[i]!);
    const held = splits.heldOut.slice(0, ev.heldOutPairs);
    const trainA = train.map((p) => scored(p.prompt, p.chosen));
    const trainB = train.map((p) => scored(p.prompt, p.rejected));
    const heldC = held.map((p) => scored(p.prompt, p.chosen));
    const heldR = held.map((p) => scored(p.prompt, p.rejected));
    const refLp = await timed("sampling", () => sequenceLogProbs(runtime, reference, [...trainA, ...trainB, ...heldC, ...heldR], { pad }));
    const n = train.length;
    const h = held.length;
    const heldOut: DaaHeldOutPair[] = held.map((_, i) => ({
      chosen: heldC[i]!,
      rejected: heldR[i]!,
      refChosen: refLp[2 * n + i]!,
      refRejected: refLp[2 * n + h + i]!,
    }));

    // Evaluation prompts and the sampler: the same seeds at every checkpoint (common random numbers with the reference).
    const prompts = splits.evalPrompts.slice(0, ev.prompts);
    const sampleSeed = Number(new Rng(seed).fork("daa-samples").nextUint32() % 1_000_000) * 1000;
    const sampler = {
      pad,
      draw: async (model: Parameters<typeof samplePools>[2]) => {
        const pools = await samplePools(runtime, encoder, model, prompts, ev.samplesPerPrompt, sampleSeed, signal);
        const sequences = pools.sequences.map((tokens, j) => ({
          tokens,
          promptLength: encoder.promptIds(prompts[Math.floor(j / ev.samplesPerPrompt)]!).length,
          endScored: pools.ended[j]!,
        }));
        return { sequences, gold: await goldOf(sequences) };
      },
    };
    const referenceSamples = await timed("sampling", () => sampler.draw(policy.model));
    sink.log(
      `dataset ${d.datasetId}: ${splits.train.length} training pairs (${n} in the label set), ${splits.heldOut.length} held out (${h} scored), ${prompts.length} evaluation prompts x ${ev.samplesPerPrompt}; gold (${d.gold.name}) held-out accuracy ${goldAccuracy.toFixed(3)}, train ${gold.finalAccuracy.toFixed(3)}`,
    );
    return {
      base: { model: policy.model, hash: policy.hash, cached: policy.cached, path: policy.path },
      pad,
      trainA,
      trainB,
      scoreA: new Float64Array(n).fill(1),
      scoreB: new Float64Array(n),
      refTrainA: refLp.subarray(0, n),
      refTrainB: refLp.subarray(n, 2 * n),
      setup: {
        runtime,
        reference,
        prompts,
        samplesPerPrompt: ev.samplesPerPrompt,
        sampleSeed,
        referenceGold: referenceSamples.gold,
        heldOut,
        signal,
        sampler,
      },
      klPrompts: `held-out:${prompts.length}x${ev.samplesPerPrompt}`,
      ...(studyAgreement
        ? {
            agreement: {
              study: studyAgreement,
              // The held-out pairs are the panel's first `h`, chosen = the panel's choice: implicit-reward accuracy is agreement with it.
              run: (final, runSink) => {
                const block = runPanelAgreement(studyAgreement);
                if (final.perPair.correct.length >= 2) {
                  block.implicitReward = outcomePanelAgreement(panel!, final.perPair.correct);
                  recordAgreement(runSink, "agreement.implicit_reward", block.implicitReward);
                  runSink.log(`final policy: implicit-reward agreement with the panel ${formatAgreement(block.implicitReward)}`);
                }
                recordStudyAgreement(runSink, studyAgreement);
                return block;
              },
            },
          }
        : {}),
    };
  };
}

/** A DAA study config with `task.kind: "dataset"`, run on the lab's rows (`context.datasets`). */
export async function runDaaStudyOnDataset(
  config: unknown,
  context: ExperimentContext,
  options: DaaStudyOptions = {},
): Promise<DaaStudyResult> {
  const study = validate(daaStudySchema(), config);
  const d = study.task.dataset;
  if (study.task.kind !== "dataset" || !d) throw new Error(`${study.name}: task.kind must be "dataset" with a task.dataset block`);
  if (!context.datasets)
    throw new Error(
      `${study.name}: a dataset task needs the lab's datasets, and this runner provides none (run it through the lab: goodhart run or the app)`,
    );
  const examples = await context.datasets.labelledExamples(d.datasetId);
  if (examples.length === 0) throw new Error(`${study.name}: dataset ${d.datasetId} has no labelled pairs`);
  return runDaaStudy(study, context, options, datasetDaaPreparer(examples, datasetTokenizer(d.tokenizer)));
}
