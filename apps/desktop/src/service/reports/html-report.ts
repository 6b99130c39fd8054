/**
 * The self-contained HTML report of one or several runs, drawn with the same views as Compare
 * (shared/charts): per experiment kind its headline view, one panel per series group with the
 * legend beside the plot, SE bands and the stored fitted forms; the findings with their 95%
 * bootstrap intervals; the kind's summary table; then the runs, metrics, peaks, fits, configs and
 * the environment. No scripts and no external resources: it opens offline, in any browser, and
 * its own Content-Security-Policy forbids anything else. A print stylesheet makes the browser's
 * Print to PDF (and Electron's Export PDF) a clean paper-style document.
 */
import type { CurvePointDto, ExperimentDto, FitDto, KindDto, RunDto } from "../../shared/dto.ts";
import { type RunCurves, headlineChart, overoptimizationPanels, runColor } from "../../shared/charts/overoptimization.ts";
import { renderBarChart, renderLinePanel } from "../../shared/charts/svg.ts";
import { resultView } from "../../shared/charts/result-views.ts";
import type { ReportEnvironment } from "./environment.ts";
import { escapeHtml } from "./escape.ts";
import { differenceFindings, formatInterval, summaryTable } from "../../shared/summary.ts";

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
  /** Fitted overoptimization curves, as stored (with bootstrap intervals where computed). */
  fits?: readonly ReportFit[];
  /** The experiment kinds of the runs (views, series groups, summary columns), by kind id. */
  kinds?: readonly KindDto[];
  /** Each run's stored result JSON (summary columns and a study's analysis), by run id. */
  results?: ReadonlyMap<number, unknown>;
  environment: ReportEnvironment;
}

/** A stored fit of gold or proxy against sqrt(KL). */
export type ReportFit = Omit<FitDto, "id" | "intervals"> & { intervals?: FitDto["intervals"] };

/** At most this many metric figures, so a run logging hundreds of metrics keeps a readable report. */
const MAX_METRIC_FIGURES = 12;

function metricFigures(input: ReportInput): string {
  if (!input.metricSeries) return "";
  const names = [...new Set(input.runs.flatMap((r) => (input.metricSeries!.get(r.id) ?? []).map((s) => s.name)))].sort();
  const figures = names.slice(0, MAX_METRIC_FIGURES).map((name) => {
    const lines = input.runs.flatMap((run, i) => {
      const s = (input.metricSeries!.get(run.id) ?? []).find((m) => m.name === name);
      if (!s) return [];
      const points = Array.from(s.steps, (step, j) => ({ x: step, y: s.values[j]! }));
      return [{ key: `${run.id}:${name}`, label: `run ${run.id}`, points, color: runColor(i), style: "solid" as const }];
    });
    const legend = lines.length > 1 ? [{ title: "Runs", entries: lines.map((l) => ({ label: l.label, color: l.color })) }] : [];
    return `<figure>${renderLinePanel({ title: name, xLabel: "step", yLabel: name, lines, legend, width: 460, height: 250 })}</figure>`;
  });
  const more = names.length > MAX_METRIC_FIGURES ? `<p>${names.length - MAX_METRIC_FIGURES} more metrics are in the table above.</p>` : "";
  return figures.length > 0 ? `<h2>Metrics over steps</h2><div class="grid">${figures.join("")}</div>${more}` : "";
}

/** The runs of the report grouped by experiment kind, in report order. */
function byKind(input: ReportInput): { kind: KindDto | null; runs: RunDto[] }[] {
  const experiments = new Map(input.experiments.map((e) => [e.id, e]));
  const groups = new Map<string, { kind: KindDto | null; runs: RunDto[] }>();
  for (const run of input.runs) {
    const kindId = run.experimentId === null ? "" : (experiments.get(run.experimentId)?.kind ?? "");
    let g = groups.get(kindId);
    if (!g) groups.set(kindId, (g = { kind: input.kinds?.find((k) => k.id === kindId) ?? null, runs: [] }));
    g.runs.push(run);
  }
  return [...groups.values()];
}

