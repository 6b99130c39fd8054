import { describe, expect, it } from "vitest";
import type { CurvePointDto, FitDto, KindDto } from "../dto.ts";
import { fitValue, headlineChart, matchesPattern, overoptimizationPanels, panelOf, runColor } from "./overoptimization.ts";
import { niceTicks, renderBarChart, renderLinePanel, thinPoints } from "./svg.ts";

const kind: Pick<KindDto, "views" | "series"> = {
  series: [
    { pattern: "proxy:*", title: "Aggregated proxy", group: "gold/proxy" },
    { pattern: "member:*", title: "Single member", group: "gold/proxy" },
  ],
  views: {
    headline: { type: "bar-at-max-x", title: "Gold at max n", series: "proxy:*", y: "gold", errorBars: "se", baseline: "member:*" },
    panels: [],
    summaryColumns: [],
  },
};

function curve(runId: number, series: string, shift = 0): CurvePointDto[] {
  return [1, 2, 4, 8, 16].map((n) => {
    const kl = Math.log(n) - (n - 1) / n;
    const d = Math.sqrt(kl);
    return {
      runId,
      series,
      x: n,
      xKind: "n",
      kl,
      klEstimator: "analytic-bon",
      proxyScore: d,
      goldScore: d * (1 - 0.6 * d) + shift,
      goldSe: 0.05,
      proxySe: 0.02,
    };
  });
}

describe("svg primitives", () => {
  it("draws nice ticks and survives empty or flat data", () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-3, 17, 4)).toEqual([0, 5, 10, 15]);
    // Zero reached by repeated addition is zero, not -5.55e-17.
    expect(niceTicks(-0.62, 0.25)).toEqual([-0.6, -0.4, -0.2, 0, 0.2]);
    expect(renderLinePanel({ title: "t", xLabel: "x", yLabel: "y", lines: [], legend: [] })).toContain("no data");
    const flat = renderLinePanel({
      title: "t",
      xLabel: "x",
      yLabel: "y",
      lines: [{ key: "a", label: "a", color: "#000", style: "solid", points: [{ x: 1, y: 2 }] }],
      legend: [],
    });
    expect(flat).toMatch(/<path d="M[\d.]+,[\d.]+"/);
  });

  it("puts the legend beside the plot, never over it, and escapes labels", () => {
    const svg = renderLinePanel({
      title: "<panel>",
      xLabel: "x",
      yLabel: "y",
      width: 500,
      lines: [
        {
          key: "a",
          label: "run <1>",
          color: "#123456",
          style: "dashed",
          points: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
        },
      ],
      legend: [{ title: "Runs", entries: [{ label: "run <1>", color: "#123456" }] }],
    });
    const plot = /<rect x="(\d+)" y="\d+" width="(\d+)" height="\d+" fill="none"/.exec(svg)!;
    const plotRight = Number(plot[1]) + Number(plot[2]);
    const legendX = Math.min(
      ...[...svg.matchAll(/<line x1="([\d.]+)" x2="[\d.]+" y1="[\d.]+" y2="[\d.]+" stroke="#123456"/g)].map((m) => Number(m[1])),
    );
    expect(legendX).toBeGreaterThan(plotRight);
    expect(svg).toContain("run &lt;1&gt;");
    const long = renderLinePanel({
      title: "t",
      xLabel: "x",
      yLabel: "y",
      lines: [],
      legend: [{ title: "Runs", entries: [{ label: "#3 quick-demo/tiny-c100-noise0.25-seed1", color: "#000" }] }],
    });
    expect(long).toContain("#3 quick-demo/tiny-c10…<title>#3 quick-demo/tiny-c100-noise0.25-seed1</title>");
    expect(svg).not.toContain("<panel>");
    expect(svg).toContain('stroke-dasharray="6 4"');
    const markers = renderLinePanel({
      title: "t",
      xLabel: "x",
      yLabel: "y",
      legend: [],
      lines: [{ key: "p", label: "peak", color: "#f00", style: "solid", markersOnly: true, points: [{ x: 1, y: 1 }] }],
    });
    expect(markers.match(/<circle/g)).toHaveLength(1);
    expect(markers).not.toContain('data-line="p"');
  });

  it("shades +-SE bands under the lines", () => {
    const svg = renderLinePanel({
      title: "t",
      xLabel: "x",
      yLabel: "y",
      legend: [],
      lines: [
        {
          key: "g",
          label: "g",
          color: "#000",
          style: "solid",
          band: true,
          points: [
            { x: 0, y: 0, se: 0.5 },
            { x: 1, y: 1, se: 0.5 },
          ],
        },
      ],
    });
    expect(svg.indexOf("<polygon")).toBeGreaterThan(0);
    expect(svg.indexOf("<polygon")).toBeLessThan(svg.indexOf('data-line="g"'));
    expect(svg.match(/<polygon points="([^"]+)"/)![1]!.split(" ")).toHaveLength(4);
  });

  it("thins long lines but keeps each bucket's extremes", () => {
    const pts = Array.from({ length: 10_000 }, (_, x) => ({ x, y: x === 5_003 ? 100 : Math.sin(x / 100) }));
    const thin = thinPoints(pts, 500);
    expect(thin.length).toBeLessThanOrEqual(520);
    expect(thin.some((p) => p.y === 100)).toBe(true);
    expect(thin.map((p) => p.x)).toEqual([...thin.map((p) => p.x)].sort((a, b) => a - b));
  });

  it("draws bars with error bars and a baseline per group", () => {
    const svg = renderBarChart({
      title: "h",
      yLabel: "gold",
      groups: [
        {
          label: "run 1",
          color: "#f00",
          bars: [
            { label: "mean", value: 0.3, se: 0.05 },
            { label: "wco", value: 0.5, se: null },
          ],
          baseline: { label: "single", value: 0.1 },
        },
      ],
    });
    expect(svg.match(/data-bar=/g)).toHaveLength(2);
    expect(svg.match(/data-error-bar=/g)).toHaveLength(1);
    expect(svg.match(/data-baseline=/g)).toHaveLength(1);
  });
});

