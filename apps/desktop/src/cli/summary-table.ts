/**
 * The summary table of a best-of-n study, with the uncertainty of every number (DESIGN.md section 2):
 * one block per cell (proxy size x training size x label noise; its seeds aggregated), one row per
 * objective (each aggregation, and "single": the average single member, the baseline). Columns:
 * validation accuracy (mean +- SE over seeds), the observed peak of gold with its n, the fitted peak
 * d* with its 95% interval, gold at the largest n (mean +- bootstrap SE), and for each aggregation the
 * difference to the single member at the largest n with its 95% interval, starred when the interval
 * excludes 0. Intervals resample prompts and seeds (libs/objectives stats/bootstrap.ts).
 */
import {
  analyseBonStudy,
  excludesZero,
  SINGLE_SERIES,
  type BonStudyAnalysis,
  type BonStudyResult,
  type BootstrapInterval,
  type StoredBonStudyResult,
} from "@goodhart/objectives";

/** The analysis of a study: the stored one (a job's JSON result), else computed from the per-prompt values. */
export function analysisOf(result: BonStudyResult | StoredBonStudyResult): BonStudyAnalysis {
  if ("analysis" in result && result.analysis) return result.analysis;
  if (!result.runs.every((r) => r.series.every((s) => "promptValues" in s && s.promptValues))) {
    throw new RangeError("summary table: the result holds neither an analysis nor the per-prompt values to compute one");
  }
  return analyseBonStudy(result as BonStudyResult);
}

function num(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(digits);
}

/** `0.123 +- 0.045`, or the value alone when the SE is unknown. */
export function withSe(value: number | null, se: number | null | undefined, digits = 3): string {
  return typeof se === "number" && Number.isFinite(se) ? `${num(value, digits)} +- ${num(se, digits)}` : num(value, digits);
}

/** `0.123 [0.010, 0.240]`; `*` marks an interval that excludes 0. */
export function withCi(ci: BootstrapInterval, digits = 3, star = false): string {
  const mark = star && excludesZero(ci) ? " *" : star ? "  " : "";
  return `${num(ci.estimate, digits)} [${num(ci.low, digits)}, ${num(ci.high, digits)}]${mark}`;
}

/** The table (plain text, aligned) of a study's result (in memory, or as a job stored it). */
export function summaryTable(result: BonStudyResult | StoredBonStudyResult, analysis: BonStudyAnalysis = analysisOf(result)): string {
  const header = [
    "proxy",
    "data",
    "noise",
    "objective",
    "seeds",
    "val acc",
    "peak gold (at d)",
    "fit d* [95% CI]",
    "gold@maxN",
    "vs single @maxN [95% CI]",
  ];
  const rows: string[][] = [header];
  for (const cell of analysis.cells) {
    for (const s of cell.series) {
      const diff = cell.differences.find((d) => d.series === s.series);
      rows.push([
        cell.proxy,
        String(cell.trainingSize),
        String(cell.labelNoise),
        s.series === SINGLE_SERIES ? "single (avg member)" : s.series.slice("proxy:".length),
        String(cell.seeds.length),
        withSe(s.validationAccuracy.mean, s.validationAccuracy.se),
        `${withSe(s.intervals.observedPeak.estimate, s.intervals.observedPeak.se)} (d ${num(s.intervals.observedPeakD.estimate, 2)})`,
        typeof s.intervals.peakD.estimate === "number" && Number.isFinite(s.intervals.peakD.estimate)
          ? withCi(s.intervals.peakD, 2)
          : "- (no peak)",
        withSe(s.intervals.goldAtMaxN.estimate, s.intervals.goldAtMaxN.se),
        diff ? withCi(diff.goldAtMaxN, 3, true) : "",
      ]);
    }
  }
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) =>
    r
      .map((cell, c) => (c < 4 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join("  ")
      .trimEnd(),
  );
  const cell = analysis.cells[0];
  lines.push(
    "",
    `Gold is the gain over the base policy at d = sqrt(KL_bon(n)); +- is a standard error (over seeds for val acc, bootstrap otherwise);` +
      ` intervals are ${Math.round(100 * analysis.level)}% percentile bootstraps (${analysis.replicates} replicates, prompts${cell && cell.seeds.length > 1 ? " and seeds" : ""} resampled, ${cell?.prompts ?? "?"} prompts).` +
      " * = the interval excludes 0.",
  );
  return lines.join("\n");
}
