/**
 * The constrained-RLHF policy: rl/policy.ts's RlPolicy (policy, frozen reference, sampler) whose
 * own value head `value_head` estimates the KL return, plus one value head per component reward
 * (`value_head.<i>`), all in the policy's store so one trainer updates them (the "value" parameter
 * group matches the prefix "value_head."). Moskovitz et al. 2024 keep one value head per reward so
 * each component's advantage can be reweighted by its multiplier after GAE.
 */
import { ValueHead, input, type Gpt, type HostTensor, type Program, type Runtime, type Session, type Tensor } from "@goodhart/engine";
import { exactTokenKlGraph } from "../kl/graph.ts";
import { tokenLogprobs } from "@goodhart/engine";
import { ppoLoss, tokenEntropy, type PpoLoss, type PpoLossOptions } from "../rl/losses.ts";
import { RlPolicy, completionSlice, rowBatch } from "../rl/policy.ts";
import type { Rollout } from "../rl/rollout.ts";

export class MultiHeadPolicy {
  readonly rl: RlPolicy;
  readonly heads: ValueHead[];

  /** @param components number of component value heads (the KL head is RlPolicy's own) */
  constructor(
    base: Gpt,
    seed: number,
    readonly components: number,
  ) {
    this.rl = new RlPolicy(base, seed);
    const store = this.rl.policy.store;
    this.heads = Array.from({ length: components }, (_, i) => new ValueHead(store, this.rl.policy.config.dModel, `value_head.${i}`));
  }

  #forward(ids: Tensor, mask: Tensor, targets: Tensor) {
    const { logits, hidden } = this.rl.policy.forward(ids, { mask });
    return {
      logits,
      logp: tokenLogprobs(logits, targets),
      klValues: this.rl.value.values(hidden),
      componentValues: this.heads.map((h) => h.values(hidden)),
    };
  }

  /** RlPolicy's analysis outputs (`values` = the KL head) plus `values_<i>` per component head. */
  analysisProgram(): Program {
    const x = RlPolicy.batchInputs();
    const f = this.#forward(x.ids, x.mask, x.targets);
    const refLogits = this.rl.reference.logits(x.ids, { mask: x.mask });
    const outputs: Record<string, Tensor> = {
      logp: f.logp,
      ref_logp: tokenLogprobs(refLogits, x.targets),
      exact_kl: exactTokenKlGraph(f.logits, refLogits),
      values: f.klValues,
      entropy: tokenEntropy(f.logits),
    };
    f.componentValues.forEach((v, i) => (outputs[`values_${i}`] = v));
    return { name: "constrained-analysis", outputs };
  }

  /**
   * PPO on the mixed advantage (`advantages`) with one clipped value loss per head, each against
   * its own returns: data inputs are the batch inputs plus old_logp, advantages, returns and
   * old_values (the KL head) and returns_<i>, old_values_<i> per component. The loss is rl/losses'
   * PPO loss (policy, KL-head value loss, entropy) plus c_V times each component head's value loss.
   */
  ppoLoss(options: PpoLossOptions): PpoLoss & { componentValueLosses: Tensor[] } {
    const x = RlPolicy.batchInputs();
    const f = this.#forward(x.ids, x.mask, x.targets);
    const tokens = (name: string) => input(name, "float32", ["batch", "seq"]);
    const common = { logp: f.logp, oldLogp: tokens("old_logp"), advantages: tokens("advantages"), logits: f.logits, mask: x.actions };
    const main = ppoLoss({ ...common, returns: tokens("returns"), values: f.klValues, oldValues: tokens("old_values") }, options);
    // The same PPO terms for each component head; only their value losses are used (the rest is
    // not an output, so it is not computed).
    const componentValueLosses = f.componentValues.map(
      (values, i) =>
        ppoLoss({ ...common, returns: tokens(`returns_${i}`), values, oldValues: tokens(`old_values_${i}`) }, options).valueLoss,
    );
    const loss = componentValueLosses.reduce((l, v) => l.add(v.mul(options.valueCoef)), main.loss);
    return { ...main, loss, componentValueLosses };
  }

  feeds(): Record<string, HostTensor> {
    return this.rl.feeds();
  }

  async analysisSession(runtime: Runtime): Promise<Session> {
    return runtime.session(this.analysisProgram());
  }
}

/** Per-sample, per-completion-token outputs of the analysis program over a rollout. */
export interface MultiHeadAnalysis {
  logp: Float64Array[];
  refLogp: Float64Array[];
  exactKl: Float64Array[];
  klValues: Float64Array[];
  /** componentValues[i][b]: component head i's values along sample b's completion. */
  componentValues: Float64Array[][];
  entropy: Float64Array;
}

export async function analyseMultiHead(
  session: Session,
  policy: MultiHeadPolicy,
  rollout: Rollout,
  pad: number,
): Promise<MultiHeadAnalysis> {
  const batch = rowBatch(rollout.promptIds, rollout.completions, pad);
  const { actions: _unused, ...inputs } = batch.feeds; // the analysis reads every position
  const out = await session.run({ ...policy.feeds(), ...inputs });
  const take = (name: string) => rollout.completions.map((c, b) => completionSlice(out[name]!.data as Float32Array, batch, b, c.length));
  const entropy = take("entropy").map((e) => e.reduce((s, x) => s + x, 0) / Math.max(1, e.length));
  return {
    logp: take("logp"),
    refLogp: take("ref_logp"),
    exactKl: take("exact_kl"),
    klValues: take("values"),
    componentValues: policy.heads.map((_, i) => take(`values_${i}`)),
    entropy: Float64Array.from(entropy),
  };
}
