import type { Operand, Tensor } from "../ir/tensor.ts";

/**
 * Log-probabilities of given tokens under a softmax at a temperature: logits (..., V), int64
 * tokens (...) -> log_softmax(logits / temperature)[token] (...). The entry is gathered (ONNX
 * GatherElements), not multiplied out of a vocabulary-wide one-hot. `temperature` is a number
 * (> 0) or a float rank-0 tensor, e.g. a program input so one program serves every temperature;
 * use the sampling temperature for the log-probs of a policy that sampled at it (PPO ratios, KL).
 */
export function gatherLogProbs(logits: Tensor, tokens: Tensor, temperature: Operand = 1): Tensor {
  if (typeof temperature === "number" && !(temperature > 0)) throw new Error(`gatherLogProbs: temperature must be > 0, got ${temperature}`);
  const scaled = temperature === 1 ? logits : logits.div(temperature);
  return scaled.logSoftmax(-1).gatherLast(tokens);
}
