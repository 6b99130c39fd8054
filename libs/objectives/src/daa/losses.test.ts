// Each direct alignment loss and its gradient against values computed by hand, including the limits
// h -> +inf and h = 0; the graph versions (what the trainer differentiates) against the plain ones.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, grad, hostTensor, input, type Runtime } from "@goodhart/engine";
import { daaLossGraph, daaLossValue, implicitRewards, logRatioMargin, type DaaLossKind, type DaaLossParams } from "./losses.ts";

/** Log-probs whose margin is h (policy chosen = h, everything else 0) unless given. */
const at = (h: number, chosen = h) => ({ policyChosen: chosen, policyRejected: chosen - h, refChosen: 0, refRejected: 0 });

describe("direct alignment losses as plain numbers", () => {
  it("h is the difference of the chosen and rejected log-ratios", () => {
    expect(logRatioMargin({ policyChosen: -3, refChosen: -5, policyRejected: -4, refRejected: -4.5 })).toBeCloseTo(2 - 0.5, 15);
  });

  it("DPO: ln 2 with slope -beta/2 at h = 0; beta h = 2 by hand; 0 with slope 0 as h -> +inf; linear as h -> -inf", () => {
    const p: DaaLossParams = { kind: "dpo", beta: 0.1 };
    const z = daaLossValue(p, at(0));
    expect(z.loss).toBeCloseTo(Math.LN2, 15);
    expect(z.dLossDh).toBeCloseTo(-0.05, 15);
    // beta h = 2: -ln sigma(2) = ln(1 + e^-2) = 0.126928011..., slope -beta sigma(-2) = -0.1 x 0.119202922...
    const two = daaLossValue(p, at(20));
    expect(two.loss).toBeCloseTo(0.12692801104297263, 14);
    expect(two.dPolicyChosen).toBeCloseTo(-0.011920292202211755, 15);
    expect(two.dPolicyRejected).toBeCloseTo(0.011920292202211755, 15);
    const big = daaLossValue(p, at(1e4));
    expect(big.loss).toBe(0); // e^-1000 underflows: exactly 0, never NaN
    expect(big.dLossDh).toBeCloseTo(0, 300);
    const neg = daaLossValue(p, at(-1e4));
    expect(neg.loss).toBeCloseTo(1000, 10); // -ln sigma(-1000) = 1000 (finite where the naive form is inf)
    expect(neg.dLossDh).toBeCloseTo(-0.1, 15);
  });

  it("IPO: (h - 1/(2 beta))^2 is 1/(4 beta^2) with slope -1/beta at h = 0, 0 at its target, grows as h -> +inf", () => {
    const p: DaaLossParams = { kind: "ipo", beta: 0.5 };
    expect(daaLossValue(p, at(0)).loss).toBeCloseTo(1, 15);
    expect(daaLossValue(p, at(0)).dLossDh).toBeCloseTo(-2, 15);
    expect(daaLossValue(p, at(1)).loss).toBe(0); // 1/(2 x 0.5) = 1: the target margin
    expect(daaLossValue(p, at(1)).dLossDh).toBe(0);
    expect(daaLossValue(p, at(11)).loss).toBeCloseTo(100, 12);
    expect(daaLossValue(p, at(11)).dPolicyChosen).toBeCloseTo(20, 12); // overshooting the target is penalised
    expect(daaLossValue(p, at(1e6)).loss).toBeGreaterThan(1e11);
  });

  it("SLiC: 1 with slope -beta at h = 0, 0 with slope 0 beyond the hinge and as h -> +inf, half slope on the hinge", () => {
    const p: DaaLossParams = { kind: "slic", beta: 0.25 };
    expect(daaLossValue(p, at(0))).toMatchObject({ loss: 1, dLossDh: -0.25 });
    expect(daaLossValue(p, at(2))).toMatchObject({ loss: 0.5, dLossDh: -0.25 });
    expect(daaLossValue(p, at(4))).toMatchObject({ loss: 0, dLossDh: -0.125 });
    expect(daaLossValue(p, at(8))).toMatchObject({ loss: 0, dLossDh: 0 });
    expect(daaLossValue(p, at(1e300))).toMatchObject({ loss: 0, dLossDh: 0 });
  });

  it("RPO: DPO plus eta beta times the chosen NLL; the NLL term pulls the chosen log-prob up even when h -> +inf", () => {
    const p: DaaLossParams = { kind: "rpo", beta: 0.1, eta: 0.005 };
    // h = 0 with ln pi(y_w) = -30: ln 2 + 0.005 x 0.1 x 30 = ln 2 + 0.015.
    const z = daaLossValue(p, { policyChosen: -30, policyRejected: -30, refChosen: -30, refRejected: -30 });
    expect(z.loss).toBeCloseTo(Math.LN2 + 0.015, 15);
    expect(z.dPolicyChosen).toBeCloseTo(-0.05 - 0.0005, 15);
    expect(z.dPolicyRejected).toBeCloseTo(0.05, 15);
    const big = daaLossValue(p, { policyChosen: -10, policyRejected: -1e5, refChosen: -20, refRejected: -20 });
    expect(big.loss).toBeCloseTo(0.005 * 0.1 * 10, 15);
    expect(big.dPolicyChosen).toBeCloseTo(-0.0005, 15);
    expect(big.dPolicyRejected).toBeCloseTo(0, 15);
    // The paper's eta is the default.
    expect(
      daaLossValue({ kind: "rpo", beta: 1 }, { policyChosen: -2, policyRejected: -2, refChosen: -2, refRejected: -2 }).loss,
    ).toBeCloseTo(Math.LN2 + 0.01, 15);
  });

  it("implicit rewards are beta times each log-ratio; their margin is beta h", () => {
    const r = implicitRewards(0.2, { policyChosen: -3, refChosen: -5, policyRejected: -4, refRejected: -4.5 });
    expect(r.chosen).toBeCloseTo(0.4, 15);
    expect(r.rejected).toBeCloseTo(0.1, 15);
    expect(r.margin).toBeCloseTo(0.2 * 1.5, 15);
  });

  it("refuses a beta <= 0, a negative eta and an unknown loss, naming the field", () => {
    expect(() => daaLossValue({ kind: "dpo", beta: 0 }, at(0))).toThrow(/beta must be a finite number > 0; got 0/);
    expect(() => daaLossValue({ kind: "rpo", beta: 1, eta: -1 }, at(0))).toThrow(/eta must be a finite number >= 0; got -1/);
    expect(() => daaLossValue({ kind: "kto" as DaaLossKind, beta: 1 }, at(0))).toThrow(
      /kind must be one of dpo, ipo, slic, rpo; got "kto"/,
    );
  });
});

