/**
 * The science benchmark's best-of-n findings (bench-results/science.json), each a number with its
 * 95% bootstrap interval over prompts and seeds. Every finding is computed from the samples a study
 * stored (its best-of-n pools with every series' proxy scores and gold), so it can be recomputed
 * from the database; the definitions (docs/science.md):
 *
 * - bon_gap_growth: (proxy - gold) at the largest n minus at n = 2, average single member, 25% noise;
 * - bon_gold_drop_single: peak gold minus gold at the largest n, average single member, 25% noise;
 * - bon_wco_minus_single / bon_uwo_minus_single: gold at the largest n, the aggregation minus the
 *   average single member, 25% noise;
 * - bon_more_data_gain: gold at the largest n, largest minus smallest training set.
 *
 * Each is averaged over the proxy sizes of its cells. One resample (seeds and prompts drawn with
 * replacement) applies to every cell: the cells share their seeds and their pools.
 */
import { bestOfNPromptValues, type BonPromptValues } from "../bon/estimator.ts";
import { averageSeries } from "../bon/statistics.ts";
import { bootstrapMany, type BootstrapInterval, type BootstrapOptions, type Resample } from "../stats/bootstrap.ts";
import { SINGLE_SERIES } from "./bon-analysis.ts";

/** One run's pools as a study stores them (see ExperimentSampleSet / the storage's sample sets). */
export interface StoredPools {
  series: readonly string[];
  /** Per prompt: gold and, per sample, each series' score (row-major [poolSize, width]). */
  pools: readonly { gold: ArrayLike<number>; scores: ArrayLike<number>; width: number }[];
}

/** Per-prompt best-of-n values of every stored series (and "single", the average member when there are members). */
export function promptValuesFromPools(stored: StoredPools, ns?: readonly number[]): Map<string, BonPromptValues> {
  const out = new Map<string, BonPromptValues>();
  stored.series.forEach((name, c) => {
    const pools = stored.pools.map((p) => ({
      gold: p.gold,
      proxy: Float64Array.from({ length: p.gold.length }, (_, i) => p.scores[i * p.width + c]!),
    }));
    out.set(name, bestOfNPromptValues(pools, ns));
  });
  const members = stored.series.filter((s) => s.startsWith("member:"));
  const single = members.length > 0 ? members : stored.series.filter((s) => s === "proxy:mean");
  if (single.length > 0) out.set(SINGLE_SERIES, averageSeries(single.map((s) => out.get(s)!)));
  return out;
}

/** A run of a study with its per-series values. */
export interface FindingRun {
  proxy: string;
  trainingSize: number;
  labelNoise: number;
  seed: number;
  series: Map<string, BonPromptValues>;
}

export interface Finding extends BootstrapInterval {
  seeds: number;
  prompts: number;
}

/** Runs grouped by (proxy, training size, noise), each cell's runs ordered by seed. */
function cells(runs: readonly FindingRun[], keep: (r: FindingRun) => boolean): { key: string; runs: FindingRun[] }[] {
  const map = new Map<string, FindingRun[]>();
  for (const r of runs.filter(keep)) {
    const key = `${r.proxy}|${r.trainingSize}|${r.labelNoise}`;
    if (!map.has(key)) map.set(key, []);
    map.get(key)!.push(r);
  }
  const out = [...map].map(([key, rs]) => ({ key, runs: rs.sort((a, b) => a.seed - b.seed) }));
  const seeds = out[0]?.runs.map((r) => r.seed).join(",");
  for (const c of out)
    if (c.runs.map((r) => r.seed).join(",") !== seeds)
      throw new RangeError(`findings: cell ${c.key} has seeds ${c.runs.map((r) => r.seed).join(",")}, another has ${seeds}`);
  return out;
}

function series(run: FindingRun, name: string): BonPromptValues {
  const v = run.series.get(name);
  if (!v) throw new RangeError(`findings: run ${run.proxy}/${run.trainingSize}/${run.labelNoise}/seed ${run.seed} has no series ${name}`);
  return v;
}

