/**
 * Direct alignment losses (DESIGN.md section 2; Rafailov et al. 2024, Liu et al. 2024), over summed
 * sequence log-probabilities of the policy pi and the frozen reference pi_ref on the chosen (w) and
 * rejected (l) responses of a comparison. With the log-ratio margin
 *
 *   h = ln pi(y_w)/pi_ref(y_w) - ln pi(y_l)/pi_ref(y_l)
 *
 *   DPO   L = -ln sigma(beta h)                        (Rafailov et al. 2023)
 *   IPO   L = (h - 1/(2 beta))^2                       (Azar et al. 2023's form: beta is the same
 *                                                       regulariser as in DPO; (beta h - 1)^2 is a
 *                                                       rescaling that changes what beta means)
 *   SLiC  L = max(0, 1 - beta h)                       (Zhao et al. 2023, hinge on the margin)
 *   RPO   L = L_DPO + eta * beta * (-ln pi(y_w))       (Liu et al. 2024; summed token log-probs of
 *                                                       the chosen response; the paper's eta 0.005)
 *
 * TRL's `rpo_alpha` is a different quantity: it weights a length-normalised (per-token mean) NLL
 * and does not multiply it by beta, so its values do not carry over to eta here.
 *
 * Diagnostics: the implicit rewards r_w = beta (ln pi(y_w) - ln pi_ref(y_w)) and
 * r_l = beta (ln pi(y_l) - ln pi_ref(y_l)), their margin r_w - r_l = beta h, and whether h > 0
 * (the implicit reward orders the pair like the label).
 *
 * Each loss comes twice: a graph builder (a per-pair loss tensor for the trainer) and a plain-number
 * version with its derivatives (tests, and a reader checking a number by hand). -ln sigma(z) is
 * always softplus(-z), finite for any z.
 */
import type { Tensor } from "@goodhart/engine";

export const DAA_LOSSES = ["dpo", "ipo", "slic", "rpo"] as const;
export type DaaLossKind = (typeof DAA_LOSSES)[number];

/** The paper's RPO weight (Liu et al. 2024). */
export const RPO_PAPER_ETA = 0.005;

export interface DaaLossParams {
  kind: DaaLossKind;
  /** beta > 0: the strength of the implicit KL regulariser. */
  beta: number;
  /** RPO's weight of the chosen responses' NLL (ignored by the other losses). Default RPO_PAPER_ETA. */
  eta?: number;
}

/** Summed sequence log-probabilities of one comparison (or a batch of them). */
export interface PairLogProbs<T> {
  policyChosen: T;
  policyRejected: T;
  refChosen: T;
  refRejected: T;
}

/** Refuses a beta or eta that would make a loss meaningless (naming the field). */
export function checkLossParams(p: DaaLossParams): void {
  if (!(DAA_LOSSES as readonly string[]).includes(p.kind))
    throw new RangeError(`daa loss: kind must be one of ${DAA_LOSSES.join(", ")}; got ${JSON.stringify(p.kind)}`);
  if (!(p.beta > 0) || !Number.isFinite(p.beta)) throw new RangeError(`daa loss: beta must be a finite number > 0; got ${p.beta}`);
  if (p.eta !== undefined && !(p.eta >= 0 && Number.isFinite(p.eta)))
    throw new RangeError(`daa loss: eta must be a finite number >= 0; got ${p.eta}`);
}

// ---------------------------------------------------------------------------------------------
// Plain numbers.

/** ln(1 + e^x) without overflow. */
function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** The log-ratio margin h of one comparison. */
export function logRatioMargin(lp: PairLogProbs<number>): number {
  return lp.policyChosen - lp.refChosen - (lp.policyRejected - lp.refRejected);
}

/**
 * A loss of one comparison and its derivatives with respect to the policy's chosen and rejected
 * log-probabilities (the reference is frozen). dL/d ln pi(y_l) = -dL/dh always; dL/d ln pi(y_w) =
 * dL/dh plus, for RPO, -eta beta. At SLiC's hinge (beta h = 1 exactly) the derivative is the mean of
 * the two sides, -beta/2, which is what the engine's `maximum` gives on a tie.
 */
export function daaLossValue(
  p: DaaLossParams,
  lp: PairLogProbs<number>,
): { loss: number; dLossDh: number; dPolicyChosen: number; dPolicyRejected: number; h: number } {
  checkLossParams(p);
  const { beta } = p;
  const h = logRatioMargin(lp);
  let loss: number;
  let dh: number;
  switch (p.kind) {
    case "dpo":
    case "rpo":
      loss = softplus(-beta * h);
      dh = -beta * sigmoid(-beta * h);
      break;
    case "ipo":
      loss = (h - 1 / (2 * beta)) ** 2;
      dh = 2 * (h - 1 / (2 * beta));
      break;
    case "slic": {
      const z = 1 - beta * h;
      loss = Math.max(0, z);
      dh = z > 0 ? -beta : z < 0 ? 0 : -beta / 2;
      break;
    }
  }
  let dChosen = dh;
  if (p.kind === "rpo") {
    const eta = p.eta ?? RPO_PAPER_ETA;
    loss += eta * beta * -lp.policyChosen;
    dChosen += -eta * beta;
  }
  return { loss, dLossDh: dh, dPolicyChosen: dChosen, dPolicyRejected: -dh, h };
}

/** Implicit rewards beta (ln pi - ln pi_ref) of chosen and rejected, and their margin beta h. */
export function implicitRewards(beta: number, lp: PairLogProbs<number>): { chosen: number; rejected: number; margin: number } {
  const chosen = beta * (lp.policyChosen - lp.refChosen);
  const rejected = beta * (lp.policyRejected - lp.refRejected);
  return { chosen, rejected, margin: chosen - rejected };
}

// ---------------------------------------------------------------------------------------------
// Graphs.

/**
 * Per-pair losses (pairs,) from per-pair summed log-probs (pairs,), plus the diagnostics as
 * tensors. Take `.mean()` of `loss` for a batch objective.
 */
export function daaLossGraph(
  p: DaaLossParams,
  lp: PairLogProbs<Tensor>,
): { loss: Tensor; h: Tensor; chosenReward: Tensor; rejectedReward: Tensor } {
  checkLossParams(p);
  const { beta } = p;
  const chosenRatio = lp.policyChosen.sub(lp.refChosen);
  const rejectedRatio = lp.policyRejected.sub(lp.refRejected);
  const h = chosenRatio.sub(rejectedRatio);
  let loss: Tensor;
  switch (p.kind) {
    case "dpo":
    case "rpo":
      loss = h.mul(beta).logSigmoid().neg();
      break;
    case "ipo":
      loss = h.sub(1 / (2 * beta)).square();
      break;
    case "slic":
      loss = h.mul(beta).rsub(1).maximum(0);
      break;
  }
  if (p.kind === "rpo") loss = loss.add(lp.policyChosen.neg().mul((p.eta ?? RPO_PAPER_ETA) * beta));
  return { loss, h, chosenReward: chosenRatio.mul(beta), rejectedReward: rejectedRatio.mul(beta) };
}
