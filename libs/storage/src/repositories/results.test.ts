import { describe, expect, it } from "vitest";
import { openDatabase } from "../store.ts";
import { CurveSeriesMismatchError } from "./curves.ts";

describe("metrics, curves, fits, reports", () => {
  it("appends metrics in batches and reads one series in step order", () => {
    const store = openDatabase(":memory:");
    const run = store.runs.create({ name: "r", seed: 0 });
    const other = store.runs.create({ name: "o", seed: 0 });
    const points = Array.from({ length: 1000 }, (_, i) => ({ step: 999 - i, name: i % 2 ? "loss" : "acc", value: i / 10 }));
    store.metrics.append(run.id, points);
    store.metrics.append(other.id, [{ step: 0, name: "loss", value: 9 }]);
    expect(store.metrics.names(run.id)).toEqual(["acc", "loss"]);
    const loss = store.metrics.series(run.id, "loss");
    expect(loss.steps.length).toBe(500);
    expect(loss.steps[0]).toBe(0);
    expect(loss.values[0]).toBeCloseTo(99.9);
    expect([...loss.steps].every((s, i, a) => i === 0 || s > a[i - 1]!)).toBe(true);
    // Re-logging a step (after a resume) replaces it; NaN is kept as NaN.
    store.metrics.append(run.id, [{ step: 0, name: "loss", value: Number.NaN }]);
    expect(store.metrics.series(run.id, "loss").values[0]).toBeNaN();
    expect(store.metrics.latest(run.id, "loss")).toEqual({ name: "loss", step: 998, value: 0.1 });
    expect(store.metrics.series(run.id, "missing").steps.length).toBe(0);
    expect(() =>
      store.metrics.append(run.id, [
        { step: 1, name: "x", value: 1 },
        { step: 1.5, name: "x", value: 1 },
      ]),
    ).toThrow(/step must be an integer/);
    expect(store.metrics.series(run.id, "x").steps.length).toBe(0);
  });

  it("stores curve points with their KL estimator and per-member proxy scores", () => {
    const store = openDatabase(":memory:");
    const run = store.runs.create({ name: "bon", seed: 0 });
    const kl = (n: number) => Math.log(n) - (n - 1) / n;
    const ns = [1, 2, 4, 8, 16];
    store.curves.append(
      ns.map((n) => ({
        runId: run.id,
        series: "proxy:mean",
        x: n,
        xKind: "n" as const,
        kl: kl(n),
        klEstimator: "analytic-bon",
        proxyScore: n / 10,
        proxyScores: [n / 10, n / 11],
        goldScore: n < 8 ? n / 20 : null,
      })),
    );
    const [series] = store.curves.series(run.id);
    expect(series).toMatchObject({ name: "proxy:mean", xKind: "n", klEstimator: "analytic-bon", members: 2, points: 5 });
    const cols = store.curves.readColumns(run.id, "proxy:mean")!;
    expect([...cols.x]).toEqual(ns);
    expect(cols.kl[2]).toBeCloseTo(Math.log(4) - 0.75);
    expect(cols.goldScore[4]).toBeNaN();
    expect(store.curves.points(run.id, "proxy:mean")[1]).toMatchObject({
      proxyScores: [0.2, 2 / 11],
      klEstimator: "analytic-bon",
      goldScore: 0.1,
    });
    expect(store.curves.points(run.id, "proxy:mean")[4]!.goldScore).toBeNull();
    expect(cols.memberScores.map((m) => m[3])).toEqual([0.8, 8 / 11]);
    // An ensemble series keeps its size.
    expect(() =>
      store.curves.append([
        {
          runId: run.id,
          series: "proxy:mean",
          x: 99,
          xKind: "n",
          kl: 1,
          klEstimator: "analytic-bon",
          proxyScore: 1,
          proxyScores: [1, 2, 3],
          goldScore: 1,
        },
      ]),
    ).toThrow(/2 members; a point .* 3 members belongs in another series/);
    // A k3 estimate never joins an analytic-BoN curve; the whole batch is rolled back.
    expect(() =>
      store.curves.append([
        { runId: run.id, series: "proxy:mean", x: 32, xKind: "n", kl: 1, klEstimator: "analytic-bon", proxyScore: 1, goldScore: 1 },
        { runId: run.id, series: "proxy:mean", x: 64, xKind: "n", kl: 1, klEstimator: "k3", proxyScore: 1, goldScore: 1 },
      ]),
    ).toThrow(CurveSeriesMismatchError);
    expect(store.curves.readColumns(run.id, "proxy:mean")!.x.length).toBe(5);
    expect(store.curves.readColumns(run.id, "nope")).toBeUndefined();
  });

  it("stores fits and reports", () => {
    const store = openDatabase(":memory:");
    const run = store.runs.create({ name: "bon", seed: 0 });
    const fit = store.fits.create({
      runId: run.id,
      series: "gold",
      target: "gold",
      form: "bon",
      coefficients: { a: 1.2, b: 0.3 },
      standardErrors: { a: 0.1, b: 0.02 },
      residual: 0.01,
      nPoints: 12,
    });
    expect(store.fits.forRun(run.id)).toEqual([fit]);
    expect(fit.coefficients).toEqual({ a: 1.2, b: 0.3 });
    const report = store.reports.create({ title: "BoN", format: "html", runIds: [run.id], content: "<h1>x</h1>" });
    expect(store.reports.list()).toEqual([report]);
    expect(report.runIds).toEqual([run.id]);
  });
});
