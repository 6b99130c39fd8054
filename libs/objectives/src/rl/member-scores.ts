/**
 * Scores of every member of a proxy ensemble, in one program run per batch of sequences.
 *
 * An RL step scores its rollout with all k members of the proxy, and an evaluation scores its
 * samples with them again. The members are tiny, so scoring them one after another spends most of
 * its time in ONNX Runtime's per-op dispatch, k times over; stacked on a leading member axis
 * (StackedRewardModels, the same forward as RewardModel) each op does the work of all k at once;
 * rows of similar length share a batch, so little of it is padding.
 * A member's stacked score equals its own score to float rounding (bit for bit in our measurements,
 * not guaranteed), and a run scores every rollout through the same path: runs stay deterministic.
 */
import { StackedRewardModels, input, padTokens, rewardScores, type RewardModel, type Runtime, type Session } from "@goodhart/engine";
import { lengthBatches } from "./length-batches.ts";

/** Sequences per program run of `memberScores`. */
const BATCH = 256;

/** Raw member scores (k rows) of sequences, one member after another. */
export async function memberScores(
  runtime: Runtime,
  members: readonly RewardModel[],
  sequences: readonly (readonly number[])[],
  pad: number,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const m of members) out.push(await rewardScores(runtime, m, sequences, { padToken: pad, batchSize: BATCH }));
  return out;
}

export interface MemberScorer {
  /** Raw member scores (k rows, one value per sequence). */
  score(sequences: readonly (readonly number[])[]): Promise<Float32Array[]>;
  /** "stacked" when the members run as one program, "separate" when they cannot be stacked. */
  readonly path: "stacked" | "separate";
}

/**
 * A scorer for fixed members (their weights are copied once: the proxies of an RL run are frozen),
 * over batches of similar length (length-batches.ts). Members whose architecture the stacked
 * forward does not implement score one after another.
 */
export function memberScorer(runtime: Runtime, members: readonly RewardModel[], pad: number): MemberScorer {
  if (members.length === 0) throw new RangeError("memberScorer: no members");
  if (StackedRewardModels.unsupported(members[0]!.config) !== null)
    return {
      path: "separate",
      async score(sequences) {
        const result = members.map(() => new Float32Array(sequences.length));
        for (const rows of lengthBatches(sequences.map((s) => s.length))) {
          const part = await memberScores(
            runtime,
            members,
            rows.map((r) => sequences[r]!),
            pad,
          );
          part.forEach((scores, m) => rows.forEach((r, i) => (result[m]![r] = scores[i]!)));
        }
        return result;
      },
    };
  const stack = StackedRewardModels.fromModels(members);
  const k = members.length;
  const { maxSeq, vocab } = stack.config;
  let session: Promise<Session> | null = null;
  const open = () => {
    // (1, R, T): one set of rows read by every member.
    const ids = input("ids", "int64", [1, "batch", "seq"]);
    const mask = input("mask", "bool", [1, "batch", "seq"]);
    return runtime.session({ name: "stacked-reward-scores", outputs: { scores: stack.scores(ids, mask) } });
  };
  const params = stack.store.feeds();
  return {
    path: "stacked",
    async score(sequences) {
      sequences.forEach((s, i) => {
        if (s.length === 0) throw new Error(`proxy scoring: sequence ${i} is empty`);
        if (s.length > maxSeq) throw new Error(`proxy scoring: sequence ${i} has ${s.length} tokens, more than maxSeq ${maxSeq}`);
        s.forEach((t, j) => {
          if (!Number.isInteger(t) || t < 0 || t >= vocab)
            throw new Error(`proxy scoring: sequence ${i}, position ${j}: token ${t} is outside the vocabulary [0, ${vocab})`);
        });
      });
      session ??= open();
      const run = await session;
      const result = Array.from({ length: k }, () => new Float32Array(sequences.length));
      for (const rows of lengthBatches(sequences.map((s) => s.length))) {
        const batch = padTokens(
          rows.map((r) => sequences[r]!),
          pad,
          "right",
        );
        const [R, T] = batch.ids.shape as [number, number];
        const out = (await run.run({ ...params, ids: { ...batch.ids, shape: [1, R, T] }, mask: { ...batch.mask, shape: [1, R, T] } }))
          .scores!.data as Float32Array; // (k, R) row-major
        for (let m = 0; m < k; m++) rows.forEach((r, b) => (result[m]![r] = out[m * R + b]!));
      }
      return result;
    },
  };
}
