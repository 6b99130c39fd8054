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
import {
  type CurvePoint,
  EXTERNAL_KL_PROMPTS,
  type JsonObject,
  type LabStore,
  externalRun,
  externalSamples,
  storeRescore,
} from "@goodhart/storage";
import { LabConflictError, LabValidationError } from "../../shared/errors.ts";
import type { RescoreDto } from "../../shared/lab-api.ts";

export const RESCORE_GOLD_SERIES = "rescore:gold";

function meanAndSe(values: readonly number[]): { mean: number; se: number | null } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, se: null };
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, se: Math.sqrt(variance / n) };
}

export function rescoreWithGold(store: LabStore, runId: number): RescoreDto {
  const run = externalRun(store, runId);
  if (!run) throw new LabConflictError(`Run ${runId} was not imported from another tool; only external runs are rescored.`);
  const samples = externalSamples(store, runId);
  if (samples.length === 0)
    throw new LabConflictError(
      `Run ${runId} has no rollout samples to rescore; import its rollout dump first (goodhart runs import <dump.jsonl> --run ${runId}).`,
    );
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
  const steps = [...new Set(samples.map((s) => s.step))].sort((a, b) => a - b);
  const perStep = steps.map((step) => {
    const g = golds.filter((x) => x.step === step).map((x) => x.gold);
    const scores = samples.filter((s) => s.step === step && s.score !== null).map((s) => s.score!);
    return { step, gold: meanAndSe(g), proxy: scores.length ? meanAndSe(scores) : null, n: g.length };
  });
  const offset = perStep[0]!.gold.mean;
  const kl = run.mapping.kl as { estimatorName?: string; perSequence?: boolean } | null | undefined;
  const klMetric = kl?.perSequence && kl.estimatorName ? `train.kl_sequence_${kl.estimatorName}` : null;
  const klSeries = klMetric ? store.metrics.series(runId, klMetric) : null;
  const klAt = new Map<number, number>();
  if (klSeries) klSeries.steps.forEach((s, i) => klAt.set(s, klSeries.values[i]!));
  const curve: CurvePoint[] = [];
  const missing: number[] = [];
  for (const p of perStep) {
    const k = klAt.get(p.step);
    if (k === undefined || !Number.isFinite(k)) {
      missing.push(p.step);
      continue;
    }
    curve.push({
      runId,
      series: RESCORE_GOLD_SERIES,
      x: p.step,
      xKind: "step",
      kl: Math.max(0, k),
      klEstimator: kl!.estimatorName!,
      klPrompts: EXTERNAL_KL_PROMPTS,
      goldScore: p.gold.mean - offset,
      goldSe: p.gold.se,
      proxyScore: p.proxy?.mean ?? null,
      proxySe: p.proxy?.se ?? null,
      prompts: p.n,
    });
  }
  const metrics = perStep.flatMap((p) => [
    { step: p.step, name: "rescore.gold", value: p.gold.mean - offset },
    { step: p.step, name: "rescore.gold_raw", value: p.gold.mean },
  ]);
  const note = !klSeries
    ? "the run's log gives no per-sequence KL, so the gold scores are stored as metrics (rescore.gold) without a curve"
    : missing.length
      ? `no per-sequence KL logged at step${missing.length > 1 ? "s" : ""} ${missing.join(", ")}: those steps are metrics only`
      : null;
  storeRescore(store, runId, {
    golds,
    metrics,
    curve,
    mapping: {
      ...run.mapping,
      rescore: {
        scorer: "gold",
        judge: "built-in task gold",
        series: RESCORE_GOLD_SERIES,
        samples: golds.length,
        goldOffset: offset,
        note,
      },
    } as JsonObject,
  });
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
