/**
 * The policy-gradient losses as graph functions over per-token tensors (B, T), each masked to the
 * completion tokens by `mask` (float32, 1 on a token the policy chose, 0 on prompt and padding).
 * Means are over the masked tokens of the whole batch (sum(x m) / sum(m)).
 *
 * PPO (Schulman et al. 2017, eq. 7 and 9; value clipping as in OpenAI baselines):
 *   ratio = e^(logp - oldLogp)
 *   L_pi  = mean(max(-A ratio, -A clamp(ratio, 1 - eps, 1 + eps)))
 *   L_V   = 0.5 mean(max((V - R)^2, (oldV + clamp(V - oldV, -epsV, epsV) - R)^2))
 *   H     = mean(-sum_v pi_v ln pi_v)
 *   L     = L_pi + c_V L_V - c_H H
 * RLOO (Ahmadian et al. 2024): REINFORCE with the leave-one-out baseline on whole sequences,
 *   L = -mean_b(A_b sum_t logp_bt).
 */
import type { Tensor } from "@goodhart/engine";

function maskedMean(x: Tensor, mask: Tensor, count: Tensor): Tensor {
  return x.mul(mask).sum().div(count);
}

export interface PpoLossInputs {
  /** ln pi(a_t) under the current policy (B, T). */
  logp: Tensor;
  /** ln pi_old(a_t) from the rollout (B, T). */
  oldLogp: Tensor;
  advantages: Tensor;
  returns: Tensor;
  /** V(s_t) now and at the rollout (B, T). */
  values: Tensor;
  oldValues: Tensor;
  /** Logits (B, T, V) for the entropy bonus. */
  logits: Tensor;
  mask: Tensor;
}

export interface PpoLossOptions {
  clip: number;
  valueClip: number;
  valueCoef: number;
  entropyCoef: number;
}

export interface PpoLoss {
  loss: Tensor;
  policyLoss: Tensor;
  valueLoss: Tensor;
  entropy: Tensor;
  clipFraction: Tensor;
  valueClipFraction: Tensor;
  /** mean((logp - oldLogp)^2 / 2): how far this epoch moved from the rollout policy. */
  approxKl: Tensor;
}

/** Per-token entropy of softmax(logits) (B, T, V) -> (B, T). */
export function tokenEntropy(logits: Tensor): Tensor {
  const logp = logits.logSoftmax(-1);
  return logp.exp().mul(logp).sum([-1]).neg();
}

export function ppoLoss(x: PpoLossInputs, o: PpoLossOptions): PpoLoss {
  const count = x.mask.sum().maximum(1);
  const logRatio = x.logp.sub(x.oldLogp);
  const ratio = logRatio.exp();
  const unclipped = x.advantages.neg().mul(ratio);
  const clipped = x.advantages.neg().mul(ratio.clip(1 - o.clip, 1 + o.clip));
  const policyLoss = maskedMean(unclipped.maximum(clipped), x.mask, count);
  const vClipped = x.oldValues.add(x.values.sub(x.oldValues).clip(-o.valueClip, o.valueClip));
  const vErr = x.values.sub(x.returns).square();
  const vErrClipped = vClipped.sub(x.returns).square();
  const valueLoss = maskedMean(vErr.maximum(vErrClipped), x.mask, count).mul(0.5);
  const entropy = maskedMean(tokenEntropy(x.logits), x.mask, count);
  const loss = policyLoss.add(valueLoss.mul(o.valueCoef)).sub(entropy.mul(o.entropyCoef));
  const clipFraction = maskedMean(ratio.sub(1).abs().gt(o.clip).cast(x.mask.dtype), x.mask, count);
  const valueClipFraction = maskedMean(vErrClipped.gt(vErr).cast(x.mask.dtype), x.mask, count);
  const approxKl = maskedMean(logRatio.square().mul(0.5), x.mask, count);
  return { loss, policyLoss, valueLoss, entropy, clipFraction, valueClipFraction, approxKl };
}

/** RLOO: logp (B, T), mask (B, T), sequence advantages (B,) -> loss and mean entropy. */
export function rlooLoss(logp: Tensor, mask: Tensor, advantages: Tensor, logits: Tensor): { loss: Tensor; entropy: Tensor } {
  const sequenceLogp = logp.mul(mask).sum([1]); // (B,)
  const loss = advantages.mul(sequenceLogp).mean().neg();
  return { loss, entropy: maskedMean(tokenEntropy(logits), mask, mask.sum().maximum(1)) };
}
