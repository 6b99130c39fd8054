import { describe, expect, it } from "vitest";
import { Rng } from "@goodhart/engine";
import { evaluateFit, fitOveroptimization, type FitForm } from "./fits.ts";
import { klBestOfN } from "./bon/kl.ts";

const ds = Array.from({ length: 12 }, (_, i) => Math.sqrt(klBestOfN(2 ** i)));

describe("fitOveroptimization", () => {
  it.each([
    ["bon", 1.3, 0.4],
    ["rl", 0.9, 0.35],
  ] as [FitForm, number, number][])("recovers %s coefficients exactly from a noiseless curve", (form, a, b) => {
    const r = ds.map((d) => evaluateFit(form, a, b, d));
    const fit = fitOveroptimization(form, ds, r);
    expect(fit.a).toBeCloseTo(a, 10);
    expect(fit.b).toBeCloseTo(b, 10);
    expect(fit.rss).toBeLessThan(1e-20);
    expect(fit.r2).toBeCloseTo(1, 12);
    const dStar = form === "bon" ? a / (2 * b) : Math.exp(a / b - 1);
    expect(fit.peak!.d).toBeCloseTo(dStar, 9);
    expect(fit.peak!.value).toBeCloseTo(evaluateFit(form, a, b, dStar), 9);
  });

  it.each(["bon", "rl"] as FitForm[])("recovers %s coefficients from noisy curves within their standard errors", (form) => {
    const rng = new Rng(form);
    const a = 1.1;
    const b = 0.45;
    const sigma = 0.03;
    const d = Array.from({ length: 40 }, (_, i) => 0.05 + (2.4 * i) / 39);
    let covered = 0;
    const trials = 200;
    const zs: number[] = [];
    for (let t = 0; t < trials; t++) {
      const r = d.map((x) => evaluateFit(form, a, b, x) + sigma * rng.normal());
      const fit = fitOveroptimization(form, d, r);
      if (Math.abs(fit.a - a) < 1.96 * fit.aSe && Math.abs(fit.b - b) < 1.96 * fit.bSe) covered++;
      zs.push((fit.peak!.d - (form === "bon" ? a / (2 * b) : Math.exp(a / b - 1))) / fit.peak!.dSe);
      expect(Math.sqrt(fit.rss / (d.length - 2))).toBeGreaterThan(sigma * 0.6);
    }
    // Joint coverage of two 95% intervals is about 0.9 (they are correlated, so at least 0.9).
    expect(covered / trials).toBeGreaterThan(0.82);
    // The delta-method standard error of the peak is calibrated: z-scores have std near 1.
    const zsd = Math.sqrt(zs.reduce((acc, z) => acc + z * z, 0) / trials);
    expect(zsd).toBeGreaterThan(0.75);
    expect(zsd).toBeLessThan(1.3);
  });

  it("weighted fits use 1/SE^2 weights, beat OLS on heteroscedastic curves and keep calibrated errors", () => {
    const rng = new Rng("wls");
    const a = 1.1;
    const b = 0.45;
    const d = [0, ...Array.from({ length: 30 }, (_, i) => 0.1 + (2.3 * i) / 29)];
    // Noise grows with d, as it does for best-of-n estimates at large n.
    const se = d.map((x) => (x === 0 ? 0 : 0.005 + 0.08 * x * x));
    let olsErr = 0;
    let wlsErr = 0;
    let covered = 0;
    const trials = 300;
    for (let t = 0; t < trials; t++) {
      const r = d.map((x, i) => evaluateFit("bon", a, b, x) + se[i] * rng.normal());
      const ols = fitOveroptimization("bon", d, r);
      const wls = fitOveroptimization("bon", d, r, { weights: se.map((s) => 1 / (s * s)) });
      expect(wls.weighted).toBe(true);
      expect(wls.points).toBe(30); // the d = 0 point (SE 0) is left out
      olsErr += (ols.b - b) ** 2;
      wlsErr += (wls.b - b) ** 2;
      if (Math.abs(wls.b - b) < 1.96 * wls.bSe) covered++;
    }
    expect(wlsErr).toBeLessThan(0.5 * olsErr);
    expect(covered / trials).toBeGreaterThan(0.9);
    expect(covered / trials).toBeLessThan(0.99);
    expect(() => fitOveroptimization("bon", [1, 2, 3], [1, 1, 1], { weights: [1, 0, 1] })).toThrow(/point 1 has weight 0/);
    expect(() => fitOveroptimization("bon", [1, 2, 3], [1, 1, 1], { weights: [1, 1] })).toThrow(/3 points but 2 weights/);
  });

  it("reports no peak when b <= 0 (and for BoN when a <= 0)", () => {
    const rising = ds.map((d) => 0.5 * d + 0.1 * d * d);
    const bon = fitOveroptimization("bon", ds, rising);
    expect(bon.b).toBeLessThan(0);
    expect(bon.peak).toBeNull();
    expect(bon.noPeakReason).toMatch(/b = .* <= 0/);
    const falling = ds.map((d) => d * (-0.2 - 0.3 * d));
    const bon2 = fitOveroptimization("bon", ds, falling);
    expect(bon2.peak).toBeNull();
    expect(bon2.noPeakReason).toMatch(/a = .* <= 0/);
  });

  it("rejects too few points and degenerate inputs with a clear error", () => {
    expect(() => fitOveroptimization("bon", [1, 2], [0.1, 0.2])).toThrow(/at least 3 points/);
    expect(() => fitOveroptimization("rl", [1, 2, 3], [0.1, 0.2])).toThrow(/3 d values but 2 rewards/);
    expect(() => fitOveroptimization("bon", [0, 0, 0], [0, 0, 0])).toThrow(/degenerate input/);
    expect(() => fitOveroptimization("bon", [2, 2, 2], [1, 1, 1])).toThrow(/do not separate a from b/);
    expect(() => fitOveroptimization("rl", [1, 1, 0], [0, 0, 0])).toThrow(/degenerate input/);
    expect(() => fitOveroptimization("rl", [1, -1, 2], [0, 0, 0])).toThrow(/point 1 has d = -1/);
  });
});
