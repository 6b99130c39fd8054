/**
 * Offline rescoring of an external run's rollout samples with the built-in task's gold judge
 * (libs/objectives task.gold, which reads a prompt and a completion as text). Per training step:
 * the mean gold over the step's samples with its standard error, recentred on the first step (the
 * lab's convention: the initial policy scores 0; the first logged step is the closest to it), and
 * the mean of the tool's own scores (the proxy). Where the run's log gave a per-sequence KL at that
 * step, the step becomes a point of the curve `rescore:gold` (gold and proxy against that KL).
 * Everything is written in one transaction; a sample the judge cannot read stops the rescoring
 * before anything is written, naming the sample.
 */
import { createTask } from "@goodhart/objectives";
import { type JsonObject, type LabStore, externalRun, externalSamples, storeRescore } from "@goodhart/storage";
import { LabConflictError, LabValidationError } from "../../shared/errors.ts";
import type { RescoreDto } from "../../shared/lab-api.ts";
import { curveAtKl, missingKlNote, perSequenceKl, stepMeans } from "./rescore-series.ts";

export const RESCORE_GOLD_SERIES = "rescore:gold";

/** The external run and its samples, or a refusal saying what is missing. */
export function rescorable(store: LabStore, runId: number) {
  const run = externalRun(store, runId);
  if (!run) throw new LabConflictError(`Run ${runId} was not imported from another tool; only external runs are rescored.`);
  const samples = externalSamples(store, runId);
  if (samples.length === 0)
    throw new LabConflictError(
      `Run ${runId} has no rollout samples to rescore; import its rollout dump first (goodhart runs import <dump.jsonl> --run ${runId}).`,
    );
  return { run, samples };
}

export function rescoreWithGold(store: LabStore, runId: number): RescoreDto {
  const { run, samples } = rescorable(store, runId);
  // The gold judge is the same for every task seed; the seed only orders the prompt splits.
  const task = createTask(0);
  const golds = samples.map((s) => {
    try {
      return { step: s.step, index: s.index, gold: task.gold(s.prompt, s.completion).total };
    } catch (err) {
      throw new LabValidationError(
        `Run ${runId}, step ${s.step}, sample ${s.index}: the built-in task's gold judge cannot score it (${(err as Error).message}); gold rescoring reads the built-in task's prompts only.`,
      );
    }
  });
  const gold = stepMeans(golds.map((g) => ({ step: g.step, value: g.gold })));
  const proxy = stepMeans(samples.filter((s) => s.score !== null).map((s) => ({ step: s.step, value: s.score! })));
  const steps = [...gold.keys()];
  const offset = gold.get(steps[0]!)!.mean;
  const kl = perSequenceKl(store, run);
  const { curve, missing } = curveAtKl(runId, RESCORE_GOLD_SERIES, kl, steps, (step) => ({
    goldScore: gold.get(step)!.mean - offset,
    goldSe: gold.get(step)!.se,
    proxyScore: proxy.get(step)?.mean ?? null,
    proxySe: proxy.get(step)?.se ?? null,
    prompts: gold.get(step)!.n,
  }));
  const metrics = steps.flatMap((step) => [
    { step, name: "rescore.gold", value: gold.get(step)!.mean - offset },
    { step, name: "rescore.gold_raw", value: gold.get(step)!.mean },
  ]);
  const note = missingKlNote(kl, missing, "rescore.gold");
  const rescored = { ...((run.mapping.rescored as JsonObject | undefined) ?? {}) };
  rescored.gold = { judge: "built-in task gold", series: RESCORE_GOLD_SERIES, samples: golds.length, goldOffset: offset, note };
  storeRescore(store, runId, { golds, metrics, curve, mapping: { ...run.mapping, rescored } });
  return {
    runId,
    scorer: "gold",
    samples: golds.length,
    steps: steps.length,
    series: RESCORE_GOLD_SERIES,
    curvePoints: curve.length,
    goldOffset: offset,
    note,
  };
}
