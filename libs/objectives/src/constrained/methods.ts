/**
 * The optimization methods of constrained RLHF (Moskovitz et al. 2024) as weight controllers: each
 * says, before a PPO update, how the per-head advantages are mixed (A = c_kl A_kl + sum_i c_i A_i,
 * A_kl the advantage of the per-token KL reward -(ln pi - ln pi_ref)) and what sequence reward each
 * component head sees, and learns from the batch's mean component returns after it.
 *
 * - fixed:   c_i = w_i, c_kl = beta (the usual weighted sum with a KL penalty).
 * - ppo-sat: fixed weights on saturated rewards min(r_i, theta_i): no gain past a proxy point.
 * - mu-ppo:  max -KL s.t. v_i >= theta_i; lambda_i = sigmoid(phi_i); c = mixed advantage weights.
 * - xi-ppo:  max -KL s.t. v_i = theta_i; lambda_i = tanh(phi_i) (may turn negative to push v_i down).
 * - all-ppo: max sum_i v_i - beta KL s.t. v_i <= theta_i; the weight on v_i is 1 - mu_i with mu_i the
 *            upper-bound multiplier, which is sigmoid(phi_i) under the same dual descent (see
 *            multipliers.ts); c_kl = beta, as for fixed weights.
 * Dual descent for all three on sum_i lambda_i (mean return_i - theta_i) (multipliers.ts).
 */
import { dualDescentStep, multiplierValues, type MultiplierKind } from "./multipliers.ts";

export const CONSTRAINED_METHODS = ["fixed", "ppo-sat", "all-ppo", "mu-ppo", "xi-ppo", "nm-ppo"] as const;
export type ConstrainedMethod = (typeof CONSTRAINED_METHODS)[number];

export interface AdvantageWeights {
  kl: number;
  components: number[];
}

export interface WeightController {
  readonly method: string;
  /** Mixing weights for this step's advantages. */
  weights(): AdvantageWeights;
  /** The sequence reward component i's head is trained on (default: the reward itself). */
  reward(component: number, value: number): number;
  /** After the update: the batch's mean (untransformed) component returns. */
  observe(meanReturns: readonly number[]): void;
  /** Current thresholds (null for fixed weights). */
  thresholds(): number[] | null;
  /** Current multipliers (null when there are none). */
  multipliers(): number[] | null;
}

export function fixedWeights(weights: readonly number[], beta: number, method = "fixed"): WeightController {
  return {
    method,
    weights: () => ({ kl: beta, components: [...weights] }),
    reward: (_i, v) => v,
    observe() {},
    thresholds: () => null,
    multipliers: () => null,
  };
}

export function saturatedWeights(weights: readonly number[], beta: number, thresholds: readonly number[]): WeightController {
  return {
    ...fixedWeights(weights, beta, "ppo-sat"),
    reward: (i, v) => Math.min(v, thresholds[i]!),
    thresholds: () => [...thresholds],
  };
}

export interface LagrangianOptions {
  kind: MultiplierKind;
  thresholds: readonly number[];
  /** Dual learning rate. */
  lr: number;
  /** Initial free parameters phi (default 0). */
  init?: number;
  /** "balance": c_kl = N - sum lambda (mu-, xi-PPO); a number: a fixed KL coefficient (All-PPO). */
  klWeight: "balance" | number;
  method: string;
}

/** A learned-multiplier controller; its thresholds may be moved (NM-PPO) with `setThresholds`. */
export function lagrangianWeights(o: LagrangianOptions): WeightController & { setThresholds(t: readonly number[]): void } {
  let thresholds = [...o.thresholds];
  let phi = thresholds.map(() => o.init ?? 0);
  return {
    method: o.method,
    weights() {
      const lambdas = multiplierValues(o.kind, phi);
      const kl = o.klWeight === "balance" ? lambdas.length - lambdas.reduce((s, l) => s + l, 0) : o.klWeight;
      return { kl, components: lambdas };
    },
    reward: (_i, v) => v,
    observe(meanReturns) {
      phi = dualDescentStep(o.kind, phi, meanReturns, thresholds, o.lr);
    },
    thresholds: () => [...thresholds],
    multipliers: () => multiplierValues(o.kind, phi),
    setThresholds(t) {
      if (t.length !== thresholds.length) throw new RangeError(`setThresholds: expected ${thresholds.length} thresholds, got ${t.length}`);
      thresholds = [...t];
    },
  };
}
