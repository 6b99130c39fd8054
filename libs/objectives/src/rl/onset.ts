/**
 * Early warning of overoptimization from signals a run can compute without gold, checked at each
 * evaluation on what has been observed so far (causal), and scored afterwards against the gold
 * curve of the same run.
 *
 * Signals (each fires the first time its rule holds):
 * - disagreement: ensemble members disagree more: mean member std > (1 + rise) x its step-0 value
 *   (ensembles only);
 * - proxy-slope: diminishing proxy returns per unit sqrt(KL): the latest interval's
 *   d proxy / d sqrt(KL) < drop x the first interval's (when that was positive);
 * - kl-growth: KL accelerates: the latest KL increase per step > growth x the mean of the earlier
 *   intervals' (at least two earlier intervals);
 * - value-error: the value head falls behind (PPO): value error > rise x its first value.
 *
 * Scoring: a run overoptimized when its final gold is below its peak by more than 2 paired SEs; a
 * signal's lead time is peak step - firing step (positive: it warned before gold peaked); a firing
 * in a run that did not overoptimize is a false alarm.
 */
export const ONSET_SIGNALS = ["disagreement", "proxy-slope", "kl-growth", "value-error"] as const;
export type OnsetSignal = (typeof ONSET_SIGNALS)[number];

export interface OnsetObservation {
  step: number;
  /** sqrt(exact KL). */
  d: number;
  kl: number;
  proxy: number | null;
  disagreement: number | null;
  valueError: number | null;
}

export interface OnsetThresholds {
  disagreementRise: number;
  slopeDrop: number;
  klGrowth: number;
  valueErrorRise: number;
}

export const ONSET_DEFAULTS: OnsetThresholds = { disagreementRise: 0.5, slopeDrop: 0.5, klGrowth: 2, valueErrorRise: 2 };

/** Whether `signal`'s rule holds at the last observation of `history`. */
export function onsetRuleHolds(signal: OnsetSignal, history: readonly OnsetObservation[], t: OnsetThresholds = ONSET_DEFAULTS): boolean {
  const n = history.length;
  const last = history[n - 1];
  if (!last) return false;
  switch (signal) {
    case "disagreement": {
      const first = history[0]!.disagreement;
      return first !== null && last.disagreement !== null && n >= 2 && last.disagreement > (1 + t.disagreementRise) * first;
    }
    case "proxy-slope": {
      if (n < 3) return false;
      const slope = (a: OnsetObservation, b: OnsetObservation) =>
        b.proxy === null || a.proxy === null || b.d === a.d ? NaN : (b.proxy - a.proxy) / (b.d - a.d);
      const first = slope(history[0]!, history[1]!);
      const latest = slope(history[n - 2]!, last);
      return first > 0 && Number.isFinite(latest) && latest < t.slopeDrop * first;
    }
    case "kl-growth": {
      if (n < 4) return false;
      const rate = (i: number) => (history[i]!.kl - history[i - 1]!.kl) / Math.max(1, history[i]!.step - history[i - 1]!.step);
      let earlier = 0;
      for (let i = 1; i < n - 1; i++) earlier += rate(i);
      earlier /= n - 2;
      return earlier > 0 && rate(n - 1) > t.klGrowth * earlier;
    }
    case "value-error": {
      const first = history.find((h) => h.valueError !== null)?.valueError ?? null;
      return first !== null && first > 0 && last.valueError !== null && last.valueError > t.valueErrorRise * first;
    }
  }
}

/** The first step at which each signal fires over a whole history (null: never). */
export function onsetSteps(history: readonly OnsetObservation[], t: OnsetThresholds = ONSET_DEFAULTS): Record<OnsetSignal, number | null> {
  const out = Object.fromEntries(ONSET_SIGNALS.map((s) => [s, null])) as Record<OnsetSignal, number | null>;
  for (let i = 1; i <= history.length; i++) {
    for (const s of ONSET_SIGNALS) if (out[s] === null && onsetRuleHolds(s, history.slice(0, i), t)) out[s] = history[i - 1]!.step;
  }
  return out;
}

export interface OnsetScore {
  signal: OnsetSignal;
  /** False when the run cannot compute it (disagreement without an ensemble, value error without PPO). */
  available: boolean;
  fireStep: number | null;
  /** Gold peak step minus firing step (null when it never fired). */
  leadSteps: number | null;
  falseAlarm: boolean;
  missed: boolean;
}

/** Scores each signal's firing step against the run's gold curve. */
export function scoreOnset(
  steps: Record<OnsetSignal, number | null>,
  gold: { peakStep: number; drop: number; dropSe: number },
  available: readonly OnsetSignal[] = ONSET_SIGNALS,
): { overoptimized: boolean; scores: OnsetScore[] } {
  const overoptimized = gold.drop > 2 * gold.dropSe;
  return {
    overoptimized,
    scores: ONSET_SIGNALS.map((signal) => {
      const ok = available.includes(signal);
      const fireStep = ok ? steps[signal] : null;
      return {
        signal,
        available: ok,
        fireStep,
        leadSteps: fireStep === null ? null : gold.peakStep - fireStep,
        falseAlarm: fireStep !== null && !overoptimized,
        missed: ok && fireStep === null && overoptimized,
      };
    }),
  };
}

/** Over runs: mean lead time of the firings in overoptimized runs, and the false-alarm rate among runs that did not overoptimize. */
export function summariseOnset(
  all: readonly { overoptimized: boolean; scores: readonly OnsetScore[] }[],
  signal: OnsetSignal,
): { meanLeadSteps: number | null; falseAlarmRate: number | null; missRate: number | null } {
  const runs = all.filter((r) => r.scores.find((s) => s.signal === signal)!.available);
  const leads = runs
    .filter((r) => r.overoptimized)
    .map((r) => r.scores.find((s) => s.signal === signal)!.leadSteps)
    .filter((x): x is number => x !== null);
  const clean = runs.filter((r) => !r.overoptimized);
  const over = runs.filter((r) => r.overoptimized);
  return {
    meanLeadSteps: leads.length ? leads.reduce((a, b) => a + b, 0) / leads.length : null,
    falseAlarmRate: clean.length
      ? clean.filter((r) => r.scores.find((s) => s.signal === signal)!.fireStep !== null).length / clean.length
      : null,
    missRate: over.length ? over.filter((r) => r.scores.find((s) => s.signal === signal)!.fireStep === null).length / over.length : null,
  };
}
