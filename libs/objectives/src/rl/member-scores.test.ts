/**
 * The stacked proxy scorer against each member scored alone (real ONNX Runtime sessions), and the
 * rollout analysis over length batches against the analysis program over the whole rollout at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gpt, RewardModel, Rng, createRuntime, rewardScores, type Runtime } from "@goodhart/engine";
import type { TaskPrompt } from "../task/prompts.ts";
import { memberScorer } from "./member-scores.ts";
import { RlPolicy, completionSlice, rowBatch } from "./policy.ts";
import { analyseRollout, type Rollout } from "./rollout.ts";

let runtime: Runtime;
beforeAll(async () => (runtime = await createRuntime({ device: "cpu", threads: 2 })));
afterAll(async () => runtime?.release());

const V = 40;
const PAD = 0;
const rng = new Rng(11);
const row = (n: number) => Array.from({ length: n }, () => rng.int(4, V));
/** Lengths from 2 to 40 tokens, unsorted: several length batches. */
const lengths = [12, 3, 40, 7, 25, 2, 9, 31, 5, 18, 14, 38, 6, 21, 4, 11];
const relClose = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

describe("memberScorer", () => {
  it("gives each member's own scores, stacked into one program", async () => {
    const sequences = lengths.map((n) => row(n));
    const members = [1, 2, 3].map((seed) => new RewardModel({ vocab: V, maxSeq: 48, dModel: 16, nHeads: 2, nLayers: 2 }, { seed }));
    const scorer = memberScorer(runtime, members, PAD);
    expect(scorer.path).toBe("stacked");
    const stacked = await scorer.score(sequences);
    for (const [m, model] of members.entries()) {
      const alone = await rewardScores(runtime, model, sequences, { padToken: PAD });
      alone.forEach((x, i) =>
        expect(relClose(stacked[m]![i]!, x, 1e-5), `member ${m} sequence ${i}: ${stacked[m]![i]} vs ${x}`).toBe(true),
      );
    }
    await expect(scorer.score([[1, 2, V]])).rejects.toThrow(/sequence 0, position 2: token 40 is outside the vocabulary/);
  });

  it("scores members the stacked forward does not implement one after another", async () => {
    const sequences = lengths.map((n) => row(n));
    const members = [1, 2].map(
      (seed) => new RewardModel({ vocab: V, maxSeq: 48, dModel: 16, nHeads: 2, nLayers: 1, positions: "rotary" }, { seed }),
    );
    const scorer = memberScorer(runtime, members, PAD);
    expect(scorer.path).toBe("separate");
    const scores = await scorer.score(sequences);
    for (const [m, model] of members.entries()) {
      // Other batches than rewardScores' one: equal to float rounding.
      const alone = await rewardScores(runtime, model, sequences, { padToken: PAD });
      alone.forEach((x, i) => expect(relClose(scores[m]![i]!, x, 1e-5), `member ${m} sequence ${i}`).toBe(true));
    }
  });
});

describe("analyseRollout", () => {
  it("over length batches equals the analysis program over the whole rollout in one batch", async () => {
    const base = new Gpt({ vocab: V, maxSeq: 64, dModel: 16, nHeads: 2, nLayers: 2 }, { seed: 4 });
    const rl = new RlPolicy(base, 9);
    // Move the policy away from the reference so log-prob differences and KL are not zero.
    for (const name of rl.policy.parameterNames)
      rl.policy.store.set(
        name,
        rl.policy.store.get(name).value.map((x) => x + 0.05 * (rng.uniform() - 0.5)),
      );
    const completions = lengths.map((n) => row(n));
    const promptIds = lengths.map((_, i) => row(3 + (i % 5)));
    const rollout: Rollout = {
      prompts: lengths.map(() => ({}) as TaskPrompt),
      promptIds,
      completions,
      words: lengths.map(() => []),
      sequences: lengths.map(() => []),
    };
    const session = await rl.analysisSession(runtime);
    const batched = await analyseRollout(session, rl, rollout, PAD);
    const whole = rowBatch(promptIds, completions, PAD);
    const { actions: _unused, ...inputs } = whole.feeds;
    const out = await session.run({ ...rl.feeds(), ...inputs });
    const fields = { logp: "logp", refLogp: "ref_logp", exactKl: "exact_kl", values: "values" } as const;
    for (const [field, output] of Object.entries(fields)) {
      completions.forEach((c, b) => {
        const expected = completionSlice(out[output]!.data as Float32Array, whole, b, c.length);
        const got = batched[field as keyof typeof fields][b]!;
        expect(got.length).toBe(c.length);
        expected.forEach((x, t) => expect(relClose(got[t]!, x, 1e-5), `${field} row ${b} token ${t}: ${got[t]} vs ${x}`).toBe(true));
      });
    }
    const entropy = completions.map((c, b) => {
      const e = completionSlice(out.entropy!.data as Float32Array, whole, b, c.length);
      return e.reduce((s, x) => s + x, 0) / e.length;
    });
    entropy.forEach((x, b) => expect(relClose(batched.entropy[b]!, x, 1e-5)).toBe(true));
    expect(batched.exactKl.flatMap((k) => [...k]).some((x) => x > 1e-6)).toBe(true);
  });
});
