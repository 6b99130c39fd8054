// The result views' decisions that the component test on real runs does not reach: a study stored
// as one run (metric names prefixed by grid point), a fitted peak far outside the data, and kinds
// without a view.
import { describe, expect, it } from "vitest";
import type { CurvePointDto, FitDto } from "../dto.ts";
import { daaCurves, resultView, type ViewRun } from "./result-views.ts";

const point = (x: number, kl: number, gold: number): CurvePointDto => ({
  runId: 1,
  series: "proxy:mean",
  x,
  xKind: "step",
  kl,
  klEstimator: "exact-token",
  goldScore: gold,
  proxyScore: gold + x / 10,
});

const fit = (coefficients: Record<string, number>, series = "proxy:mean"): FitDto => ({
  id: 1,
  runId: 1,
  series,
  target: "gold",
  form: "rl",
  coefficients,
  standardErrors: null,
  intervals: { peakD: { low: 0.5, high: 0.9, level: 0.95, replicates: 200, resampled: "prompts" } },
  residual: null,
  nPoints: 3,
});

describe("result views", () => {
  it("reads a whole DAA study kept as one run from its prefixed metric names", () => {
    const m = (name: string, steps: number[], values: number[]) => ({ name, steps, values });
    const run: ViewRun = {
      runId: 1,
      label: "#1 study",
      points: [],
      fits: [],
      metrics: [
        m("dpo:beta=0.1/seed=1/eval.win_rate", [0, 4], [0.5, 0.6]),
        m("dpo:beta=0.1/seed=1/eval.epoch_fraction", [0, 4], [0, 0.5]),
        m("rpo(eta=0.5):beta=1/seed=2/eval.kl", [0, 4], [0, 0.3]),
        m("dpo:beta=0.1/seed=1/train.loss", [5], [0.6]),
      ],
    };
    const curves = daaCurves([run]);
    expect(curves.map((c) => [c.loss, c.beta, c.seed])).toEqual([
      ["dpo", 0.1, "seed 1"],
      ["rpo(eta=0.5)", 1, "seed 2"],
    ]);
    expect(curves[0]!.checkpoints).toEqual([
      { step: 0, epochs: 0, winRate: 0.5, kl: null, chosen: null, rejected: null },
      { step: 4, epochs: 0.5, winRate: 0.6, kl: null, chosen: null, rejected: null },
    ]);
  });

  it("marks the stored d* and its interval, but not a peak far beyond the data", () => {
    const points = [point(0, 0, 0), point(3, 0.25, 0.2), point(6, 1, 0.1)];
    const view = (coefficients: Record<string, number>) =>
      resultView("rl-study", [{ runId: 1, label: "#1", points, metrics: [], fits: [fit(coefficients)] }])!.headline[0]!;
    const near = view({ a: 0.5, b: 0.5, peakD: 0.7, peakValue: 0.25 });
    const peak = near.spec.lines.find((l) => l.key.endsWith(":peak"))!;
    expect(peak.points).toEqual([{ x: 0.7, y: 0.25 }]);
    expect(near.spec.lines.find((l) => l.key.endsWith(":peak-ci"))!.points.map((p) => p.x)).toEqual([0.5, 0.9]);
    expect(near.notes[0]).toContain("d* = e^(a/b − 1) = 0.7 [0.5, 0.9]");
    const far = view({ a: 5, b: 0.5, peakD: 8000, peakValue: 9 });
    expect(far.spec.lines.some((l) => l.key.endsWith(":peak"))).toBe(false);
    expect(far.notes.join(" ")).toContain("beyond 3× the largest √KL reached (1): not drawn");
  });

  it("has no view for other kinds or for runs that stored nothing", () => {
    expect(resultView("bon-study", [{ runId: 1, label: "#1", points: [point(1, 1, 1)], metrics: [], fits: [] }])).toBeNull();
    expect(resultView("rl-study", [{ runId: 1, label: "#1", points: [], metrics: [], fits: [] }])).toBeNull();
    expect(resultView("daa", [{ runId: 1, label: "#1", points: [], metrics: [], fits: [] }])).toBeNull();
  });
});
