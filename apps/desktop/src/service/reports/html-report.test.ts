import { describe, expect, it } from "vitest";
import type { CurvePointDto, RunDto } from "../../shared/dto.ts";
import { overoptimizationSeries, peakRows, renderHtmlReport } from "./html-report.ts";
import { niceTicks, renderLineChart } from "./svg-chart.ts";

const run = (id: number, name: string): RunDto => ({
  id,
  experimentId: 1,
  name,
  config: { n: [1, 2, 4], note: "<b>" },
  status: "done",
  seed: id,
  device: "cpu",
  createdAt: "2026-11-26T10:00:00Z",
  startedAt: "2026-11-26T10:00:01Z",
  endedAt: "2026-11-26T10:05:00Z",
  error: null,
  progress: null,
  checkpointStep: null,
});

/** A best-of-n curve with the Gao et al. shape: gold d(a - b d), proxy rising. */
function bonCurve(runId: number): CurvePointDto[] {
  return [1, 2, 4, 8, 16, 32, 64].map((n) => {
    const kl = Math.log(n) - (n - 1) / n;
    const d = Math.sqrt(kl);
    return { runId, series: "bon", x: n, xKind: "n", kl, klEstimator: "analytic-bon", proxyScore: 1.2 * d, goldScore: d * (1 - 0.6 * d) };
  });
}

describe("HTML report", () => {
  it("lists each run's observed gold peak and sqrt(KL) there", () => {
    const curve = bonCurve(1);
    const best = curve.reduce((a, b) => (b.goldScore! > a.goldScore! ? b : a));
    const rows = peakRows([run(1, "a"), run(2, "b")], new Map([[1, curve], [2, bonCurve(2).map((p) => ({ ...p, goldScore: p.goldScore! - 1 }))]]));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual(["1", "bon", String(Number(best.goldScore!.toPrecision(5))), String(Number(Math.sqrt(best.kl).toPrecision(5))), `n = ${best.x}`]);
    expect(rows[1]![0]).toBe("2");
    expect(Number(rows[1]![2])).toBeCloseTo(best.goldScore! - 1, 4);
  });

  it("plots gold and proxy against sqrt(KL) and lists runs, metrics, fits, configs and environment", () => {
    const runs = [run(1, "rm-small"), run(2, "rm-large")];
    const html = renderHtmlReport({
      title: "BoN <overoptimization>",
      generatedAt: "2026-11-26T12:00:00Z",
      runs,
      experiments: [{ id: 1, name: "bon sweep", kind: "bon", config: {}, createdAt: "2026-11-26T09:00:00Z" }],
      curves: new Map([
        [1, bonCurve(1)],
        [2, bonCurve(2)],
      ]),
      metrics: new Map([[1, new Map([["gold.peak", 0.41]])]]),
      metricSeries: new Map([[1, [{ name: "loss", steps: [1, 2, 3], values: [0.9, 0.5, 0.4] }]]]),
      fits: [{ runId: 1, series: "bon", target: "gold", form: "bon: d(a - b d)", coefficients: { a: 1, b: 0.6 }, standardErrors: { a: 0.01, b: 0.02 }, residual: 0.001, nPoints: 7 }],
      environment: { app: "Goodhart Lab 0.1.0", commit: "abc123", node: "20.20.2", electron: null, onnxruntime: "1.30.0", platform: "linux", cpu: "x", cpus: 2, memoryGiB: 8 },
    });
    expect(html).toContain("<title>BoN &lt;overoptimization&gt;</title>");
    expect(html).toContain("&quot;note&quot;: &quot;&lt;b&gt;&quot;");
    expect(html).not.toMatch(/<script|<link|src=/);
    expect(html.match(/<svg/g)!.length).toBe(2); // the overoptimization figure + one metric figure
    expect(html).toContain("run 2 bon proxy");
    expect(html).toContain("bon: analytic-bon");
    expect(html).toContain("a = 1 ± 0.01, b = 0.6 ± 0.02");
    expect(html).toContain("<h2>Peaks</h2>");
    expect(html).toContain("abc123");
    expect(html).toContain("0.41");
  });

  it("maps curves to sqrt(KL) in KL order, gold solid and proxy dashed", () => {
    const series = overoptimizationSeries([run(1, "a")], new Map([[1, [...bonCurve(1)].reverse()]]));
    expect(series.map((s) => [s.label, Boolean(s.dashed)])).toEqual([
      ["run 1 bon gold", false],
      ["run 1 bon proxy", true],
    ]);
    const xs = series[0]!.points.map((p) => p.x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(xs[0]).toBe(0);
    expect(xs.at(-1)).toBeCloseTo(Math.sqrt(Math.log(64) - 63 / 64), 12);
  });

  it("draws nice ticks and survives empty or flat data", () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-3, 17, 4)).toEqual([0, 5, 10, 15]);
    expect(renderLineChart([], { title: "t", xLabel: "x", yLabel: "y" })).toContain("no data");
    expect(renderLineChart([{ label: "flat", color: "#000", points: [{ x: 1, y: 2 }] }], { title: "t", xLabel: "x", yLabel: "y" })).toMatch(/<path d="M[\d.]+,[\d.]+"/);
  });
});
