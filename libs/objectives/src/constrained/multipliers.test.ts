import { describe, expect, it } from "vitest";
import { dualDescentStep, dualObjective, mixedAdvantage, multiplierValues, weightedAdvantage } from "./multipliers.ts";

describe("learned multipliers", () => {
  it("sigmoid and tanh multipliers at hand-computed points", () => {
    const [s0, s1] = multiplierValues("sigmoid", [0, Math.log(3)]);
    expect(s0).toBe(0.5);
    expect(s1).toBeCloseTo(0.75, 14);
    const [t0, t1] = multiplierValues("tanh", [0, Math.atanh(0.6)]);
    expect(t0).toBe(0);
    expect(t1).toBeCloseTo(0.6, 12);
  });

  it("dual descent on sum lambda_i (R_i - theta_i): sigmoid, by hand", () => {
    // phi = (0, ln 3): lambda = (1/2, 3/4), slopes (1/4, 3/16). Returns (0.2, 1.5), thresholds (1, 1).
    // phi_0 <- 0 - 0.1 * 1/4 * (0.2 - 1) = 0.02; phi_1 <- ln 3 - 0.1 * 3/16 * 0.5 = ln 3 - 0.009375.
    const next = dualDescentStep("sigmoid", [0, Math.log(3)], [0.2, 1.5], [1, 1], 0.1);
    expect(next[0]).toBeCloseTo(0.02, 14);
    expect(next[1]).toBeCloseTo(Math.log(3) - 0.009375, 14);
    // Below its threshold a component's multiplier rises; above, it falls.
    const [l0, l1] = multiplierValues("sigmoid", next);
    expect(l0).toBeGreaterThan(0.5);
    expect(l1).toBeLessThan(0.75);
  });

  it("dual descent with tanh (equality) pushes the multiplier negative when the component overshoots", () => {
    // phi = atanh(0.6): lambda 0.6, slope 1 - 0.36 = 0.64; return 3 vs threshold 1, lr 0.5:
    // phi <- atanh(0.6) - 0.5 * 0.64 * 2 = atanh(0.6) - 0.64.
    const [p] = dualDescentStep("tanh", [Math.atanh(0.6)], [3], [1], 0.5);
    expect(p).toBeCloseTo(Math.atanh(0.6) - 0.64, 14);
    let phi = [0];
    for (let i = 0; i < 50; i++) phi = dualDescentStep("tanh", phi, [3], [1], 0.5);
    expect(multiplierValues("tanh", phi)[0]).toBeLessThan(-0.9);
  });

  it("each descent step lowers the dual objective for a small learning rate", () => {
    const phi = [0.3, -0.2];
    const returns = [0.1, 2];
    const thresholds = [0.5, 1];
    const before = dualObjective(multiplierValues("sigmoid", phi), returns, thresholds);
    const after = dualObjective(
      multiplierValues("sigmoid", dualDescentStep("sigmoid", phi, returns, thresholds, 0.01)),
      returns,
      thresholds,
    );
    expect(after).toBeLessThan(before);
  });

  it("refuses mismatched lengths and a non-positive learning rate", () => {
    expect(() => dualDescentStep("sigmoid", [0], [1, 2], [1], 0.1)).toThrow(/1 multipliers, 2 returns/);
    expect(() => dualDescentStep("sigmoid", [0], [1], [1], 0)).toThrow(/learning rate/);
  });

  it("the mixed advantage (N - sum lambda) A_kl + sum lambda_i A_i, by hand", () => {
    // N = 2, lambda = (0.25, 0.5): KL weight 2 - 0.75 = 1.25.
    // t0: 1.25 * 1 + 0.25 * 2 + 0.5 * (-4) = -0.25; t1: 1.25 * (-2) + 0.25 * 0 + 0.5 * 1 = -2.
    const a = mixedAdvantage([1, -2], [Float64Array.of(2, 0), Float64Array.of(-4, 1)], [0.25, 0.5]);
    expect(Array.from(a)).toEqual([-0.25, -2]);
    // tanh multipliers may be negative: lambda = (-0.5, 0.5) gives KL weight 2.
    expect(Array.from(mixedAdvantage([1], [[4], [2]], [-0.5, 0.5]))).toEqual([2 - 2 + 1]);
  });

  it("the fixed-weight advantage is beta A_kl + sum w_i A_i", () => {
    expect(Array.from(weightedAdvantage([1, 1], 0.1, [[2, 3]], [0.5]))).toEqual([1.1, 1.6]);
    expect(() => weightedAdvantage([1, 1], 0.1, [[2]], [0.5])).toThrow(/component 0 has 1 tokens/);
  });
});
