/**
 * Reward-model ensembles (Coste et al. 2024, "Reward Model Ensembles Help Mitigate
 * Overoptimization"): per-member normalisation and the three aggregations.
 *
 * Shapes: an ensemble's scores are k member rows of m samples each, `scores[i][j]` = member i's
 * reward for sample j (member-major, one Float64Array or number[] per member).
 */

/** Scores of k members on m samples: k rows, each of length m. */
export type MemberScores = readonly ArrayLike<number>[];

/** Per-member affine normalisation: normalised = (raw - mean[i]) / std[i]. */
export interface Normalisation {
  mean: Float64Array;
  std: Float64Array;
}

/** How member rewards are combined into one reward. */
export type Aggregation =
  | { kind: "mean" }
  /** Worst-case optimisation (WCO): min over members. */
  | { kind: "wco" }
  /** Uncertainty-weighted optimisation (UWO): mean - lambda * population variance. */
  | { kind: "uwo"; lambda: number };

/** The paper's UWO lambda for best-of-n (0.5) and for PPO (0.1). */
export const UWO_LAMBDA = { bon: 0.5, ppo: 0.1 } as const;

function checkShape(scores: MemberScores, what: string): number {
  if (scores.length === 0) throw new RangeError(`${what}: the ensemble has no members`);
  const m = scores[0].length;
  scores.forEach((row, i) => {
    if (row.length !== m) throw new RangeError(`${what}: member ${i} has ${row.length} scores, member 0 has ${m}`);
  });
  return m;
}

/**
 * Normalisation constants so each member has mean 0 and (population) standard deviation 1 on a
 * reference sample (Coste et al. normalise on the policy's initial samples before aggregating,
 * so members trained with different seeds share one scale).
 *
 * @param reference k rows of m >= 2 reference scores
 */
export function fitNormalisation(reference: MemberScores): Normalisation {
  const m = checkShape(reference, "fitNormalisation");
  if (m < 2) throw new RangeError(`fitNormalisation: need at least 2 reference samples per member; got ${m}`);
  const k = reference.length;
  const mean = new Float64Array(k);
  const std = new Float64Array(k);
  reference.forEach((row, i) => {
    let s = 0;
    for (let j = 0; j < m; j++) s += row[j];
    const mu = s / m;
    let ss = 0;
    for (let j = 0; j < m; j++) ss += (row[j] - mu) ** 2;
    const sd = Math.sqrt(ss / m);
    if (!Number.isFinite(mu) || !Number.isFinite(sd)) throw new RangeError(`fitNormalisation: member ${i} has non-finite scores`);
    if (sd <= 1e-12 * Math.max(1, Math.abs(mu))) {
      throw new RangeError(`fitNormalisation: member ${i} gives every reference sample the same score (${mu}); it cannot be normalised`);
    }
    mean[i] = mu;
    std[i] = sd;
  });
  return { mean, std };
}

/** Applies `fitNormalisation`'s constants: k rows in, k new Float64Array rows out. */
export function applyNormalisation(scores: MemberScores, norm: Normalisation): Float64Array[] {
  const m = checkShape(scores, "applyNormalisation");
  if (scores.length !== norm.mean.length) {
    throw new RangeError(`applyNormalisation: ${scores.length} members but constants for ${norm.mean.length}`);
  }
  return scores.map((row, i) => {
    const out = new Float64Array(m);
    for (let j = 0; j < m; j++) out[j] = (row[j] - norm.mean[i]) / norm.std[i];
    return out;
  });
}

/**
 * Combines one sample's k member rewards.
 * mean: (1/k) sum_i R_i; wco: min_i R_i; uwo: mean - lambda * (1/k) sum_i (R_i - mean)^2.
 */
export function aggregateOne(values: ArrayLike<number>, aggregation: Aggregation): number {
  const k = values.length;
  if (k === 0) throw new RangeError("aggregateOne: no member values");
  if (aggregation.kind === "wco") {
    let min = Infinity;
    for (let i = 0; i < k; i++) min = Math.min(min, values[i]);
    return min;
  }
  let s = 0;
  for (let i = 0; i < k; i++) s += values[i];
  const mean = s / k;
  if (aggregation.kind === "mean") return mean;
  if (aggregation.kind === "uwo") {
    if (!(aggregation.lambda >= 0)) throw new RangeError(`aggregateOne: UWO lambda must be >= 0; got ${aggregation.lambda}`);
    let ss = 0;
    for (let i = 0; i < k; i++) ss += (values[i] - mean) ** 2;
    return mean - aggregation.lambda * (ss / k);
  }
  throw new RangeError(`aggregateOne: unknown aggregation ${JSON.stringify(aggregation)}`);
}

/**
 * Aggregates an ensemble over m samples.
 * @param scores k rows of m member scores (normalise them first)
 * @returns Float64Array of length m
 */
export function aggregate(scores: MemberScores, aggregation: Aggregation): Float64Array {
  const m = checkShape(scores, "aggregate");
  const k = scores.length;
  const out = new Float64Array(m);
  const column = new Float64Array(k);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < k; i++) column[i] = scores[i][j];
    out[j] = aggregateOne(column, aggregation);
  }
  return out;
}

/** A short stable name: "mean", "wco", "uwo-0.5". */
export function aggregationName(aggregation: Aggregation): string {
  return aggregation.kind === "uwo" ? `uwo-${aggregation.lambda}` : aggregation.kind;
}
