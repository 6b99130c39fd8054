/**
 * How much labelers agree: raw agreement, Cohen's kappa (two raters; Cohen 1960) and Fleiss' kappa
 * (any number of raters; Fleiss 1971), each with a percentile bootstrap interval over items, and a
 * reward model's agreement with labels.
 *
 * Ratings are categories as strings ("a", "b", "tie", ...); `null` marks an item a rater did not
 * rate. Kappa corrects the observed agreement p_o for the agreement p_e expected by chance from the
 * raters' marginals: kappa = (p_o - p_e) / (1 - p_e). When p_e = 1 (every rating in one category)
 * kappa is undefined and reported as NaN; bootstrap replicates where that happens are counted as
 * failed by the bootstrap, not silently dropped.
 */
import { bootstrapMany, type BootstrapInterval, type BootstrapOptions } from "../stats/bootstrap.ts";

export type Rating = string | null;

export interface KappaResult {
  kappa: number;
  /** Observed agreement p_o. */
  observed: number;
  /** Chance agreement p_e. */
  expected: number;
  /** Items that entered the statistic. */
  items: number;
}

function kappaOf(observed: number, expected: number, items: number): KappaResult {
  return { kappa: expected === 1 ? Number.NaN : (observed - expected) / (1 - expected), observed, expected, items };
}

function allIndices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * Cohen's kappa of two raters from their contingency table: `table[i][j]` = items rater 1 put in
 * category i and rater 2 in category j (square, same category order on both axes).
 */
export function cohenKappaFromTable(table: readonly (readonly number[])[]): KappaResult {
  const k = table.length;
  let n = 0;
  let diagonal = 0;
  const rows = new Array<number>(k).fill(0);
  const cols = new Array<number>(k).fill(0);
  table.forEach((row, i) => {
    if (row.length !== k) throw new RangeError(`cohenKappaFromTable: row ${i} has ${row.length} cells; the table must be ${k} x ${k}`);
    row.forEach((v, j) => {
      if (!(v >= 0) || !Number.isFinite(v))
        throw new RangeError(`cohenKappaFromTable: cell [${i}][${j}] is ${v}; counts must be finite and >= 0`);
      n += v;
      rows[i]! += v;
      cols[j]! += v;
      if (i === j) diagonal += v;
    });
  });
  if (n === 0) return { kappa: Number.NaN, observed: Number.NaN, expected: Number.NaN, items: 0 };
  let expected = 0;
  for (let i = 0; i < k; i++) expected += (rows[i]! / n) * (cols[i]! / n);
  return kappaOf(diagonal / n, expected, n);
}

/**
 * Cohen's kappa of two raters over the items both rated (`items` restricts to a subset, with
 * repetition allowed, which is how the bootstrap resamples).
 */
export function cohenKappa(a: readonly Rating[], b: readonly Rating[], items: readonly number[] = allIndices(a.length)): KappaResult {
  if (a.length !== b.length) throw new RangeError(`cohenKappa: rater 1 has ${a.length} items, rater 2 has ${b.length}`);
  const countA = new Map<string, number>();
  const countB = new Map<string, number>();
  let n = 0;
  let same = 0;
  for (const i of items) {
    const x = a[i];
    const y = b[i];
    if (x == null || y == null) continue;
    n++;
    if (x === y) same++;
    countA.set(x, (countA.get(x) ?? 0) + 1);
    countB.set(y, (countB.get(y) ?? 0) + 1);
  }
  if (n === 0) return { kappa: Number.NaN, observed: Number.NaN, expected: Number.NaN, items: 0 };
  let expected = 0;
  for (const [c, na] of countA) expected += (na / n) * ((countB.get(c) ?? 0) / n);
  return kappaOf(same / n, expected, n);
}

/**
 * Fleiss' kappa from a subjects x categories count table: `counts[i][j]` = raters who put subject i
 * in category j. Every subject must have the same number of ratings m >= 2 (Fleiss 1971, eq. 1-9):
 * P_i = (sum_j n_ij^2 - m) / (m (m - 1)), p_o = mean P_i, p_j = sum_i n_ij / (N m), p_e = sum_j p_j^2.
 */