/** Mean over the resample of f(run, prompt). */
function mean(runs: readonly FindingRun[], r: Resample, f: (run: FindingRun, p: number) => number): number {
  let sum = 0;
  for (const s of r.seeds) for (const p of r.prompts) sum += f(runs[s]!, p);
  return sum / (r.seeds.length * r.prompts.length);
}

/** Mean curve of a series over a resample, per n index. */
function curve(runs: readonly FindingRun[], name: string, r: Resample): number[] {
  const k = series(runs[0]!, name).ns.length;
  return Array.from({ length: k }, (_, i) => mean(runs, r, (run, p) => series(run, name).goldGain[i]![p]!));
}

const last = (v: BonPromptValues) => v.ns.length - 1;

/** The demo's findings (see module doc) from its runs at label noise `noise`. */
export function demoFindings(runs: readonly FindingRun[], options: BootstrapOptions & { noise?: number } = {}): Record<string, Finding> {
  const noise = options.noise ?? 0.25;
  const cs = cells(runs, (r) => r.labelNoise === noise);
  if (cs.length === 0) throw new RangeError(`findings: no runs with label noise ${noise}`);
  const first = series(cs[0]!.runs[0]!, SINGLE_SERIES);
  const prompts = first.goldGain[0]!.length;
  const two = first.ns.indexOf(2);
  if (two < 0) throw new RangeError("findings: the curves have no n = 2 point");
  const avg = (f: (runs: FindingRun[], r: Resample) => number) => (r: Resample) => cs.reduce((s, c) => s + f(c.runs, r), 0) / cs.length;
  const gap = (runs: FindingRun[], r: Resample, i: number) =>
    mean(runs, r, (run, p) => series(run, SINGLE_SERIES).proxyGain[i]![p]! - series(run, SINGLE_SERIES).goldGain[i]![p]!);
  const diff = (name: string) =>
    avg((rs, r) =>
      mean(
        rs,
        r,
        (run, p) =>
          series(run, name).goldGain[last(series(run, name))]![p]! -
          series(run, SINGLE_SERIES).goldGain[last(series(run, SINGLE_SERIES))]![p]!,
      ),
    );
  const uwo = [...cs[0]!.runs[0]!.series.keys()].find((k) => k.startsWith("proxy:uwo"));
  const stats: Record<string, (r: Resample) => number> = {
    bon_gap_growth: avg((rs, r) => gap(rs, r, last(first)) - gap(rs, r, two)),
    bon_gold_drop_single: avg((rs, r) => {
      const c = curve(rs, SINGLE_SERIES, r);
      return Math.max(...c) - c[c.length - 1]!;
    }),
  };
  if (cs[0]!.runs[0]!.series.has("proxy:wco")) stats.bon_wco_minus_single = diff("proxy:wco");
  if (uwo) stats.bon_uwo_minus_single = diff(uwo);
  const seeds = cs[0]!.runs.length;
  const ci = bootstrapMany({ seeds, prompts }, stats, options);
  return Object.fromEntries(Object.entries(ci).map(([k, v]) => [k, { ...v, seeds, prompts }]));
}

/** bon_more_data_gain: gold at the largest n of the single RM, largest minus smallest training set. */
export function moreDataFinding(runs: readonly FindingRun[], options: BootstrapOptions = {}): Finding {
  const sizes = [...new Set(runs.map((r) => r.trainingSize))].sort((a, b) => a - b);
  if (sizes.length < 2) throw new RangeError(`findings: more data needs at least two training sizes, got ${sizes.join(", ")}`);
  const small = cells(runs, (r) => r.trainingSize === sizes[0]);
  const large = cells(runs, (r) => r.trainingSize === sizes[sizes.length - 1]);
  const first = series(small[0]!.runs[0]!, SINGLE_SERIES);
  const prompts = first.goldGain[0]!.length;
  const goldAtMax = (cs: typeof small, r: Resample) =>
    cs.reduce((s, c) => s + mean(c.runs, r, (run, p) => series(run, SINGLE_SERIES).goldGain[last(first)]![p]!), 0) / cs.length;
  const seeds = small[0]!.runs.length;
  const ci = bootstrapMany({ seeds, prompts }, { gain: (r) => goldAtMax(large, r) - goldAtMax(small, r) }, options).gain;
  return { ...ci, seeds, prompts };
}