describe("overoptimization views", () => {
  it("matches patterns ignoring a grid-point prefix", () => {
    expect(matchesPattern("proxy:*", "noise=0.25/proxy:mean")).toBe(true);
    expect(matchesPattern("proxy:*", "member:0")).toBe(false);
    expect(panelOf("proxy:wco", kind)).toEqual({ key: "proxy:wco", title: "Aggregated proxy: wco" });
    expect(panelOf("member:3", kind).key).toBe("pattern:member:*");
    expect(panelOf("diagnostic", null)).toEqual({ key: "diagnostic", title: "diagnostic" });
  });

  it("makes one panel per series group, coloured by run, members together, with bands and stored fits", () => {
    const fit: FitDto = {
      id: 1,
      runId: 7,
      series: "proxy:mean",
      target: "gold",
      form: "bon: d(a - b d)",
      coefficients: { a: 1, b: 0.6 },
      standardErrors: null,
      intervals: null,
      residual: null,
      nPoints: 5,
    };
    const runs = [
      {
        runId: 7,
        label: "#7",
        points: [...curve(7, "proxy:mean"), ...curve(7, "proxy:wco"), ...curve(7, "member:0"), ...curve(7, "member:1")],
        fits: [fit],
      },
      { runId: 9, label: "#9", points: [...curve(9, "proxy:mean", 0.1), ...curve(9, "member:0")] },
    ];
    const panels = overoptimizationPanels(runs, kind);
    expect(panels.map((p) => p.key)).toEqual(["proxy:mean", "proxy:wco", "pattern:member:*"]);
    const mean = panels[0]!;
    // Legend: the runs and the line styles, not one entry per line.
    expect(mean.spec.legend[0]!.entries.map((e) => [e.label, e.color])).toEqual([
      ["#7", runColor(0)],
      ["#9", runColor(1)],
    ]);
    expect(mean.spec.legend[1]!.entries.map((e) => e.label)).toContain("fitted form (stored)");
    const byKey = new Map(mean.spec.lines.map((l) => [l.key, l]));
    expect(byKey.get("7:proxy:mean:gold")!.style).toBe("solid");
    expect(byKey.get("7:proxy:mean:proxy")!.style).toBe("dashed");
    expect(byKey.get("7:proxy:mean:gold")!.band).toBe(true);
    expect(byKey.get("9:proxy:mean:gold")!.color).toBe(runColor(1));
    const fitLine = byKey.get("7:proxy:mean:fit:gold")!;
    expect(fitLine.style).toBe("dotted");
    expect(fitLine.points.at(-1)!.y).toBeCloseTo(fitValue(fit, fitLine.points.at(-1)!.x), 12);
    expect(byKey.has("9:proxy:mean:fit:gold")).toBe(false);
    expect(mean.points).toBe(20);
    // The members' panel holds 3 members x gold and proxy, thin, no bands.
    const members = panels[2]!;
    expect(members.spec.lines.filter((l) => !l.markersOnly && l.key.endsWith(":gold")).every((l) => l.thin && !l.band)).toBe(true);
    expect(overoptimizationPanels(runs, kind, { hidden: new Set(["proxy:wco"]) }).map((p) => p.key)).not.toContain("proxy:wco");
  });

  it("evaluates rl forms as d(a - b ln d)", () => {
    expect(fitValue({ form: "rl: d(a - b ln d)", coefficients: { a: 1, b: 0.5 } }, Math.E)).toBeCloseTo(Math.E * 0.5, 12);
  });

  it("builds the headline: gold at the largest n per aggregation with SE, the members' mean as baseline", () => {
    const runs = [
      {
        runId: 7,
        label: "#7",
        points: [...curve(7, "proxy:mean"), ...curve(7, "proxy:wco", 0.2), ...curve(7, "member:0", -0.1), ...curve(7, "member:1", -0.3)],
      },
    ];
    const spec = headlineChart(runs, kind.views.headline)!;
    const last = curve(7, "proxy:mean").at(-1)!;
    expect(spec.groups[0]!.bars.map((b) => b.label)).toEqual(["mean", "wco"]);
    expect(spec.groups[0]!.bars[0]!.value).toBeCloseTo(last.goldScore!, 12);
    expect(spec.groups[0]!.bars[0]!.se).toBe(0.05);
    expect(spec.groups[0]!.baseline!.value).toBeCloseTo(last.goldScore! - 0.2, 12);
    expect(headlineChart(runs, { type: "curves", title: "c", group: "g", x: "sqrt-kl", y: "gold" })).toBeNull();
  });
});
