import { describe, expect, it } from "vitest";
import { NelderMead, minimize } from "./nelder-mead.ts";

describe("Nelder-Mead", () => {
  it("finds the minimum of a shifted, rotated quadratic in 2-D", () => {
    // f = (x - 1)^2 + 3 (y + 2)^2 + (x - 1)(y + 2): positive definite, minimum 5 at (1, -2).
    const f = ([x, y]: number[]) => (x! - 1) ** 2 + 3 * (y! + 2) ** 2 + (x! - 1) * (y! + 2) + 5;
    const r = minimize(f, [4, 3], { step: 1, tolerance: 1e-7 });
    expect(r.x[0]).toBeCloseTo(1, 4);
    expect(r.x[1]).toBeCloseTo(-2, 4);
    expect(r.f).toBeCloseTo(5, 8);
  });

  it("finds Rosenbrock's minimum (1, 1) within 1e-3", () => {
    const rosen = ([x, y]: number[]) => 100 * (y! - x! * x!) ** 2 + (1 - x!) ** 2;
    const r = minimize(rosen, [-1.2, 1], { step: 0.5, maxEvaluations: 2000, tolerance: 1e-10 });
    expect(Math.abs(r.x[0]! - 1)).toBeLessThan(1e-3);
    expect(Math.abs(r.x[1]! - 1)).toBeLessThan(1e-3);
  });

  it("asks the initial simplex first, then reflects the worst vertex through the centroid (coefficient 1)", () => {
    const nm = new NelderMead([0, 0], { step: [1, 2] });
    const asked: number[][] = [];
    const values = [3, 2, 1]; // f(x0) = 3 (worst), f(x0 + e0) = 2, f(x0 + 2 e1) = 1
    for (const v of values) {
      asked.push(nm.ask());
      nm.tell(v);
    }
    expect(asked).toEqual([
      [0, 0],
      [1, 0],
      [0, 2],
    ]);
    // Centroid of the two best, (0.5, 1); reflection of the worst (0, 0): (1, 2).
    expect(nm.ask()).toEqual([1, 2]);
    nm.tell(0); // better than the best: expansion (coefficient 2) to c + 2 (c - worst) = (1.5, 3)
    expect(nm.ask()).toEqual([1.5, 3]);
  });

  it("refuses tell before ask and a NaN value", () => {
    const nm = new NelderMead([0], { step: 1 });
    expect(() => nm.tell(1)).toThrow(/ask\(\) first/);
    nm.ask();
    expect(() => nm.tell(NaN)).toThrow(/NaN/);
  });
});