/** What the panels' lines mean, naming only what they show. */
function caption(panels: readonly { spec: { legend: readonly { entries: readonly { label: string }[] }[] } }[]): string {
  const shown = new Set(panels.flatMap((p) => p.spec.legend.flatMap((s) => s.entries.map((e) => e.label))));
  const parts = ["Gold solid, proxy dashed"];
  if (shown.has("fitted form (stored)")) parts.push("the stored fitted forms dotted");
  if (shown.has("observed gold peak")) parts.push("observed gold peaks as markers");
  const bands = shown.has("band: ± 1 SE") ? "; shaded bands are ± 1 standard error over prompts" : "";
  return `${parts.join(", ")}${bands}.`;
}

/** Per kind: the headline view, one panel per series group, and the kind's summary table. */
function figuresSection(input: ReportInput): string {
  const fits = input.fits ?? [];
  return byKind(input)
    .map(({ kind, runs }) => {
      const curves: RunCurves[] = runs.map((r) => ({
        runId: r.id,
        label: `run ${r.id}`,
        points: input.curves.get(r.id) ?? [],
        fits: fits.filter((f) => f.runId === r.id) as FitDto[],
      }));
      const heading = kind
        ? `<h2>${escapeHtml(kind.title)}</h2><p class="muted">${escapeHtml(kind.description)}</p>`
        : "<h2>Overoptimization</h2>";
      const headline = headlineChart(curves, kind?.views.headline, { width: 640, height: 300 });
      const headlineFigure = headline
        ? `<figure class="headline">${renderBarChart(headline)}<figcaption>Headline view: bars are the value at the largest n (± 1 standard error over prompts); the dashed line marks the single-member baseline.</figcaption></figure>`
        : "";
      // The kind's result view (RL, direct alignment) contributes its headline figures, as Compare shows them.
      const view = resultView(
        kind?.id,
        curves.map((c) => ({ ...c, fits: c.fits ?? [], metrics: input.metricSeries?.get(c.runId) ?? [] })),
        { width: 460, height: 290 },
      );
      const viewFigures = view?.headline.length
        ? `<div class="panels">${view.headline.map((f) => `<figure>${renderLinePanel(f.spec)}${f.notes.length ? `<figcaption>${escapeHtml(f.notes.join(" "))}</figcaption>` : ""}</figure>`).join("")}</div>`
        : "";
      const panels = overoptimizationPanels(curves, kind, { width: 460, height: 290 });
      const estimators = [...new Set(runs.flatMap((r) => (input.curves.get(r.id) ?? []).map((p) => p.klEstimator)))];
      const panelFigures = panels.length
        ? `<div class="panels">${panels.map((p) => `<figure>${renderLinePanel(p.spec)}</figure>`).join("")}</div><p class="caption">${caption(panels)} KL estimators: ${escapeHtml(estimators.join(", ") || "none")}.</p>`
        : "<p>No curve points recorded.</p>";
      const summaries = kind
        ? runs
            .map((r) => ({ run: r, table: summaryTable(input.results?.get(r.id), kind.views.summaryColumns) }))
            .filter((t) => t.table.rows.length > 0)
            .map((t) => `<h3>Summary of run ${t.run.id}</h3>${table(t.table.header, t.table.rows)}`)
            .join("")
        : "";
      return `<section class="kind">${heading}${headlineFigure}${viewFigures}${panelFigures}${summaries}</section>`;
    })
    .join("\n");
}

