/**
 * The RL policy: a copy of the base policy with a value head in its own parameter store (so one
 * trainer updates both, each with its own learning rate), the frozen reference (the base policy's
 * weights under `ref.`), and the programs that read them.
 *
 * Rows are laid out as generation lays them out: [left padding | prompt | completion]; position t
 * predicts token t + 1, so completion token j of a row whose prompt ends at column P - 1 is scored
 * at column P - 1 + j. `mask` (float) marks those columns.
 */
import {
  Gpt,
  ValueHead,
  input,
  tokenLogprobs,
  type HostTensor,
  type Program,
  type Runtime,
  type Session,
  type Tensor,
} from "@goodhart/engine";
import { exactTokenKlGraph } from "../kl/graph.ts";
import { ppoLoss, rlooLoss, tokenEntropy, type PpoLoss, type PpoLossOptions } from "./losses.ts";

export class RlPolicy {
  readonly policy: Gpt;
  readonly value: ValueHead;
  readonly reference: Gpt;
  /** The policy's weights without the value head: what generation feeds (it feeds a whole store). */
  readonly #sampler: Gpt;

  /** @param base the initial policy pi_init (left untouched); `seed` draws the value head */
  constructor(base: Gpt, seed: number) {
    this.policy = base.clone({ seed });
    this.value = new ValueHead(this.policy.store, this.policy.config.dModel);
    this.reference = base.clone({ prefix: "ref." });
    this.#sampler = base.clone({ seed });
  }

  /**
   * The current policy as a model generation can run: its store points at the policy's current
   * buffers (no copy; the trainer replaces them every step, so this relinks each time).
   */
  sampler(): Gpt {
    for (const name of this.#sampler.parameterNames) this.#sampler.store.set(name, this.policy.store.get(name).value);
    return this.#sampler;
  }

  /** The graph inputs every program over a batch of rows takes. */
  static batchInputs() {
    return {
      ids: input("ids", "int64", ["batch", "seq"]),
      mask: input("mask", "bool", ["batch", "seq"]),
      targets: input("targets", "int64", ["batch", "seq"]),
      actions: input("actions", "float32", ["batch", "seq"]),
    };
  }

  /** Forward of the policy and its value head over a batch. */
  forward(ids: Tensor, mask: Tensor, targets: Tensor): { logits: Tensor; logp: Tensor; values: Tensor } {
    const { logits, hidden } = this.policy.forward(ids, { mask });
    return { logits, logp: tokenLogprobs(logits, targets), values: this.value.values(hidden) };
  }

  /**
   * Inference over a rollout: per position the policy's and the reference's log-prob of the next
   * token, the exact KL over the vocabulary, the value and the policy's entropy (each (B, T)).
   */
  analysisProgram(): Program {
    const x = RlPolicy.batchInputs();
    const { logits, logp, values } = this.forward(x.ids, x.mask, x.targets);
    const refLogits = this.reference.logits(x.ids, { mask: x.mask });
    return {
      name: "rl-analysis",
      outputs: {
        logp,
        ref_logp: tokenLogprobs(refLogits, x.targets),
        exact_kl: exactTokenKlGraph(logits, refLogits),
        values,
        entropy: tokenEntropy(logits),
      },
    };
  }

  /** The PPO loss over a minibatch; data inputs: the batch inputs plus old_logp, advantages, returns, old_values. */
  ppoLoss(options: PpoLossOptions): PpoLoss {
    const x = RlPolicy.batchInputs();
    const { logits, logp, values } = this.forward(x.ids, x.mask, x.targets);
    const tokens = (name: string) => input(name, "float32", ["batch", "seq"]);
    return ppoLoss(
      {
        logp,
        oldLogp: tokens("old_logp"),
        advantages: tokens("advantages"),
        returns: tokens("returns"),
        values,
        oldValues: tokens("old_values"),
        logits,
        mask: x.actions,
      },
      options,
    );
  }

  /** The RLOO loss; data inputs: the batch inputs plus seq_advantages (B,). */
  rlooLoss(): { loss: Tensor; entropy: Tensor } {
    const x = RlPolicy.batchInputs();
    const { logits, logp } = this.forward(x.ids, x.mask, x.targets);
    return rlooLoss(logp, x.actions, input("seq_advantages", "float32", ["batch"]), logits);
  }

  /** Parameter feeds of the analysis program (policy, value head, reference). */
  feeds(): Record<string, HostTensor> {
    return { ...this.policy.store.feeds(), ...this.reference.store.feeds() };
  }

  async analysisSession(runtime: Runtime): Promise<Session> {
    return runtime.session(this.analysisProgram());
  }
}

/** A batch of rows in the layout above. */
export interface RowBatch {
  feeds: Record<string, HostTensor>;
  /** Columns of completion token j of row b: `offset[b] + j`. */
  offsets: number[];
  width: number;
}

/** Lays out prompts and completions (token ids) as program feeds. */
export function rowBatch(prompts: readonly (readonly number[])[], completions: readonly (readonly number[])[], pad: number): RowBatch {
  if (prompts.length !== completions.length || prompts.length === 0)
    throw new RangeError(`rowBatch: ${prompts.length} prompts and ${completions.length} completions`);
  const P = Math.max(...prompts.map((p) => p.length));
  const C = Math.max(1, ...completions.map((c) => c.length));
  const T = P + C;
  const B = prompts.length;
  const ids = new BigInt64Array(B * T).fill(BigInt(pad));
  const targets = new BigInt64Array(B * T);
  const mask = new Uint8Array(B * T);
  const actions = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const p = prompts[b]!;
    const c = completions[b]!;
    const o = b * T + P - p.length;
    p.forEach((t, j) => ((ids[o + j] = BigInt(t)), (mask[o + j] = 1)));
    c.forEach((t, j) => ((ids[b * T + P + j] = BigInt(t)), (mask[b * T + P + j] = 1), (actions[b * T + P - 1 + j] = 1)));
    for (let t = 0; t < T - 1; t++) targets[b * T + t] = ids[b * T + t + 1]!;
  }
  return {
    feeds: {
      ids: { dtype: "int64", shape: [B, T], data: ids },
      mask: { dtype: "bool", shape: [B, T], data: mask },
      targets: { dtype: "int64", shape: [B, T], data: targets },
      actions: { dtype: "float32", shape: [B, T], data: actions },
    },
    offsets: prompts.map(() => P - 1),
    width: T,
  };
}

/** Per-token (B, T) host values of row b's completion tokens. */
export function completionSlice(values: ArrayLike<number>, batch: RowBatch, row: number, length: number): Float64Array {
  const start = row * batch.width + batch.offsets[row]!;
  const out = new Float64Array(length);
  for (let j = 0; j < length; j++) out[j] = values[start + j]!;
  return out;
}

/** A (B, T) float32 feed holding per-token values at each row's completion columns. */
export function tokenFeed(batch: RowBatch, perRow: readonly ArrayLike<number>[]): HostTensor {
  const B = perRow.length;
  const data = new Float32Array(B * batch.width);
  perRow.forEach((row, b) => {
    const start = b * batch.width + batch.offsets[b]!;
    for (let j = 0; j < row.length; j++) data[start + j] = row[j]!;
  });
  return { dtype: "float32", shape: [B, batch.width], data };
}
