// @vitest-environment node
import { describe, expect, it } from "vitest";
import { linesToSvg } from "./svg-figure.ts";

describe("linesToSvg", () => {
  it("draws each line with its colour and dash, markers as circles, and escapes labels", () => {
    const svg = linesToSvg(
      [
        { key: "g", label: "run 1 <gold>", runId: 1, series: "s", metric: "gold", xs: [0, 1, 2], ys: [0, 1, 0.5], color: "#123456" },
        { key: "p", label: "run 1 proxy", runId: 1, series: "s", metric: "proxy", xs: [0, 1, 2], ys: [0, 1, 2], color: "#123456", dashed: true },
        { key: "k", label: "run 1 peak", runId: 1, series: "s", metric: "peak", xs: [1], ys: [1], color: "#123456", pointsOnly: true },
      ],
      { title: "Figure", xLabel: "d", yLabel: "score" },
    );
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray="6 4"');
    expect(svg.match(/<circle/g)).toHaveLength(1);
    expect(svg).toContain("run 1 &lt;gold&gt;");
    expect(svg).not.toContain("<gold>");
  });

  it("thins long lines but keeps each bucket's extremes", () => {
    const xs = Array.from({ length: 10_000 }, (_, i) => i);
    const ys = xs.map((x) => (x === 5_003 ? 100 : Math.sin(x / 100)));
    const svg = linesToSvg([{ key: "a", label: "a", runId: 1, series: "s", metric: "gold", xs, ys, color: "#000" }], { title: "t", xLabel: "x", yLabel: "y", maxPoints: 500 });
    const points = /points="([^"]+)"/.exec(svg)![1]!.split(" ");
    expect(points.length).toBeLessThanOrEqual(520);
    // The spike at x=5003 (y=100, the top of the plot) survives thinning.
    const topY = Math.min(...points.map((p) => Number(p.split(",")[1])));
    expect(topY).toBeCloseTo(36, 0);
  });
});
