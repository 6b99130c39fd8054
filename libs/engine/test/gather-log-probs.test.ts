// gatherLogProbs: log_softmax(logits / T)[token] by gather, against a float64 host computation
// and the one-hot formulation it replaces (values and gradients), with no one-hot in its forward.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { topoNodes } from "../src/autodiff/grad.ts";
import type { Runtime } from "../src/index.ts";
import {
  createRng,
  createRuntime,
  gatherLogProbs,
  grad,
  hostTensor,
  input,
  oneHot,
  softmaxCrossEntropy,
  tokenLogprobs,
} from "../src/index.ts";

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 1 });
});
afterAll(async () => {
  await rt.release();
});

const [B, T, V] = [2, 3, 7];
const rng = createRng(5);
const logitValues = Float64Array.from({ length: B * T * V }, () => 4 * rng.normal());
const tokenValues = BigInt64Array.from({ length: B * T }, () => BigInt(Math.floor(rng.uniform() * V)));

describe("gatherLogProbs", () => {
  for (const temperature of [1, 0.7, 1.5]) {
    it(`equals a float64 host log-softmax at temperature ${temperature}`, async () => {
      const logits = input("logits", "float64", [B, T, V]);
      const tokens = input("tokens", "int64", [B, T]);
      const s = await rt.session({ outputs: { lp: gatherLogProbs(logits, tokens, temperature) } });
      const lp = (await s.run({ logits: hostTensor(logitValues, [B, T, V]), tokens: hostTensor(tokenValues, [B, T]) })).lp!
        .data as Float64Array;
      for (let r = 0; r < B * T; r++) {
        const row = [...logitValues.slice(r * V, (r + 1) * V)].map((x) => x / temperature);
        const max = Math.max(...row);
        const lse = max + Math.log(row.reduce((acc, x) => acc + Math.exp(x - max), 0));
        expect(lp[r]).toBeCloseTo(row[Number(tokenValues[r])]! - lse, 12);
      }
    });
  }

  it("matches the one-hot formulation in values and gradients, and its forward has no one-hot", async () => {
    const logits = input("logits", "float64", [B, T, V]);
    const tokens = input("tokens", "int64", [B, T]);
    const temp = input("temperature", "float64", []);
    const gathered = gatherLogProbs(logits, tokens, temp);
    const viaOneHot = oneHot(tokens, V, "float64").mul(logits.div(temp).logSoftmax(-1)).sum([-1]);
    expect(topoNodes([gathered]).map((n) => n.op)).not.toContain("one_hot");
    const w = input("w", "float64", [B, T]);
    const [g1] = grad(gathered.mul(w).sum(), [logits]);
    const [g2] = grad(viaOneHot.mul(w).sum(), [logits]);
    const s = await rt.session({ outputs: { a: gathered, b: viaOneHot, g1: g1!, g2: g2! } });
    const out = await s.run({
      logits: hostTensor(logitValues, [B, T, V]),
      tokens: hostTensor(tokenValues, [B, T]),
      temperature: hostTensor(Float64Array.of(0.8), []),
      w: hostTensor(
        Float64Array.from({ length: B * T }, (_, i) => i - 2.5),
        [B, T],
      ),
    });
    const diff = (x: string, y: string) =>
      Math.max(...[...(out[x]!.data as Float64Array)].map((v, i) => Math.abs(v - (out[y]!.data as Float64Array)[i]!)));
    expect(diff("a", "b")).toBeLessThan(1e-13);
    expect(diff("g1", "g2")).toBeLessThan(1e-13);
  });

  it("tokenLogprobs (the scoring program's log-probs) is gatherLogProbs", () => {
    const logits = input("logits", "float32", ["batch", "seq", V]);
    const targets = input("targets", "int64", ["batch", "seq"]);
    expect(topoNodes([tokenLogprobs(logits, targets, 0.9)]).map((n) => n.op)).toEqual(["div", "log_softmax", "gather_last"]);
  });

  it("makes softmaxCrossEntropy give the same float32 loss and gradient bytes as the one-hot form it replaced", async () => {
    const [b, t, v] = [4, 16, 300];
    const logits = input("logits", "float32", [b, t, v]);
    const targets = input("targets", "int64", [b, t]);
    const gathered = softmaxCrossEntropy(logits, targets);
    const viaOneHot = oneHot(targets, v, "float32").mul(logits.logSoftmax(-1)).sum([-1]).neg().mean();
    const [g1] = grad(gathered, [logits]);
    const [g2] = grad(viaOneHot, [logits]);
    const s = await rt.session({ outputs: { a: gathered, b: viaOneHot, g1: g1!, g2: g2! } });
    const out = await s.run({
      logits: hostTensor(
        Float32Array.from({ length: b * t * v }, () => 5 * rng.normal()),
        [b, t, v],
      ),
      targets: hostTensor(
        BigInt64Array.from({ length: b * t }, () => BigInt(Math.floor(rng.uniform() * v))),
        [b, t],
      ),
    });
    const bytes = (k: string) => Buffer.from((out[k]!.data as Float32Array).buffer);
    expect(bytes("a").equals(bytes("b"))).toBe(true);
    expect(bytes("g1").equals(bytes("g2"))).toBe(true);
  });

  it("rejects a temperature that is not positive", () => {
    const logits = input("logits", "float32", [2, V]);
    const tokens = input("tokens", "int64", [2]);
    expect(() => gatherLogProbs(logits, tokens, 0)).toThrow(/temperature must be > 0, got 0/);
  });
});
