import { describe, expect, it } from "vitest";
import { Rng } from "@goodhart/engine";
import {
  componentProxyPoint,
  evaluateSurface,
  fitQuadraticSurface,
  negativeDefinite,
  proxyPoints,
  solveLinear,
  surfaceMaximum,
} from "./surface.ts";

// g(v) = 1 + 2 v0 + v1 - v0^2 - 0.5 v1^2 - 0.2 v0 v1: grad = 0 at 2 - 2 v0 - 0.2 v1 = 0, 1 - v1 - 0.2 v0 = 0
// -> v0 = (2 - 0.2) / (2 - 0.04) = 0.918367..., v1 = 1 - 0.2 v0.
const g = (v0: number, v1: number) => 1 + 2 * v0 + v1 - v0 * v0 - 0.5 * v1 * v1 - 0.2 * v0 * v1;
const V0 = 1.8 / 1.96;
const V1 = 1 - 0.2 * V0;

describe("gold surface and proxy points", () => {
  it("solves a linear system and detects a singular one", () => {
    expect(
      solveLinear(
        [
          [2, 1],
          [1, 3],
        ],
        [3, 5],
      )!.map((x) => +x.toFixed(12)),
    ).toEqual([0.8, 1.4]);
    expect(
      solveLinear(
        [
          [1, 2],
          [2, 4],
        ],
        [1, 2],
      ),
    ).toBeNull();
  });

  it("recovers an exact quadratic and its maximum", () => {
    const pts = [];
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) pts.push({ v: [i * 0.5, j * 0.5], gold: g(i * 0.5, j * 0.5) });
    const s = fitQuadraticSurface(pts)!;
    expect(s.r2).toBeCloseTo(1, 12);
    expect(s.a[0]![1]).toBeCloseTo(-0.1, 10);
    expect(negativeDefinite(s.a)).toBe(true);
    const max = surfaceMaximum(s)!;
    expect(max[0]).toBeCloseTo(V0, 10);
    expect(max[1]).toBeCloseTo(V1, 10);
    expect(evaluateSurface(s, max)).toBeCloseTo(g(V0, V1), 10);
  });

  it("has no maximum for a saddle and no component proxy point for a convex fit", () => {
    expect(
      negativeDefinite([
        [-1, 0],
        [0, 1],
      ]),
    ).toBe(false);
    const pts = [-1, 0, 1, 2].flatMap((x) => [-1, 0, 1].map((y) => ({ v: [x, y], gold: x * x - y * y })));
    expect(surfaceMaximum(fitQuadraticSurface(pts)!)).toBeNull();
    expect(componentProxyPoint([0, 1, 2, 3], [0, 1, 4, 9])).toBeNull();
    expect(componentProxyPoint([0, 1, 2, 3], [0, 2, 2, 0])).toBeCloseTo(1.5, 12); // -(v - 1.5)^2 + const
  });

  it("bootstraps proxy points over prompts and seeds; the interval covers the true maximum", () => {
    // Two seeds x 25 evaluation points, 40 prompts each: per-prompt gold = g(v) + noise.
    const rng = new Rng(7);
    const data = [0, 1].map(() => {
      const points = [];
      for (let i = 0; i < 5; i++)
        for (let j = 0; j < 5; j++) {
          const v0 = i * 0.5;
          const v1 = j * 0.5;
          const c0 = Float64Array.from({ length: 40 }, () => v0 + rng.normal(0, 0.05));
          const c1 = Float64Array.from({ length: 40 }, () => v1 + rng.normal(0, 0.05));
          const gold = Float64Array.from({ length: 40 }, (_, p) => g(c0[p]!, c1[p]!) + rng.normal(0, 0.2));
          points.push({ components: [c0, c1], gold });
        }
      return points;
    });
    const pp = proxyPoints(["a", "b"], data, { replicates: 200 });
    const [j0, j1] = pp.joint!;
    expect(Math.abs(j0!.estimate - V0)).toBeLessThan(0.05);
    expect(Math.abs(j1!.estimate - V1)).toBeLessThan(0.1);
    expect(j0!.low).toBeLessThan(j0!.estimate);
    expect(j0!.high).toBeGreaterThan(j0!.estimate);
    expect(pp.individual.every((x) => x !== null)).toBe(true);
    expect(pp.range[0]![0]).toBeLessThan(0.1);
    expect(pp.bestObserved.gold).toBeGreaterThan(2);
  });

  it("restricts a proxy point to the values the sweep reached", () => {
    // Gold falls almost linearly in component 0 over [1, 3]: the 1-D quadratic's vertex lies far
    // below the data, so the proxy point is the lowest value reached.
    const data = [
      [1, 1.5, 2, 2.5, 3].map((v) => ({
        components: [Float64Array.of(v, v), Float64Array.of(0.1 * v, -0.1 * v)],
        gold: Float64Array.of(-v - 0.01 * v * v, -v - 0.01 * v * v + 0.02),
      })),
    ];
    const pp = proxyPoints(["a", "b"], data, { replicates: 20 });
    expect(pp.range[0]).toEqual([1, 3]);
    expect(pp.individual[0]!.estimate).toBe(1);
  });
});
