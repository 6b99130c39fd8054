/**
 * Summed completion log-probabilities of token sequences `<bos> prompt <sep> completion <eos>`, the
 * quantity every direct alignment loss is written in: one graph function (used inside the training
 * loss) and one host function (reference log-probs, held-out evaluation) over the same right-padded
 * layout, so a number computed on the host is the number the loss sees.
 */
import { gatherLogProbs, type Gpt, type HostTensor, type ProjectionDelta, type Runtime, type Tensor, input } from "@goodhart/engine";

/** A sequence and how many of its leading tokens are the prompt (those are not scored). */
export interface ScoredSequence {
  tokens: readonly number[];
  promptLength: number;
  /**
   * Whether the last token (the end token) was produced by the policy and so belongs to the event
   * scored. A completion cut at the length limit was closed with `<eos>` for scoring only. Default true.
   */
  endScored?: boolean;
}

/**
 * Feeds ids, mask, targets and weights (rows, T) for sequences, right-padded with `pad`: position t
 * predicts token t + 1, and its weight is 1 when that token is part of the completion.
 */
export function sequenceFeeds(rows: readonly ScoredSequence[], pad: number): Record<"ids" | "mask" | "targets" | "weights", HostTensor> {
  if (rows.length === 0) throw new RangeError("sequenceFeeds: no sequences");
  const T = Math.max(...rows.map((r) => r.tokens.length)) - 1;
  const B = rows.length;
  const ids = new BigInt64Array(B * T).fill(BigInt(pad));
  const targets = new BigInt64Array(B * T).fill(BigInt(pad));
  const weights = new Float32Array(B * T);
  const mask = new Uint8Array(B * T);
  rows.forEach((r, b) => {
    if (r.promptLength < 1 || r.promptLength >= r.tokens.length)
      throw new RangeError(
        `sequenceFeeds: row ${b} has prompt length ${r.promptLength} of ${r.tokens.length} tokens; need a prompt and a completion`,
      );
    const last = r.tokens.length - 1 - (r.endScored === false ? 1 : 0); // index of the last target scored
    for (let t = 0; t < r.tokens.length - 1; t++) {
      ids[b * T + t] = BigInt(r.tokens[t]!);
      targets[b * T + t] = BigInt(r.tokens[t + 1]!);
      mask[b * T + t] = 1;
      if (t + 1 >= r.promptLength && t + 1 <= last) weights[b * T + t] = 1;
    }
  });
  return {
    ids: { dtype: "int64", shape: [B, T], data: ids },
    mask: { dtype: "bool", shape: [B, T], data: mask },
    targets: { dtype: "int64", shape: [B, T], data: targets },
    weights: { dtype: "float32", shape: [B, T], data: weights },
  };
}

/** The four inputs of `sequenceFeeds` as graph inputs with a row dim named `rows` (e.g. "2*pairs"). */
export function sequenceInputs(rows: string): { ids: Tensor; mask: Tensor; targets: Tensor; weights: Tensor } {
  return {
    ids: input("ids", "int64", [rows, "seq"]),
    mask: input("mask", "bool", [rows, "seq"]),
    targets: input("targets", "int64", [rows, "seq"]),
    weights: input("weights", "float32", [rows, "seq"]),
  };
}

/** Summed log-probabilities of the weighted targets: (rows, seq) inputs -> (rows,). */
export function summedLogProbs(
  model: Gpt,
  x: { ids: Tensor; mask: Tensor; targets: Tensor; weights: Tensor },
  lora?: ProjectionDelta,
): Tensor {
  return gatherLogProbs(model.logits(x.ids, { mask: x.mask, lora }), x.targets)
    .mul(x.weights)
    .sum([1]);
}

/** Summed completion log-probs of each sequence under a model (and adapter), in input order. */
export async function sequenceLogProbs(
  runtime: Runtime,
  model: Gpt,
  rows: readonly ScoredSequence[],
  options: { pad: number; lora?: ProjectionDelta & { feeds(): Record<string, HostTensor> }; batchSize?: number },
): Promise<Float64Array> {
  const x = sequenceInputs("batch");
  const session = await runtime.session({ name: "daa-sequence-logp", outputs: { logp: summedLogProbs(model, x, options.lora) } });
  const params = { ...model.store.feeds(), ...options.lora?.feeds() };
  const out = new Float64Array(rows.length);
  const batchSize = options.batchSize ?? 128;
  // Similar lengths together, so little padding is computed.
  const order = rows.map((_, i) => i).sort((a, b) => rows[a]!.tokens.length - rows[b]!.tokens.length || a - b);
  for (let start = 0; start < order.length; start += batchSize) {
    const idx = order.slice(start, start + batchSize);
    const r = await session.run({
      ...params,
      ...sequenceFeeds(
        idx.map((i) => rows[i]!),
        options.pad,
      ),
    });
    const lp = r.logp!.data as Float32Array;
    idx.forEach((i, b) => (out[i] = lp[b]!));
  }
  return out;
}