export function fleissKappaFromCounts(
  counts: readonly (readonly number[])[],
  subjects: readonly number[] = allIndices(counts.length),
): KappaResult {
  if (counts.length === 0) return { kappa: Number.NaN, observed: Number.NaN, expected: Number.NaN, items: 0 };
  const k = counts[0]!.length;
  const m = counts[0]!.reduce((s, v) => s + v, 0);
  if (m < 2) throw new RangeError(`fleissKappa: subject 0 has ${m} ratings; Fleiss' kappa needs at least 2 per subject`);
  counts.forEach((row, i) => {
    const total = row.reduce((s, v) => s + v, 0);
    if (row.length !== k) throw new RangeError(`fleissKappa: subject ${i} has ${row.length} categories, subject 0 has ${k}`);
    if (total !== m)
      throw new RangeError(`fleissKappa: subject ${i} has ${total} ratings, subject 0 has ${m}; every subject needs the same number`);
  });
  const totals = new Array<number>(k).fill(0);
  let sumP = 0;
  for (const i of subjects) {
    const row = counts[i]!;
    let sq = 0;
    row.forEach((v, j) => {
      sq += v * v;
      totals[j]! += v;
    });
    sumP += (sq - m) / (m * (m - 1));
  }
  const n = subjects.length;
  let expected = 0;
  for (const t of totals) expected += (t / (n * m)) ** 2;
  return kappaOf(sumP / n, expected, n);
}

/**
 * Turns raters x items ratings into Fleiss' count table over the items every rater rated (Fleiss'
 * kappa needs the same number of ratings per subject). Returns the table, the category order and
 * which items were kept.
 */
export function ratingsToCounts(ratings: readonly (readonly Rating[])[]): { counts: number[][]; categories: string[]; kept: number[] } {
  const items = ratings[0]?.length ?? 0;
  ratings.forEach((r, j) => {
    if (r.length !== items) throw new RangeError(`ratings: rater ${j} has ${r.length} items, rater 0 has ${items}`);
  });
  const categories = [...new Set(ratings.flat().filter((r): r is string => r != null))].sort();
  const index = new Map(categories.map((c, j) => [c, j]));
  const counts: number[][] = [];
  const kept: number[] = [];
  for (let i = 0; i < items; i++) {
    if (ratings.some((r) => r[i] == null)) continue;
    const row = new Array<number>(categories.length).fill(0);
    for (const r of ratings) row[index.get(r[i]!)!]! += 1;
    counts.push(row);
    kept.push(i);
  }
  return { counts, categories, kept };
}

/**
 * Raw agreement: per item the share of agreeing rater pairs among the raters who rated it (for two
 * raters: whether they agree), averaged over the items with at least two ratings.
 */
export function rawAgreement(
  ratings: readonly (readonly Rating[])[],
  items: readonly number[] = allIndices(ratings[0]?.length ?? 0),
): number {
  let sum = 0;
  let n = 0;
  for (const i of items) {
    const seen = new Map<string, number>();
    let m = 0;
    for (const r of ratings) {
      const v = r[i];
      if (v == null) continue;
      m++;
      seen.set(v, (seen.get(v) ?? 0) + 1);
    }
    if (m < 2) continue;
    let pairs = 0;
    for (const c of seen.values()) pairs += c * (c - 1);
    sum += pairs / (m * (m - 1));
    n++;
  }
  return n === 0 ? Number.NaN : sum / n;
}

export interface PairwiseAgreement {
  /** Indices of the two raters. */
  raters: [number, number];
  items: number;
  raw: BootstrapInterval;
  cohen: BootstrapInterval;
}

export interface AgreementReport {
  raters: number;
  /** Items with at least two ratings. */
  items: number;
  /** Raw agreement over all raters (pairwise shares per item). */
  raw: BootstrapInterval;
  /** Cohen's kappa when there are exactly two raters. */
  cohen: BootstrapInterval | null;
  /** Fleiss' kappa over the items every rater rated, when there are three or more raters. */
  fleiss: (BootstrapInterval & { items: number }) | null;
  /** Every pair of raters: raw agreement and Cohen's kappa on the items both rated. */
  pairwise: PairwiseAgreement[];
}

/**
 * Agreement of several raters (raters x items ratings, `null` = not rated) with percentile
 * bootstrap intervals: items are resampled with replacement, the same draws for every statistic.
 */
