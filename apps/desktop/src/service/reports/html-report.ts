/**
 * The self-contained HTML report of one or several runs: overoptimization figures as inline SVG
 * (gold solid, proxy dashed, against sqrt(KL)), the runs, their last metric values, their configs
 * and the environment. No scripts and no external resources: it opens offline, in any browser,
 * and its own Content-Security-Policy forbids anything else.
 */
import type { CurvePointDto, ExperimentDto, RunDto } from "../../shared/dto.ts";
import type { ReportEnvironment } from "./environment.ts";
import { escapeHtml } from "./escape.ts";
import { type ChartSeries, PALETTE, renderLineChart } from "./svg-chart.ts";

export interface ReportInput {
  title: string;
  generatedAt: string;
  runs: readonly RunDto[];
  experiments: readonly ExperimentDto[];
  /** Curve points per run id. */
  curves: ReadonlyMap<number, readonly CurvePointDto[]>;
  /** Last value of each metric per run id. */
  metrics: ReadonlyMap<number, ReadonlyMap<string, number>>;
  /** Full metric series per run id (for the per-metric figures). */
  metricSeries?: ReadonlyMap<number, readonly { name: string; steps: ArrayLike<number>; values: ArrayLike<number> }[]>;
  /** Fitted overoptimization curves, as stored. */
  fits?: readonly ReportFit[];
  environment: ReportEnvironment;
}

/** A stored fit of gold or proxy against sqrt(KL). */
export interface ReportFit {
  runId: number;
  series: string;
  target: string;
  form: string;
  coefficients: Record<string, number>;
  standardErrors: Record<string, number> | null;
  residual: number | null;
  nPoints: number;
}

/** At most this many metric figures, so a run logging hundreds of metrics keeps a readable report. */
const MAX_METRIC_FIGURES = 12;

function metricFigures(input: ReportInput): string {
  if (!input.metricSeries) return "";
  const names = [...new Set(input.runs.flatMap((r) => (input.metricSeries!.get(r.id) ?? []).map((s) => s.name)))].sort();
  const figures = names.slice(0, MAX_METRIC_FIGURES).map((name) => {
    const series: ChartSeries[] = input.runs.flatMap((run, i) => {
      const s = (input.metricSeries!.get(run.id) ?? []).find((m) => m.name === name);
      if (!s) return [];
      const points = Array.from(s.steps, (step, j) => ({ x: step, y: s.values[j]! }));
      return [{ label: `run ${run.id}`, points, color: PALETTE[i % PALETTE.length]! }];
    });
    return `<figure>${renderLineChart(series, { title: name, xLabel: "step", yLabel: name, width: 480, height: 270 })}</figure>`;
  });
  const more = names.length > MAX_METRIC_FIGURES ? `<p>${names.length - MAX_METRIC_FIGURES} more metrics are in the table above.</p>` : "";
  return figures.length > 0 ? `<h2>Metrics over steps</h2><div class="grid">${figures.join("")}</div>${more}` : "";
}

function peaksSection(runs: readonly RunDto[], curves: ReadonlyMap<number, readonly CurvePointDto[]>): string {
  const rows = peakRows(runs, curves);
  return rows.length === 0 ? "" : `<h2>Peaks</h2>${table(["run", "series", "peak gold", "sqrt(KL) at peak", "at"], rows)}`;
}

function fitsSection(fits: readonly ReportFit[] | undefined): string {
  if (!fits || fits.length === 0) return "";
  const fmt = (c: Record<string, number>, se: Record<string, number> | null) =>
    Object.entries(c)
      .map(([k, v]) => `${k} = ${formatNumber(v)}${se?.[k] !== undefined ? ` ± ${formatNumber(se[k])}` : ""}`)
      .join(", ");
  return `<h2>Fits</h2>${table(
    ["run", "series", "target", "form", "coefficients (± standard error)", "residual", "points"],
    fits.map((f) => [String(f.runId), f.series, f.target, f.form, fmt(f.coefficients, f.standardErrors), f.residual === null ? "" : formatNumber(f.residual), String(f.nPoints)]),
  )}`;
}

/** Per run and series: the observed gold peak (highest gold score) and sqrt(KL) there. */
export function peakRows(runs: readonly RunDto[], curves: ReadonlyMap<number, readonly CurvePointDto[]>): string[][] {
  const rows: string[][] = [];
  for (const run of runs) {
    const best = new Map<string, CurvePointDto>();
    for (const p of curves.get(run.id) ?? []) {
      if (p.goldScore === null) continue;
      const b = best.get(p.series);
      if (!b || p.goldScore > b.goldScore!) best.set(p.series, p);
    }
    for (const [series, p] of best) rows.push([String(run.id), series, formatNumber(p.goldScore!), formatNumber(Math.sqrt(p.kl)), `${p.xKind} = ${formatNumber(p.x)}`]);
  }
  return rows;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("");
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function formatNumber(v: number | undefined): string {
  if (v === undefined) return "";
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(5)));
}

