/**
 * The PPO and RLOO losses, GAE and the leave-one-out baseline against direct hand-written
 * implementations on tiny tensors (the losses run as real ONNX Runtime programs in float64).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Rng, createRuntime, grad, input, type HostTensor, type Runtime } from "@goodhart/engine";
import { gae, leaveOneOutAdvantages, whiten } from "./advantages.ts";
import { KlController } from "./kl-controller.ts";
import { ppoLoss, rlooLoss } from "./losses.ts";

let runtime: Runtime;
beforeAll(async () => (runtime = await createRuntime({ device: "cpu", threads: 2 })));

const [B, T, V] = [3, 4, 5];
const f64 = (data: number[], shape: number[]): HostTensor => ({ dtype: "float64", shape, data: Float64Array.from(data) });

function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
  return row.map((x) => x - lse);
}

describe("GAE", () => {
  it("equals the direct sum A_t = sum_l (gamma lambda)^l delta_{t+l}", () => {
    const rng = new Rng("gae");
    const r = Array.from({ length: 6 }, () => rng.normal());
    const v = Array.from({ length: 6 }, () => rng.normal());
    for (const [gamma, lambda] of [
      [1, 0.95],
      [0.9, 0.5],
      [1, 1],
      [0.99, 0],
    ] as const) {
      const { advantages, returns } = gae(r, v, gamma, lambda);
      for (let t = 0; t < 6; t++) {
        let direct = 0;
        for (let l = 0; t + l < 6; l++) {
          const next = t + l + 1 < 6 ? v[t + l + 1]! : 0;
          direct += (gamma * lambda) ** l * (r[t + l]! + gamma * next - v[t + l]!);
        }
        expect(advantages[t]).toBeCloseTo(direct, 12);
        expect(returns[t]).toBeCloseTo(direct + v[t]!, 12);
      }
    }
    // gamma = lambda = 1: the advantage is the reward-to-go minus the value.
    const { advantages } = gae([0, 0, 2], [0.5, 1, 1.5], 1, 1);
    expect(Array.from(advantages)).toEqual([1.5, 1, 0.5]);
    expect(() => gae([1], [1, 2], 1, 1)).toThrow(/1 rewards but 2 values/);
  });
});

describe("RLOO baseline", () => {
  it("each sample's baseline is the mean of the other samples of its prompt", () => {
    const r = [1, 2, 6, 10, 0, -2];
    const a = leaveOneOutAdvantages(r, 3);
    expect(Array.from(a)).toEqual([1 - 4, 2 - 3.5, 6 - 1.5, 10 - -1, 0 - 4, -2 - 5]);
    expect(() => leaveOneOutAdvantages(r, 4)).toThrow(/not whole groups/);
    expect(() => leaveOneOutAdvantages(r, 1)).toThrow(/k must be an integer >= 2/);
  });

  it("whitening gives mean 0 and std 1 over the masked entries", () => {
    const w = whiten([1, 2, 3, 100], [1, 1, 1, 0]);
    expect(w[3]).toBe(0);
    expect(w[0]! + w[1]! + w[2]!).toBeCloseTo(0, 12);
    expect((w[0]! ** 2 + w[1]! ** 2 + w[2]! ** 2) / 3).toBeCloseTo(1, 6);
  });
});

describe("PPO loss", () => {
  it("policy, value, entropy terms, clip fractions and approx KL equal a hand-written PPO", async () => {
    const rng = new Rng("ppo-loss");
    const n = B * T;
    const logp = Array.from({ length: n }, () => -1 + 0.4 * rng.normal());
    const oldLogp = logp.map((x) => x + 0.3 * rng.normal()); // some ratios outside 1 +- 0.2
    const adv = Array.from({ length: n }, () => rng.normal());
    const ret = Array.from({ length: n }, () => rng.normal());
    const values = Array.from({ length: n }, () => rng.normal());
    const oldValues = values.map((x) => x + 0.3 * rng.normal());
    const logits = Array.from({ length: n * V }, () => rng.normal());
    const mask = [1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0];
    const o = { clip: 0.2, valueClip: 0.2, valueCoef: 0.5, entropyCoef: 0.01 };
    const t = (name: string) => input(name, "float64", ["batch", "seq"]);
    const logitsIn = input("logits", "float64", ["batch", "seq", V]);
    const l = ppoLoss(
      {
        logp: t("logp"),
        oldLogp: t("old"),
        advantages: t("adv"),
        returns: t("ret"),
        values: t("v"),
        oldValues: t("oldv"),
        logits: logitsIn,
        mask: t("mask"),
      },
      o,
    );
    const session = await runtime.session({
      name: "ppo-loss-test",
      outputs: {
        loss: l.loss,
        pg: l.policyLoss,
        vf: l.valueLoss,
        ent: l.entropy,
        cf: l.clipFraction,
        vcf: l.valueClipFraction,
        akl: l.approxKl,
      },
    });
    const out = await session.run({
      logp: f64(logp, [B, T]),
      old: f64(oldLogp, [B, T]),
      adv: f64(adv, [B, T]),
      ret: f64(ret, [B, T]),
      v: f64(values, [B, T]),
      oldv: f64(oldValues, [B, T]),
      logits: f64(logits, [B, T, V]),
      mask: f64(mask, [B, T]),
    });
    // Direct implementation.
    let pg = 0,
      vf = 0,
      ent = 0,
      cf = 0,
      vcf = 0,
      akl = 0,
      count = 0;
    for (let i = 0; i < n; i++) {
      if (!mask[i]) continue;
      count++;
      const ratio = Math.exp(logp[i]! - oldLogp[i]!);
      const clipped = Math.min(Math.max(ratio, 0.8), 1.2);
      pg += Math.max(-adv[i]! * ratio, -adv[i]! * clipped);
      const vc = oldValues[i]! + Math.min(Math.max(values[i]! - oldValues[i]!, -0.2), 0.2);
      const e1 = (values[i]! - ret[i]!) ** 2;
      const e2 = (vc - ret[i]!) ** 2;
      vf += Math.max(e1, e2);
      if (e2 > e1) vcf++;
      const ls = logSoftmax(logits.slice(i * V, i * V + V));
      ent -= ls.reduce((s, x) => s + Math.exp(x) * x, 0);
      if (Math.abs(ratio - 1) > 0.2) cf++;
      akl += 0.5 * (logp[i]! - oldLogp[i]!) ** 2;
    }
    const get = (k: string) => Number(out[k]!.data[0]);
    expect(get("pg")).toBeCloseTo(pg / count, 12);
    expect(get("vf")).toBeCloseTo((0.5 * vf) / count, 12);
    expect(get("ent")).toBeCloseTo(ent / count, 12);
    expect(get("cf")).toBeCloseTo(cf / count, 12);
    expect(cf).toBeGreaterThan(0);
    expect(cf).toBeLessThan(count);
    expect(get("vcf")).toBeCloseTo(vcf / count, 12);
    expect(get("akl")).toBeCloseTo(akl / count, 12);
    expect(get("loss")).toBeCloseTo(pg / count + 0.5 * ((0.5 * vf) / count) - 0.01 * (ent / count), 12);
  });

  it("the policy gradient is zero for a token whose ratio is clipped on the side its advantage pushes", async () => {
    // One token, A > 0, ratio 1.5 > 1 + eps: the clipped term is smaller, so max picks it and
    // d/dlogp = 0; with A < 0 the unclipped term is the max and the gradient is -A * ratio.
    const t = (name: string) => input(name, "float64", [1, 1]);
    const logp = t("logp");
    const l = ppoLoss(
      {
        logp,
        oldLogp: t("old"),
        advantages: t("adv"),
        returns: t("ret"),
        values: t("v"),
        oldValues: t("v"),
        logits: input("logits", "float64", [1, 1, 2]),
        mask: t("mask"),
      },
      { clip: 0.2, valueClip: 0.2, valueCoef: 0, entropyCoef: 0 },
    );
    const [g] = grad(l.policyLoss, [logp]);
    const session = await runtime.session({ name: "ppo-clip-grad-test", outputs: { g: g! } });
    for (const [a, expected] of [
      [1, 0],
      [-1, 1.5],
    ] as const) {
      const out = await session.run({
        logp: f64([Math.log(1.5)], [1, 1]),
        old: f64([0], [1, 1]),
        adv: f64([a], [1, 1]),
        mask: f64([1], [1, 1]),
      });
      expect(Number(out.g!.data[0])).toBeCloseTo(expected, 12);
    }
  });
});

describe("RLOO loss", () => {
  it("equals -mean_b A_b sum_t logp_bt over the completion tokens, and its gradient is -A_b / B per token", async () => {
    const rng = new Rng("rloo-loss");
    const logp = Array.from({ length: B * T }, () => -1 + rng.normal());
    const mask = [1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 0];
    const adv = [0.5, -1, 2];
    const lpIn = input("logp", "float64", ["batch", "seq"]);
    const { loss, entropy } = rlooLoss(
      lpIn,
      input("mask", "float64", ["batch", "seq"]),
      input("adv", "float64", ["batch"]),
      input("logits", "float64", ["batch", "seq", 2]),
    );
    const [g] = grad(loss, [lpIn]);
    const session = await runtime.session({ name: "rloo-loss-test", outputs: { loss, entropy, g: g! } });
    const out = await session.run({
      logp: f64(logp, [B, T]),
      mask: f64(mask, [B, T]),
      adv: f64(adv, [B]),
      logits: f64(new Array(B * T * 2).fill(0), [B, T, 2]),
    });
    let direct = 0;
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) direct -= (adv[b]! * mask[b * T + t]! * logp[b * T + t]!) / B;
    expect(Number(out.loss!.data[0])).toBeCloseTo(direct, 12);
    const gd = out.g!.data as Float64Array;
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) expect(gd[b * T + t]).toBeCloseTo((-adv[b]! * mask[b * T + t]!) / B, 12);
    expect(Number(out.entropy!.data[0])).toBeCloseTo(Math.log(2), 12); // uniform over 2 tokens
  });
});

describe("KL controller", () => {
  it("fixed stays put; adaptive follows Ziegler et al.'s proportional rule with the error clipped at 0.2", () => {
    const fixed = new KlController({ kind: "fixed", coef: 0.01 });
    expect(fixed.update(100, 64)).toBe(0.01);
    const adaptive = new KlController({ kind: "adaptive", initial: 0.1, target: 6, horizon: 10_000 });
    expect(adaptive.update(9, 64)).toBeCloseTo(0.1 * (1 + (0.2 * 64) / 10_000), 15); // 9/6 - 1 = 0.5, clipped to 0.2
    expect(adaptive.update(5.4, 64)).toBeCloseTo(0.1 * (1 + (0.2 * 64) / 10_000) * (1 - (0.1 * 64) / 10_000), 15);
    expect(() => new KlController({ kind: "adaptive", initial: 0.1, target: 0, horizon: 1 })).toThrow(/target > 0/);
  });
});