export function agreementReport(ratings: readonly (readonly Rating[])[], options: BootstrapOptions = {}): AgreementReport {
  if (ratings.length < 2) throw new RangeError(`agreement: need at least 2 raters; got ${ratings.length}`);
  const items = ratings[0]!.length;
  ratings.forEach((r, j) => {
    if (r.length !== items) throw new RangeError(`agreement: rater ${j} has ${r.length} items, rater 0 has ${items}`);
  });
  const rated = allIndices(items).filter((i) => ratings.filter((r) => r[i] != null).length >= 2);
  if (rated.length < 2) throw new RangeError(`agreement: only ${rated.length} items have two or more ratings; need at least 2`);
  const pick = (r: readonly number[]) => r.map((k) => rated[k]!);
  const stats: Record<string, (r: { prompts: readonly number[] }) => number> = {
    raw: (r) => rawAgreement(ratings, pick(r.prompts)),
  };
  if (ratings.length === 2) stats.cohen = (r) => cohenKappa(ratings[0]!, ratings[1]!, pick(r.prompts)).kappa;
  const pairs: [number, number][] = [];
  for (let x = 0; x < ratings.length; x++) for (let y = x + 1; y < ratings.length; y++) pairs.push([x, y]);
  for (const [x, y] of pairs) {
    stats[`raw ${x} ${y}`] = (r) => rawAgreement([ratings[x]!, ratings[y]!], pick(r.prompts));
    stats[`cohen ${x} ${y}`] = (r) => cohenKappa(ratings[x]!, ratings[y]!, pick(r.prompts)).kappa;
  }
  const out = bootstrapMany({ seeds: 1, prompts: rated.length }, stats, options);
  let fleiss: AgreementReport["fleiss"] = null;
  if (ratings.length >= 3) {
    const { counts, kept } = ratingsToCounts(ratings);
    if (kept.length >= 2) {
      const ci = bootstrapMany(
        { seeds: 1, prompts: counts.length },
        { fleiss: (r) => fleissKappaFromCounts(counts, r.prompts).kappa },
        options,
      ).fleiss;
      fleiss = { ...ci, items: kept.length };
    }
  }
  return {
    raters: ratings.length,
    items: rated.length,
    raw: out.raw!,
    cohen: out.cohen ?? null,
    fleiss,
    pairwise: pairs.map(([x, y]) => ({
      raters: [x, y],
      items: rated.filter((i) => ratings[x]![i] != null && ratings[y]![i] != null).length,
      raw: out[`raw ${x} ${y}`]!,
      cohen: out[`cohen ${x} ${y}`]!,
    })),
  };
}

export interface RewardModelAgreement {
  /** Labelled pairs with a strict preference (ties in the labels are left out). */
  pairs: number;
  /** Share of pairs where the RM scores the preferred response higher (an RM tie counts one half). */
  accuracy: BootstrapInterval;
  /** Cohen's kappa between the RM's choice (a/b/tie) and the labels. */
  cohen: BootstrapInterval;
}

/**
 * A reward model against pairwise labels: the RM prefers `a` when scoreA > scoreB. Labels other
 * than `a`/`b` (ties, skips) are left out.
 */
export function rewardModelAgreement(
  scoreA: ArrayLike<number>,
  scoreB: ArrayLike<number>,
  labels: readonly Rating[],
  options: BootstrapOptions = {},
): RewardModelAgreement {
  if (scoreA.length !== labels.length || scoreB.length !== labels.length) {
    throw new RangeError(`rewardModelAgreement: ${scoreA.length} and ${scoreB.length} scores for ${labels.length} labels`);
  }
  const kept: number[] = [];
  const rm: Rating[] = [];
  for (let i = 0; i < labels.length; i++) {
    const a = scoreA[i]!;
    const b = scoreB[i]!;
    if (!Number.isFinite(a) || !Number.isFinite(b))
      throw new RangeError(`rewardModelAgreement: pair ${i} has a non-finite score (${a}, ${b})`);
    rm.push(a > b ? "a" : a < b ? "b" : "tie");
    if (labels[i] === "a" || labels[i] === "b") kept.push(i);
  }
  if (kept.length < 2) throw new RangeError(`rewardModelAgreement: only ${kept.length} labels prefer a or b; need at least 2`);
  const hit = (i: number) => (rm[i] === labels[i] ? 1 : rm[i] === "tie" ? 0.5 : 0);
  const ci = bootstrapMany(
    { seeds: 1, prompts: kept.length },
    {
      accuracy: (r) => r.prompts.reduce((s, k) => s + hit(kept[k]!), 0) / r.prompts.length,
      cohen: (r) =>
        cohenKappa(
          rm,
          labels,
          r.prompts.map((k) => kept[k]!),
        ).kappa,
    },
    options,
  );
  return { pairs: kept.length, accuracy: ci.accuracy, cohen: ci.cohen };
}