/** Chart series: per run and curve series, gold (solid) and proxy (dashed) against sqrt(KL). */
export function overoptimizationSeries(runs: readonly RunDto[], curves: ReadonlyMap<number, readonly CurvePointDto[]>): ChartSeries[] {
  const out: ChartSeries[] = [];
  let colour = 0;
  for (const run of runs) {
    const bySeries = new Map<string, CurvePointDto[]>();
    for (const p of curves.get(run.id) ?? []) {
      let list = bySeries.get(p.series);
      if (!list) bySeries.set(p.series, (list = []));
      list.push(p);
    }
    for (const [name, points] of bySeries) {
      const color = PALETTE[colour++ % PALETTE.length]!;
      const sorted = [...points].sort((a, b) => a.kl - b.kl);
      const label = `run ${run.id} ${name}`;
      const gold = sorted.filter((p) => p.goldScore !== null).map((p) => ({ x: Math.sqrt(p.kl), y: p.goldScore! }));
      const proxy = sorted.filter((p) => p.proxyScore !== null).map((p) => ({ x: Math.sqrt(p.kl), y: p.proxyScore! }));
      if (gold.length > 0) out.push({ label: `${label} gold`, points: gold, color });
      if (proxy.length > 0) out.push({ label: `${label} proxy`, points: proxy, color, dashed: true });
    }
  }
  return out;
}

/** Renders the report as one HTML document. */
export function renderHtmlReport(input: ReportInput): string {
  const experiments = new Map(input.experiments.map((e) => [e.id, e]));
  const env = input.environment;
  const metricNames = [...new Set(input.runs.flatMap((r) => [...(input.metrics.get(r.id)?.keys() ?? [])]))].sort();
  const chart = renderLineChart(overoptimizationSeries(input.runs, input.curves), {
    title: "Gold (solid) and proxy (dashed) reward vs sqrt(KL)",
    xLabel: "sqrt(KL(π ‖ π_init)) [sqrt nats]",
    yLabel: "reward",
  });
  const estimators = [...new Set([...input.curves.values()].flatMap((ps) => ps.map((p) => `${p.series}: ${p.klEstimator}`)))];
  const runRows = input.runs.map((r) => {
    const e = r.experimentId === null ? undefined : experiments.get(r.experimentId);
    return [String(r.id), r.name, e ? `${e.name} (${e.kind})` : "", r.status, String(r.seed), r.device ?? "", r.startedAt ?? "", r.endedAt ?? "", r.error ?? ""];
  });
  const metricRows = metricNames.map((name) => [name, ...input.runs.map((r) => formatNumber(input.metrics.get(r.id)?.get(name)))]);
  const configs = input.runs
    .map((r) => `<h3>Run ${r.id}: ${escapeHtml(r.name)}</h3><pre>${escapeHtml(JSON.stringify(r.config, null, 2))}</pre>`)
    .join("");
  const envRows = [
    ["application", env.app],
    ["commit", env.commit ?? "unknown"],
    ["devices", [...new Set(input.runs.map((r) => r.device ?? "unknown"))].join(", ")],
    ["Node.js", env.node],
    ["Electron", env.electron ?? "not used"],
    ["ONNX Runtime (onnxruntime-node)", env.onnxruntime ?? "not installed"],
    ["platform", env.platform],
    ["CPU", `${env.cpu} × ${env.cpus}`],
    ["memory", `${env.memoryGiB} GiB`],
    ["generated", input.generatedAt],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(input.title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1000px;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
th{background:#f4f4f4}.grid{display:flex;flex-wrap:wrap;gap:.5rem}pre{background:#f7f7f7;padding:.75rem;overflow:auto;font-size:.8rem}figure{margin:1rem 0}
</style>
</head>
<body>
<h1>${escapeHtml(input.title)}</h1>
<p>Goodhart Lab report of ${input.runs.length} run${input.runs.length === 1 ? "" : "s"}, generated ${escapeHtml(input.generatedAt)}.</p>
<h2>Overoptimization</h2>
<figure>${chart}<figcaption>KL estimators: ${escapeHtml(estimators.join("; ") || "none")}.</figcaption></figure>
<h2>Runs</h2>
${table(["id", "name", "experiment", "status", "seed", "device", "started", "ended", "error"], runRows)}
<h2>Metrics (last value)</h2>
${metricRows.length > 0 ? table(["metric", ...input.runs.map((r) => `run ${r.id}`)], metricRows) : "<p>No metrics recorded.</p>"}
${peaksSection(input.runs, input.curves)}
${fitsSection(input.fits)}
${metricFigures(input)}
<h2>Configurations</h2>
${configs}
<h2>Environment</h2>
${table(["", ""], envRows)}
</body>
</html>
`;
}