describe("direct alignment losses as graphs", () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await createRuntime({ device: "cpu", threads: 1 });
  });
  afterAll(async () => {
    await rt.release();
  });

  // Pairs spanning both tails, h = 0, SLiC's hinge region and the IPO target.
  const rows = [
    { policyChosen: -5, policyRejected: -5, refChosen: -5, refRejected: -5 }, // h = 0
    { policyChosen: -2, policyRejected: -9, refChosen: -4, refRejected: -6 }, // h = 5
    { policyChosen: -1, policyRejected: -2000, refChosen: -3, refRejected: -3 }, // h ~ +2000
    { policyChosen: -900, policyRejected: -1, refChosen: -3, refRejected: -3 }, // h ~ -900
    { policyChosen: -7, policyRejected: -3, refChosen: -6, refRejected: -4.5 }, // h = -2.5
  ];

  for (const kind of ["dpo", "ipo", "slic", "rpo"] as const) {
    it(`${kind}: per-pair losses and gradients with respect to the policy's log-probs equal the plain version (float64)`, async () => {
      const p: DaaLossParams = { kind, beta: 0.3, eta: 0.01 };
      const names = ["policyChosen", "policyRejected", "refChosen", "refRejected"] as const;
      const inputs = Object.fromEntries(names.map((n) => [n, input(n, "float64", ["pairs"])])) as Record<
        (typeof names)[number],
        ReturnType<typeof input>
      >;
      const g = daaLossGraph(p, inputs);
      const [dc, dr] = grad(g.loss.sum(), [inputs.policyChosen, inputs.policyRejected]);
      const s = await rt.session({ outputs: { loss: g.loss, h: g.h, dc: dc!, dr: dr!, rc: g.chosenReward, rr: g.rejectedReward } });
      const feeds = Object.fromEntries(
        names.map((n) => [
          n,
          hostTensor(
            Float64Array.from(rows, (r) => r[n]),
            [rows.length],
          ),
        ]),
      );
      const out = await s.run(feeds);
      rows.forEach((r, i) => {
        const want = daaLossValue(p, r);
        const rewards = implicitRewards(p.beta, r);
        const got = (k: string) => (out[k]!.data as Float64Array)[i]!;
        expect(got("loss")).toBeCloseTo(want.loss, 9);
        expect(got("h")).toBeCloseTo(want.h, 9);
        expect(got("dc")).toBeCloseTo(want.dPolicyChosen, 12);
        expect(got("dr")).toBeCloseTo(want.dPolicyRejected, 12);
        expect(got("rc")).toBeCloseTo(rewards.chosen, 12);
        expect(got("rr")).toBeCloseTo(rewards.rejected, 12);
        expect(Number.isFinite(got("loss"))).toBe(true);
      });
    });
  }
});
