/**
 * Study-level statistics of a best-of-n study: runs that differ only in their seed are one cell
 * (same proxy size, training size, label noise and pools); per cell and series the curves of the
 * seeds are averaged (mean +- SE across seeds on a shared sqrt(KL) grid), and bootstrap intervals
 * resampling prompts and seeds are put on the fit, the peaks and gold at the largest n; per
 * aggregation, the paired difference to the average single member at the largest n gets its own
 * interval (Coste et al.'s comparison, with its uncertainty).
 */
import { averageSeries, bonDifferenceInterval, bonSeriesIntervals, type BonSeriesStatistic } from "../bon/statistics.ts";
import type { BonPromptValues } from "../bon/estimator.ts";
import { meanAndSe } from "../stats/describe.ts";
import { averageSeeds, type SeedAverage } from "../stats/seed-grid.ts";
import type { BootstrapInterval, BootstrapOptions } from "../stats/bootstrap.ts";
import type { BonRunResult, BonStudyResult } from "./bon-study.ts";

/** The name of the average single member in an analysis (the single-RM baseline). */
export const SINGLE_SERIES = "single";

export interface BonSeriesAnalysis {
  /** "proxy:mean", "proxy:wco", "proxy:uwo-0.5", or "single" (the average single member; proxy:mean when k = 1). */
  series: string;
  /** Validation accuracy against gold labels, mean and SE over seeds. */
  validationAccuracy: { mean: number; se: number };
  /** Gold and proxy gain against d = sqrt(KL_bon(n)), mean +- SE over seeds. */
  gold: SeedAverage;
  proxy: SeedAverage;
  /** Gold gain against d from the Beirami KL estimate (x differs per seed, hence interpolated); null without it. */
  goldByEstimatedKl: SeedAverage | null;
  /** 95% intervals (prompts and seeds resampled). */
  intervals: Record<BonSeriesStatistic, BootstrapInterval>;
}

export interface BonCellAnalysis {
  /** Ids of the cell's runs (one per seed), so a store can keep each run's cell with it. */
  runs: string[];
  group: number;
  proxy: string;
  trainingSize: number;
  labelNoise: number;
  seeds: number[];
  prompts: number;
  maxN: number;
  series: BonSeriesAnalysis[];
  /** Per aggregation: its gold at the largest n minus the average single member's (paired). Empty for k = 1. */
  differences: { series: string; goldAtMaxN: BootstrapInterval }[];
}

export interface BonStudyAnalysis {
  cells: BonCellAnalysis[];
  replicates: number;
  level: number;
}

function cellKey(r: BonRunResult): string {
  return JSON.stringify([r.group, r.proxy, r.trainingSize, r.labelNoise]);
}

function seriesValues(run: BonRunResult, name: string): { values: BonPromptValues; accuracy: number } {
  if (name === SINGLE_SERIES) {
    const members = run.series.filter((s) => s.series.startsWith("member:"));
    const single = members.length > 0 ? members : run.series.filter((s) => s.series === "proxy:mean");
    if (single.length === 0) throw new RangeError(`run ${run.id}: no member or proxy:mean series to form the single-member baseline`);
    return {
      values: averageSeries(single.map((s) => s.promptValues)),
      accuracy: single.reduce((a, s) => a + s.validationAccuracy, 0) / single.length,
    };
  }
  const s = run.series.find((x) => x.series === name);
  if (!s) throw new RangeError(`run ${run.id}: no series ${name}`);
  return { values: s.promptValues, accuracy: s.validationAccuracy };
}

