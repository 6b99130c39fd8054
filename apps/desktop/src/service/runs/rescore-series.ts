/**
 * What the gold and the proxy rescoring share: per-step means with standard errors, the KL the
 * run's log gave per step (per sequence, under its estimator), and the curve points where both
 * exist. A step without a per-sequence KL keeps its scores as metrics only (the note says which).
 */
import { type CurvePoint, EXTERNAL_KL_PROMPTS, type ExternalRun, type LabStore } from "@goodhart/storage";

export interface StepMean {
  mean: number;
  se: number | null;
  n: number;
}

/** Mean and standard error (sample variance / n) of each step's values, steps ascending. */
export function stepMeans(values: readonly { step: number; value: number }[]): Map<number, StepMean> {
  const byStep = new Map<number, number[]>();
  for (const v of values) {
    if (!Number.isFinite(v.value)) continue;
    let list = byStep.get(v.step);
    if (!list) byStep.set(v.step, (list = []));
    list.push(v.value);
  }
  const out = new Map<number, StepMean>();
  for (const step of [...byStep.keys()].sort((a, b) => a - b)) {
    const list = byStep.get(step)!;
    const n = list.length;
    const mean = list.reduce((a, b) => a + b, 0) / n;
    const se = n < 2 ? null : Math.sqrt(list.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) / n);
    out.set(step, { mean, se, n });
  }
  return out;
}

/** The run's per-sequence KL per step and its estimator, from what the import stored; null when its log gave none. */
export function perSequenceKl(store: LabStore, run: ExternalRun): { estimator: string; byStep: Map<number, number> } | null {
  const kl = run.mapping.kl as { estimatorName?: string; perSequence?: boolean } | null | undefined;
  if (!kl?.perSequence || !kl.estimatorName) return null;
  const series = store.metrics.series(run.runId, `train.kl_sequence_${kl.estimatorName}`);
  const byStep = new Map<number, number>();
  series.steps.forEach((s, i) => {
    if (Number.isFinite(series.values[i]!)) byStep.set(s, series.values[i]!);
  });
  return { estimator: kl.estimatorName, byStep };
}

/** Curve points of `series` for the steps that have a KL; the rest are listed in `missing`. */
export function curveAtKl(
  runId: number,
  series: string,
  kl: ReturnType<typeof perSequenceKl>,
  steps: readonly number[],
  point: (step: number) => Pick<CurvePoint, "goldScore" | "goldSe" | "proxyScore" | "proxySe" | "prompts">,
): { curve: CurvePoint[]; missing: number[] } {
  const curve: CurvePoint[] = [];
  const missing: number[] = [];
  for (const step of steps) {
    const k = kl?.byStep.get(step);
    if (k === undefined) {
      missing.push(step);
      continue;
    }
    // A sampled estimate of a small KL can come out negative (k1); the curve's d = sqrt(KL) needs >= 0.
    curve.push({
      runId,
      series,
      x: step,
      xKind: "step",
      kl: Math.max(0, k),
      klEstimator: kl!.estimator,
      klPrompts: EXTERNAL_KL_PROMPTS,
      ...point(step),
    });
  }
  return { curve, missing };
}

/** Why some steps have no curve point, or null when every step has one. */
export function missingKlNote(kl: ReturnType<typeof perSequenceKl>, missing: readonly number[], metric: string): string | null {
  if (!kl) return `the run's log gives no per-sequence KL, so the scores are stored as metrics (${metric}) without a curve`;
  if (missing.length)
    return `no per-sequence KL logged at step${missing.length > 1 ? "s" : ""} ${missing.join(", ")}: those steps are metrics only`;
  return null;
}