/** Differences to the single member (a study's stored analysis) and fitted peaks, with their 95% intervals. */
function findingsSection(input: ReportInput): string {
  const rows: string[][] = [];
  for (const run of input.runs) {
    for (const f of differenceFindings(input.results?.get(run.id)))
      rows.push([`run ${run.id}`, f.where, f.quantity, formatInterval(f.estimate, f.low, f.high)]);
  }
  for (const f of input.fits ?? []) {
    for (const key of ["peakD", "goldAtMaxN", "observedPeak"]) {
      const i = f.intervals?.[key];
      if (i) rows.push([`run ${f.runId}`, f.series, `${key} (${f.target}, ${f.form})`, formatInterval(f.coefficients[key], i.low, i.high)]);
    }
  }
  if (rows.length === 0) return "";
  return `<h2>Findings</h2><p>Estimates with 95% bootstrap intervals (prompts and seeds resampled); * marks an interval that excludes 0, i.e. a finding that holds.</p>${table(["run", "where", "quantity", "estimate [95% CI]"], rows)}`;
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
  // Intervals are listed under Findings; this table keeps the coefficients and their SEs.
  return `<h2>Fits</h2>${table(
    ["run", "series", "target", "form", "coefficients (± standard error)", "residual", "points"],
    fits.map((f) => [
      String(f.runId),
      f.series,
      f.target,
      f.form,
      fmt(f.coefficients, f.standardErrors),
      f.residual === null ? "" : formatNumber(f.residual),
      String(f.nPoints),
    ]),
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
    for (const [series, p] of best)
      rows.push([String(run.id), series, formatNumber(p.goldScore!), formatNumber(Math.sqrt(p.kl)), `${p.xKind} = ${formatNumber(p.x)}`]);
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

/** Renders the report as one HTML document. */
export function renderHtmlReport(input: ReportInput): string {
  const experiments = new Map(input.experiments.map((e) => [e.id, e]));
  const env = input.environment;
  const metricNames = [...new Set(input.runs.flatMap((r) => [...(input.metrics.get(r.id)?.keys() ?? [])]))].sort();
  const runRows = input.runs.map((r) => {
    const e = r.experimentId === null ? undefined : experiments.get(r.experimentId);
    return [
      String(r.id),
      r.name,
      e ? `${e.name} (${e.kind})` : "",
      r.status,
      String(r.seed),
      r.device ?? "",
      r.startedAt ?? "",
      r.endedAt ?? "",
      r.error ?? "",
    ];
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
th{background:#f4f4f4}.grid,.panels{display:flex;flex-wrap:wrap;gap:.5rem}pre{background:#f7f7f7;padding:.75rem;overflow:auto;font-size:.8rem}
figure{margin:.5rem 0}figcaption,.caption,.muted{font-size:.85rem;color:#555}svg{max-width:100%;height:auto}
@page{size:A4;margin:16mm 14mm}
@media print{
body{max-width:none;margin:0;padding:0;font-family:Georgia,"Times New Roman",serif;font-size:10pt;color:#000}
h1{font-size:17pt;margin:0 0 .4rem}h2{font-size:13pt;margin:1rem 0 .3rem;break-after:avoid}h3{font-size:11pt;break-after:avoid}
figure,table,tr,.headline{break-inside:avoid}.panels{display:grid;grid-template-columns:1fr 1fr;gap:.3rem}
table{font-size:8.5pt}th{background:none;border-bottom:1.5px solid #000}th,td{border:none;border-bottom:.5px solid #bbb;padding:.15rem .35rem}
pre{background:none;border:.5px solid #bbb;white-space:pre-wrap;font-size:7.5pt;break-inside:auto}
.configs{break-before:page}
}
</style>
</head>
<body>
<h1>${escapeHtml(input.title)}</h1>
<p>Goodhart Lab report of ${input.runs.length} run${input.runs.length === 1 ? "" : "s"}, generated ${escapeHtml(input.generatedAt)}.</p>
${figuresSection(input)}
${findingsSection(input)}
<h2>Runs</h2>
${table(["id", "name", "experiment", "status", "seed", "device", "started", "ended", "error"], runRows)}
<h2>Metrics (last value)</h2>
${metricRows.length > 0 ? table(["metric", ...input.runs.map((r) => `run ${r.id}`)], metricRows) : "<p>No metrics recorded.</p>"}
${peaksSection(input.runs, input.curves)}
${fitsSection(input.fits)}
${metricFigures(input)}
<h2 class="configs">Configurations</h2>
${configs}
<h2>Environment</h2>
${table(["", ""], envRows)}
</body>
</html>
`;
}