/** Analyses every cell of a study (see module doc). */
export function analyseBonStudy(result: Pick<BonStudyResult, "runs">, options: BootstrapOptions = {}): BonStudyAnalysis {
  const cells = new Map<string, BonRunResult[]>();
  for (const r of result.runs) {
    const key = cellKey(r);
    if (!cells.has(key)) cells.set(key, []);
    cells.get(key)!.push(r);
  }
  const out: BonCellAnalysis[] = [];
  for (const [key, runs] of cells) {
    const first = runs[0]!;
    const aggregations = first.series.filter((s) => s.series.startsWith("proxy:")).map((s) => s.series);
    const names = [...aggregations, SINGLE_SERIES];
    const perSeries = new Map(names.map((name) => [name, runs.map((r) => seriesValues(r, name))]));
    const seed = `${options.seed ?? 0}/${key}`;
    const series: BonSeriesAnalysis[] = names.map((name) => {
      const per = perSeries.get(name)!;
      const values = per.map((p) => p.values);
      const ns = values[0]!.ns;
      const d = ns.map((n) => Math.sqrt(Math.log(n) - (n - 1) / n));
      const curveOf = (field: "goldGain" | "proxyGain") =>
        averageSeeds(values.map((v) => ({ x: d, y: v[field].map((row) => meanAndSe(row).mean) })));
      let goldByEstimatedKl: SeedAverage | null = null;
      if (values.every((v) => v.kl)) {
        goldByEstimatedKl = averageSeeds(
          values.map((v) => ({
            x: v.kl!.map((row) => Math.sqrt(Math.max(0, meanAndSe(row).mean))),
            y: v.goldGain.map((row) => meanAndSe(row).mean),
          })),
        );
      }
      const acc = meanAndSe(per.map((p) => p.accuracy));
      return {
        series: name,
        validationAccuracy: { mean: acc.mean, se: acc.se },
        gold: curveOf("goldGain"),
        proxy: curveOf("proxyGain"),
        goldByEstimatedKl,
        intervals: bonSeriesIntervals(values, { ...options, seed: `${seed}/${name}` }),
      };
    });
    const single = perSeries.get(SINGLE_SERIES)!.map((p) => p.values);
    const hasMembers = first.series.some((s) => s.series.startsWith("member:"));
    const differences = hasMembers
      ? aggregations.map((name) => ({
          series: name,
          goldAtMaxN: bonDifferenceInterval(
            perSeries.get(name)!.map((p) => p.values),
            single,
            { ...options, seed: `${seed}/${name}-single` },
          ),
        }))
      : [];
    out.push({
      runs: runs.map((r) => r.id),
      group: first.group,
      proxy: first.proxy,
      trainingSize: first.trainingSize,
      labelNoise: first.labelNoise,
      seeds: runs.map((r) => r.seed),
      prompts: single[0]!.goldGain[0]!.length,
      maxN: single[0]!.ns[single[0]!.ns.length - 1]!,
      series,
      differences,
    });
  }
  const anyInterval = out[0]?.series[0]?.intervals.goldAtMaxN;
  return {
    cells: out,
    replicates: anyInterval?.replicates ?? options.replicates ?? 1000,
    level: anyInterval?.level ?? options.level ?? 0.95,
  };
}

/** A run's summary as stored in JSON: the headline numbers without the curve and per-prompt arrays. */
export type StoredBonRunResult = Omit<BonRunResult, "series"> & {
  series: Omit<BonRunResult["series"][number], "curve" | "promptValues">[];
};

/**
 * What a study's job keeps as its result (JSON): the study-wide numbers, each run's headline
 * numbers, and the analysis with its intervals (computed here, where the per-prompt values are in
 * memory; NaN becomes null in JSON). The curves themselves are stored as curve points.
 */
export type StoredBonStudyResult = Omit<BonStudyResult, "runs"> & { runs: StoredBonRunResult[]; analysis: BonStudyAnalysis };

export function storedBonStudyResult(
  result: BonStudyResult,
  options: BootstrapOptions = {},
  analysed: readonly BonRunResult[] = result.runs,
): StoredBonStudyResult {
  return {
    ...result,
    runs: result.runs.map((r) => ({ ...r, series: r.series.map(({ curve: _curve, promptValues: _values, ...summary }) => summary) })),
    analysis: analyseBonStudy({ runs: [...analysed] }, options),
  };
}

/**
 * One analysis from several stored ones (each run of a study keeps the analysis of its cell as of
 * when it ended): per cell the one over the most seeds, cells in first-seen order.
 */
export function mergeAnalyses(analyses: readonly (BonStudyAnalysis | null | undefined)[]): BonStudyAnalysis | null {
  const present = analyses.filter((a): a is BonStudyAnalysis => !!a);
  if (present.length === 0) return null;
  const cells = new Map<string, BonCellAnalysis>();
  for (const a of present) {
    for (const c of a.cells) {
      const key = JSON.stringify([c.group, c.proxy, c.trainingSize, c.labelNoise]);
      const known = cells.get(key);
      if (!known || c.seeds.length > known.seeds.length) cells.set(key, c);
    }
  }
  return { cells: [...cells.values()], replicates: present[0]!.replicates, level: present[0]!.level };
}
