/**
 * Learned Lagrange multipliers of constrained RLHF (Moskovitz et al. 2024) and the advantage they
 * mix. Each component i has a free parameter phi_i; its multiplier is
 *   lambda_i = sigmoid(phi_i)   for an inequality constraint (v_i >= theta_i, or v_i <= theta_i),
 *   lambda_i = tanh(phi_i)      for an equality constraint (v_i = theta_i),
 * so lambda stays in (0, 1) or (-1, 1) without projections. The multipliers are learned by gradient
 * descent on the dual objective
 *   L(phi) = sum_i lambda_i (mean return_i - theta_i),
 * whose gradient is dL/dphi_i = lambda'(phi_i) (mean return_i - theta_i): a component below its
 * threshold raises its multiplier (more weight on it), one above lowers it (for tanh, below zero:
 * the policy is pushed back down to the threshold).
 *
 * The policy ascends the mixed advantage, the KL "reward" -(ln pi - ln pi_ref) treated as one more
 * component whose weight makes the weights sum to N (the number of components):
 *   A = (N - sum_i lambda_i) A_kl + sum_i lambda_i A_i.
 */

export type MultiplierKind = "sigmoid" | "tanh";

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** lambda(phi) for each parameter. */
export function multiplierValues(kind: MultiplierKind, phi: readonly number[]): number[] {
  return phi.map((p) => (kind === "sigmoid" ? sigmoid(p) : Math.tanh(p)));
}

/** d lambda / d phi at each parameter. */
export function multiplierSlopes(kind: MultiplierKind, phi: readonly number[]): number[] {
  return phi.map((p) => {
    if (kind === "sigmoid") {
      const s = sigmoid(p);
      return s * (1 - s);
    }
    const t = Math.tanh(p);
    return 1 - t * t;
  });
}

/**
 * One step of dual descent: phi_i <- phi_i - lr * lambda'(phi_i) * (meanReturn_i - theta_i).
 * @returns the new parameters (the input is left untouched)
 * @throws RangeError when the lengths differ or a value is not finite
 */
export function dualDescentStep(
  kind: MultiplierKind,
  phi: readonly number[],
  meanReturns: readonly number[],
  thresholds: readonly number[],
  lr: number,
): number[] {
  if (meanReturns.length !== phi.length || thresholds.length !== phi.length)
    throw new RangeError(`dualDescentStep: ${phi.length} multipliers, ${meanReturns.length} returns and ${thresholds.length} thresholds`);
  if (!(lr > 0)) throw new RangeError(`dualDescentStep: the learning rate must be > 0; got ${lr}`);
  const slopes = multiplierSlopes(kind, phi);
  return phi.map((p, i) => {
    const gap = meanReturns[i]! - thresholds[i]!;
    if (!Number.isFinite(gap)) throw new RangeError(`dualDescentStep: component ${i} has a non-finite return or threshold`);
    return p - lr * slopes[i]! * gap;
  });
}

/** The dual objective sum_i lambda_i (meanReturn_i - theta_i) (what dualDescentStep descends). */
export function dualObjective(lambdas: readonly number[], meanReturns: readonly number[], thresholds: readonly number[]): number {
  return lambdas.reduce((s, l, i) => s + l * (meanReturns[i]! - thresholds[i]!), 0);
}

/**
 * Per-token mixed advantage (N - sum lambda) A_kl + sum lambda_i A_i of one sequence.
 * @param kl advantages of the KL reward (T tokens)
 * @param components one row of T advantages per component
 */
export function mixedAdvantage(kl: ArrayLike<number>, components: readonly ArrayLike<number>[], lambdas: readonly number[]): Float64Array {
  if (components.length !== lambdas.length)
    throw new RangeError(`mixedAdvantage: ${components.length} component advantages but ${lambdas.length} multipliers`);
  const klWeight = lambdas.length - lambdas.reduce((s, l) => s + l, 0);
  return weightedAdvantage(kl, klWeight, components, lambdas);
}

/** Per-token c_kl A_kl + sum_i c_i A_i (the fixed-weight objective is this with c_kl = beta). */
export function weightedAdvantage(
  kl: ArrayLike<number>,
  klWeight: number,
  components: readonly ArrayLike<number>[],
  weights: readonly number[],
): Float64Array {
  if (components.length !== weights.length)
    throw new RangeError(`weightedAdvantage: ${components.length} component advantages but ${weights.length} weights`);
  const T = kl.length;
  const out = new Float64Array(T);
  for (let t = 0; t < T; t++) out[t] = klWeight * kl[t]!;
  components.forEach((row, i) => {
    if (row.length !== T) throw new RangeError(`weightedAdvantage: component ${i} has ${row.length} tokens, the KL row ${T}`);
    for (let t = 0; t < T; t++) out[t]! += weights[i]! * row[t]!;
  });
  return out;
}
