import { describe, expect, it } from "vitest";
import type { CurvePointDto, RunDto } from "../../shared/dto.ts";
import type { KindDto } from "../../shared/dto.ts";
import { peakRows, renderHtmlReport } from "./html-report.ts";
import { differenceFindings, summaryTable } from "../../shared/summary.ts";

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
  labVersion: null,
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
    const rows = peakRows(
      [run(1, "a"), run(2, "b")],
      new Map([
        [1, curve],
        [2, bonCurve(2).map((p) => ({ ...p, goldScore: p.goldScore! - 1 }))],
      ]),
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual([
      "1",
      "bon",
      String(Number(best.goldScore!.toPrecision(5))),
      String(Number(Math.sqrt(best.kl).toPrecision(5))),
      `n = ${best.x}`,
    ]);
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
      fits: [
        {
          runId: 1,
          series: "bon",
          target: "gold",
          form: "bon: d(a - b d)",
          coefficients: { a: 1, b: 0.6 },
          standardErrors: { a: 0.01, b: 0.02 },
          residual: 0.001,
          nPoints: 7,
        },
      ],
      environment: {
        app: "Goodhart Lab 0.1.0",
        commit: "abc123",
        node: "20.20.2",
        electron: null,
        onnxruntime: "1.30.0",
        platform: "linux",
        cpu: "x",
        cpus: 2,
        memoryGiB: 8,
      },
    });
    expect(html).toContain("<title>BoN &lt;overoptimization&gt;</title>");
    expect(html).toContain("&quot;note&quot;: &quot;&lt;b&gt;&quot;");
    expect(html).not.toMatch(/<script|<link|src=/);
    expect(html.match(/<svg/g)!.length).toBe(2); // one panel (series "bon", both runs) + one metric figure
    expect(html).toContain("run 2 bon proxy");
    expect(html).toContain("KL estimators: analytic-bon");
    expect(html).toContain("a = 1 ± 0.01, b = 0.6 ± 0.02");
    // The stored fit is drawn (dotted), not refitted.
    expect(html).toContain('data-line="1:bon:fit:gold"');
    expect(html).not.toContain('data-line="2:bon:fit:gold"');
    expect(html).toContain("<h2>Peaks</h2>");
    expect(html).toContain("abc123");
    expect(html).toContain("0.41");
    expect(html).toContain("@media print");
  });

  it("draws the kind's headline, one panel per series group with SE bands, its summary table and findings with CIs", () => {
    const kind = {
      id: "bon-study",
      title: "Best-of-n study",
      description: "d",
      diagnostic: false,
      configSchema: {},
      defaultConfig: {},
      presets: [],
      series: [
        { pattern: "proxy:*", title: "Aggregated proxy", group: "gold/proxy" },
        { pattern: "member:*", title: "Single member", group: "gold/proxy" },
      ],
      metrics: [],
      views: {
        headline: {
          type: "bar-at-max-x",
          title: "Gold at the largest n",
          series: "proxy:*",
          y: "gold",
          errorBars: "se",
          baseline: "member:*",
        },
        panels: [],
        summaryColumns: [
          { key: "proxy", title: "Proxy size", source: { result: "runs[].proxy" } },
          { key: "series", title: "Series", source: { result: "runs[].series[].series" } },
          {
            key: "gold",
            title: "Gold at max n",
            source: { result: "runs[].series[].goldAtMaxN" },
            se: { result: "runs[].series[].goldAtMaxNSe" },
          },
        ],
      },
    } satisfies KindDto;
    const curve = (series: string, shift: number) =>
      bonCurve(1).map((p) => ({ ...p, series, goldScore: p.goldScore! + shift, goldSe: 0.05 }));
    const points = [...curve("proxy:mean", 0), ...curve("proxy:wco", 0.1), ...curve("member:0", -0.1), ...curve("member:1", -0.2)];
    const result = {
      runs: [
        {
          proxy: "tiny",
          series: [
            { series: "proxy:mean", goldAtMaxN: 0.25, goldAtMaxNSe: 0.04 },
            { series: "proxy:wco", goldAtMaxN: 0.35, goldAtMaxNSe: 0.05 },
          ],
        },
      ],
      analysis: {
        cells: [
          {
            proxy: "tiny",
            trainingSize: 100,
            labelNoise: 0.25,
            seeds: [1, 2, 3],
            differences: [{ series: "proxy:wco", goldAtMaxN: { estimate: 0.3, low: 0.1, high: 0.5 } }],
          },
        ],
      },
    };
    const html = renderHtmlReport({
      title: "t",
      generatedAt: "2026-11-26T12:00:00Z",
      runs: [run(1, "study")],
      experiments: [{ id: 1, name: "bon", kind: "bon-study", config: {}, createdAt: "2026-11-26T09:00:00Z" }],
      curves: new Map([[1, points]]),
      metrics: new Map(),
      kinds: [kind],
      results: new Map([[1, result]]),
      fits: [
        {
          runId: 1,
          series: "proxy:wco",
          target: "gold",
          form: "bon: d(a - b d)",
          coefficients: { a: 1, b: 0.6, peakD: 0.83 },
          standardErrors: null,
          intervals: { peakD: { low: 0.7, high: 0.95, level: 0.95, replicates: 200, resampled: "prompts" } },
          residual: null,
          nPoints: 7,
        },
      ],
      environment: {
        app: "a",
        commit: null,
        node: "20",
        electron: null,
        onnxruntime: null,
        platform: "linux",
        cpu: "x",
        cpus: 2,
        memoryGiB: 8,
      },
    });
    // Headline: two bars with error bars, the members' mean as the baseline.
    expect(html.match(/data-bar=/g)).toHaveLength(2);
    expect(html.match(/data-error-bar=/g)).toHaveLength(2);
    expect(html).toContain("single member (mean of 2)");
    // Panels: proxy:mean, proxy:wco, and the members together; bands from the SEs.
    expect(html).toContain("Aggregated proxy: mean");
    expect(html).toContain("Aggregated proxy: wco");
    expect(html).toContain("Single member (each member)");
    expect(html.match(/<svg/g)!.length).toBe(4);
    expect(html).toContain('data-band="1:proxy:mean:gold"');
    // Summary table from the kind's columns, with SEs; findings with their intervals.
    expect(html).toContain("<td>tiny</td><td>proxy:wco</td><td>0.35 ± 0.05</td>");
    expect(html).toContain("wco − single member</td><td>0.3 [0.1, 0.5] *</td>");
    expect(html).toContain("0.83 [0.7, 0.95] *");
  });

  it("reads summary columns through nested lists, repeating parents' values", () => {
    const t = summaryTable(
      {
        runs: [
          { p: "a", s: [{ v: 1 }, { v: 2 }] },
          { p: "b", s: [{ v: 3 }] },
        ],
      },
      [
        { key: "p", title: "P", source: { result: "runs[].p" } },
        { key: "v", title: "V", unit: "u", source: { result: "runs[].s[].v" } },
      ],
    );
    expect(t.header).toEqual(["P", "V (u)"]);
    expect(t.rows).toEqual([
      ["a", "1"],
      ["a", "2"],
      ["b", "3"],
    ]);
    expect(summaryTable(null, []).rows).toEqual([]);
  });

  it("reads a study's differences to the single member as findings", () => {
    const cells = [
      {
        proxy: "tiny",
        trainingSize: 100,
        labelNoise: 0.25,
        seeds: [1, 2],
        differences: [
          { series: "proxy:wco", goldAtMaxN: { estimate: 0.3, low: 0.1, high: 0.5 } },
          { series: "proxy:uwo", goldAtMaxN: { estimate: 0.1, low: -0.1, high: 0.3 } },
        ],
      },
    ];
    expect(differenceFindings({ analysis: { cells } }).map((f) => [f.quantity, f.holds])).toEqual([
      ["gold at max n: wco − single member", true],
      ["gold at max n: uwo − single member", false],
    ]);
    expect(differenceFindings({ runs: [] })).toEqual([]);
    expect(differenceFindings(null)).toEqual([]);
  });
});
