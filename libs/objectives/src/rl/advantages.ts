/**
 * Host-side advantage estimators of the two RL algorithms.
 *
 * PPO (Schulman et al. 2017) uses generalised advantage estimation (Schulman et al. 2016) over a
 * sequence's completion tokens:
 *   delta_t = r_t + gamma V_{t+1} - V_t   (V_T = 0: the episode ends after the last token)
 *   A_t = delta_t + gamma lambda A_{t+1},  returns_t = A_t + V_t.
 *
 * RLOO (Ahmadian et al. 2024, after Kool et al. 2019) draws k completions per prompt and uses the
 * mean reward of the other k-1 as each one's baseline:
 *   A_i = R_i - (1/(k-1)) sum_{j != i} R_j.
 */

/** GAE over one sequence: rewards and values of its T completion tokens -> advantages and returns. */
export function gae(
  rewards: ArrayLike<number>,
  values: ArrayLike<number>,
  gamma: number,
  lambda: number,
): { advantages: Float64Array; returns: Float64Array } {
  const T = rewards.length;
  if (values.length !== T) throw new RangeError(`gae: ${T} rewards but ${values.length} values`);
  if (!(gamma >= 0 && gamma <= 1) || !(lambda >= 0 && lambda <= 1))
    throw new RangeError(`gae: gamma and lambda must lie in [0, 1]; got ${gamma}, ${lambda}`);
  const advantages = new Float64Array(T);
  const returns = new Float64Array(T);
  let next = 0;
  for (let t = T - 1; t >= 0; t--) {
    const nextValue = t + 1 < T ? values[t + 1]! : 0;
    const delta = rewards[t]! + gamma * nextValue - values[t]!;
    next = delta + gamma * lambda * next;
    advantages[t] = next;
    returns[t] = next + values[t]!;
  }
  return { advantages, returns };
}

/**
 * Leave-one-out advantages of groups of k consecutive rewards (k samples of one prompt each).
 * @throws RangeError when k < 2 or the rewards are not whole groups
 */
export function leaveOneOutAdvantages(rewards: ArrayLike<number>, k: number): Float64Array {
  if (!Number.isInteger(k) || k < 2)
    throw new RangeError(`leaveOneOutAdvantages: k must be an integer >= 2 (one sample has no other to compare with); got ${k}`);
  if (rewards.length % k !== 0) throw new RangeError(`leaveOneOutAdvantages: ${rewards.length} rewards are not whole groups of k = ${k}`);
  const out = new Float64Array(rewards.length);
  for (let g = 0; g < rewards.length; g += k) {
    let sum = 0;
    for (let i = 0; i < k; i++) sum += rewards[g + i]!;
    for (let i = 0; i < k; i++) out[g + i] = rewards[g + i]! - (sum - rewards[g + i]!) / (k - 1);
  }
  return out;
}

/** Whitened copy (mean 0, population std 1) over the masked entries; others stay 0. */
export function whiten(values: ArrayLike<number>, mask?: ArrayLike<number>): Float64Array {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask && !mask[i]) continue;
    sum += values[i]!;
    n++;
  }
  const out = new Float64Array(values.length);
  if (n === 0) return out;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < values.length; i++) if (!mask || mask[i]) ss += (values[i]! - mean) ** 2;
  const std = Math.sqrt(ss / n);
  for (let i = 0; i < values.length; i++) if (!mask || mask[i]) out[i] = (values[i]! - mean) / (std + 1e-8);
  return out;
}
