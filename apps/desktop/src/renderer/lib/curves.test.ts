// @vitest-environment node
import { describe, expect, it } from "vitest";
import type { CurvePointDto } from "../../shared/index.ts";
import { alignLines, buildLines, groupCurves, linesToPanel, observedPeak, seriesNames } from "./curves.ts";

function point(runId: number, series: string, x: number, kl: number, gold: number | null, proxy: number | null): CurvePointDto {
  return { runId, series, x, xKind: "n", kl, klEstimator: "analytic-bon", goldScore: gold, proxyScore: proxy };
}

describe("curves", () => {
  const pts = [
    point(1, "proxy:mean", 4, 0.64, 0.3, 0.5),
    point(1, "proxy:mean", 1, 0, 0, 0),
    point(1, "proxy:wco", 1, 0, 0, 0),
    point(1, "proxy:mean", 16, 1.69, 0.2, 0.9),
  ];

  it("groups by series in first-seen order, sorted by KL", () => {
    const curves = groupCurves(1, pts);
    expect(seriesNames(curves)).toEqual(["proxy:mean", "proxy:wco"]);
    expect(curves[0]!.points.map((p) => p.x)).toEqual([1, 4, 16]);
    expect(observedPeak(curves[0]!)).toEqual({ d: 0.8, x: 4, gold: 0.3 });
  });

  it("builds gold, proxy and peak lines against sqrt(KL) or n, honouring hidden series", () => {
    const curves = groupCurves(1, pts);
    const all = buildLines(curves, { axis: "d", gold: true, proxy: true, peaks: true });
    expect(all.filter((l) => l.series === "proxy:mean").map((l) => l.metric)).toEqual(["gold", "proxy", "peak"]);
    const gold = all.find((l) => l.key === "1:proxy:mean:gold")!;
    expect(gold.xs).toEqual([0, 0.8, 1.3]);
    expect(gold.ys).toEqual([0, 0.3, 0.2]);
    const byN = buildLines(curves, { axis: "x", gold: true, proxy: false, peaks: false, hidden: new Set(["proxy:wco"]) });
    expect(byN.map((l) => l.key)).toEqual(["1:proxy:mean:gold"]);
    expect(byN[0]!.xs).toEqual([1, 4, 16]);
  });

  it("exports the lines as a panel of the SVG chart module (dashed proxy, peak markers)", () => {
    const lines = buildLines(groupCurves(1, pts), { axis: "d", gold: true, proxy: true, peaks: true });
    const panel = linesToPanel(lines, { title: "t", xLabel: "x", yLabel: "y" });
    expect(panel.lines.map((l) => [l.key, l.style, Boolean(l.markersOnly)])).toContainEqual(["1:proxy:mean:proxy", "dashed", false]);
    expect(panel.lines.find((l) => l.key === "1:proxy:mean:peak")!.markersOnly).toBe(true);
    expect(panel.legend[0]!.entries.map((e) => e.label)).toEqual(["run 1 proxy:mean", "run 1 proxy:wco"]);
    expect(panel.legend[0]!.entries[0]!.color).toBe(lines[0]!.color);
  });

  it("aligns lines on the union of their x values with nulls for gaps", () => {
    const data = alignLines([
      { key: "a", label: "a", runId: 1, series: "s", metric: "gold", xs: [0, 2], ys: [1, 3], color: "#000" },
      { key: "b", label: "b", runId: 2, series: "s", metric: "gold", xs: [1, 2], ys: [5, 6], color: "#000" },
    ]);
    expect(data).toEqual([
      [0, 1, 2],
      [1, null, 3],
      [null, 5, 6],
    ]);
  });
});
