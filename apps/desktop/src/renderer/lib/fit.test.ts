// @vitest-environment node
import { describe, expect, it } from "vitest";
import { fitCurve, fitValue } from "./fit.ts";

describe("fitCurve", () => {
  it("recovers the best-of-n form d(a - b d) and its peak a/(2b)", () => {
    const pts = Array.from({ length: 20 }, (_, i) => ({ d: 0.1 * (i + 1), y: 0.1 * (i + 1) * (0.8 - 0.3 * 0.1 * (i + 1)) }));
    const fit = fitCurve(pts, "bon")!;
    expect(fit.a).toBeCloseTo(0.8, 10);
    expect(fit.b).toBeCloseTo(0.3, 10);
    expect(fit.aSe).toBeLessThan(1e-8);
    expect(fit.peakD).toBeCloseTo(0.8 / 0.6, 10);
    expect(fit.peakValue).toBeCloseTo(fitValue({ form: "bon", a: 0.8, b: 0.3 }, 0.8 / 0.6), 10);
  });

  it("recovers the RL form d(a - b ln d) and its peak exp(a/b - 1)", () => {
    const pts = Array.from({ length: 30 }, (_, i) => {
      const d = 0.2 + 0.15 * i;
      return { d, y: d * (0.5 - 0.4 * Math.log(d)) };
    });
    const fit = fitCurve(pts, "rl")!;
    expect(fit.a).toBeCloseTo(0.5, 9);
    expect(fit.b).toBeCloseTo(0.4, 9);
    expect(fit.peakD).toBeCloseTo(Math.exp(0.5 / 0.4 - 1), 8);
  });

  it("gives standard errors that grow with noise, and no peak when b <= 0", () => {
    const noisy = Array.from({ length: 40 }, (_, i) => ({ d: 0.05 * (i + 1), y: 0.05 * (i + 1) * (1 - 0.2 * 0.05 * (i + 1)) + (i % 2 ? 0.05 : -0.05) }));
    const fit = fitCurve(noisy, "bon")!;
    expect(fit.aSe).toBeGreaterThan(0.001);
    const rising = fitCurve([1, 2, 3, 4].map((d) => ({ d, y: d + 0.1 * d * d })), "bon")!;
    expect(rising.b).toBeLessThan(0);
    expect(rising.peakD).toBeNull();
  });

  it("refuses degenerate input", () => {
    expect(fitCurve([{ d: 1, y: 1 }], "bon")).toBeNull();
    expect(fitCurve([{ d: 0, y: 0 }, { d: 0, y: 0 }], "bon")).toBeNull();
    expect(fitCurve([{ d: 0, y: 0 }, { d: 1, y: NaN }], "rl")).toBeNull();
  });
});
