// The constrained RLHF view on a test fixture written with the names the study stores
// (libs/objectives constrained/study.ts: per run `constrained/<method>/s<seed>/...` metrics, the
// components run's result with `proxyPoints`), small enough to check every mark by hand.
import { describe, expect, it } from "vitest";
import { constrainedSeries } from "./constrained-view.ts";
import { type ViewRun, resultView } from "./result-views.ts";

const m = (name: string, steps: number[], values: number[]) => ({ name, steps, values });
const ci = (estimate: number, low: number, high: number) => ({ estimate, low, high, level: 0.95, se: 0.1, replicates: 200, failed: 0 });

/** A sweep run, a mu-PPO run and the components run of one seed, as three lab runs. */
const FIXTURE: ViewRun[] = [
  {
    runId: 1,
    label: "#1",
    points: [],
    fits: [],
    metrics: [
      m("constrained/sweep-1-0/s1/gold", [0, 3, 6], [0, 0.2, -0.1]),
      m("constrained/sweep-1-0/s1/component/sentiment", [0, 3, 6], [0, 0.5, 1]),
      m("constrained/sweep-1-0/s1/component/informativeness", [0, 3, 6], [0, -0.1, -0.3]),
      m("constrained/sweep-1-0/s1/train.loss", [1, 2], [0.3, 0.2]),
    ],
  },
  {
    runId: 2,
    label: "#2",
    points: [],
    fits: [],
    metrics: [
      m("constrained/mu-ppo/s1/gold", [0, 3, 6], [0, 0.1, 0.15]),
      m("constrained/mu-ppo/s1/component/sentiment", [0, 3, 6], [0, 0.3, 0.4]),
      m("constrained/mu-ppo/s1/component/informativeness", [0, 3, 6], [0, 0.2, 0.25]),
      m("constrained/mu-ppo/s1/threshold/sentiment", [0, 3, 6], [0.4, 0.4, 0.4]),
      m("constrained/mu-ppo/s1/threshold/informativeness", [0, 3, 6], [0.3, 0.3, 0.3]),
      m("constrained/mu-ppo/s1/lambda/sentiment", [0, 3, 6], [0.5, 0.6, 0.55]),
      m("constrained/mu-ppo/s1/lambda/informativeness", [0, 3, 6], [0.5, 0.4, 0.45]),
    ],
  },
  {
    runId: 3,
    label: "#3",
    points: [],
    fits: [],
    metrics: [m("proxy-point/joint/sentiment", [0], [0.4])],
    // g(v) = 1 + v1 + v2 - v1^2 - v2^2: the joint maximum at (0.5, 0.5), gold 1.5 there.
    result: {
      proxyPoints: {
        components: ["sentiment", "informativeness"],
        surface: {
          c: 1,
          b: [1, 1],
          a: [
            [-1, 0],
            [0, -1],
          ],
          r2: 0.9,
          components: 2,
          nPoints: 6,
        },
        joint: [ci(0.5, 0.3, 0.7), ci(0.5, 0.2, 0.9)],
        individual: [ci(0.45, 0.2, 0.8), null],
        bestObserved: { v: [0.5, -0.1], gold: 1.2 },
        range: [
          [0, 1],
          [-0.3, 0.25],
        ],
      },
    },
  },
];

describe("constrained RLHF view", () => {
  it("reads every run's series from the stored names, sweep runs first", () => {
    const series = constrainedSeries(FIXTURE);
    expect(series.map((s) => [s.key, s.method])).toEqual([
      ["sweep-1-0/s1", "sweep-1-0"],
      ["mu-ppo/s1", "mu-ppo"],
    ]);
    expect(series[1]!.lambda.get("sentiment")).toEqual([
      { x: 0, y: 0.5 },
      { x: 3, y: 0.6 },
      { x: 6, y: 0.55 },
    ]);
  });

  it("draws gold per method, the multipliers, components against thresholds and the surface with its proxy points", () => {
    const view = resultView("constrained-rlhf", FIXTURE)!;
    const section = (key: string) => view.sections.find((s) => s.key === key)!;
    // Gold per method (headline): the sweep run thin and dashed, the method solid.
    const gold = view.headline[0]!.spec.lines;
    expect(gold.map((l) => [l.key, l.style, Boolean(l.thin)])).toEqual([
      ["sweep-1-0/s1:gold", "dashed", true],
      ["mu-ppo/s1:gold", "solid", false],
    ]);
    // Multipliers and thresholds only for the run that has them.
    expect(section("multipliers").figures.map((f) => f.key)).toEqual(["mu-ppo/s1:lambda"]);
    const thresholds = section("thresholds").figures[0]!.spec.lines;
    expect(thresholds.map((l) => [l.key, l.style])).toEqual([
      ["mu-ppo/s1:component:sentiment", "solid"],
      ["mu-ppo/s1:threshold:sentiment", "dashed"],
      ["mu-ppo/s1:component:informativeness", "solid"],
      ["mu-ppo/s1:threshold:informativeness", "dashed"],
    ]);
    // The surface along sentiment with informativeness at the joint point (0.5): g = 1.25 + v - v^2.
    const slice = section("surface").figures.find((f) => f.key === "surface:sentiment")!;
    const curve = slice.spec.lines.find((l) => l.key === "surface:sentiment")!;
    expect(curve.points[0]).toEqual({ x: 0, y: 1.25 });
    expect(curve.points.at(-1)!.y).toBeCloseTo(1.25, 12);
    expect(curve.points[24]!.y).toBeCloseTo(1.5, 12);
    expect(slice.spec.lines.find((l) => l.key === "joint:sentiment")!.points).toEqual([{ x: 0.5, y: 1.5 }]);
    expect(slice.spec.lines.find((l) => l.key === "individual-ci:sentiment")!.points.map((p) => p.x)).toEqual([0.2, 0.8]);
    expect(slice.notes[0]).toBe("sentiment: own proxy point 0.45 [0.2, 0.8]; joint 0.5 [0.3, 0.7].");
    const other = section("surface").figures.find((f) => f.key === "surface:informativeness")!;
    expect(other.notes[0]).toContain("own proxy point none (gold does not peak along it)");
    // Two components: the runs' paths in component space and the joint point with its interval cross.
    const space = section("surface").figures.find((f) => f.key === "surface:space")!.spec.lines;
    expect(space.find((l) => l.key === "path:mu-ppo/s1")!.points).toEqual([
      { x: 0, y: 0 },
      { x: 0.3, y: 0.2 },
      { x: 0.4, y: 0.25 },
    ]);
    expect(space.find((l) => l.key === "joint-ci-y")!.points).toEqual([
      { x: 0.5, y: 0.2 },
      { x: 0.5, y: 0.9 },
    ]);
  });

  it("says what is missing before the sweep has stored its proxy points", () => {
    const view = resultView("constrained-rlhf", FIXTURE.slice(0, 2))!;
    expect(view.sections.find((s) => s.key === "surface")!.notes[0]).toContain("No proxy points stored yet");
  });
});
