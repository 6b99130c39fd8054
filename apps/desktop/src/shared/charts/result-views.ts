/**
 * The result views of the science kinds, decided once for the Runs screen, Compare and the report:
 * - `rl-study` (issue 13): gold, proxy and each member against sqrt(KL) with SE bands, the stored
 *   fit d (a - b ln d) and its peak d* with the stored 95% interval; KL by estimator (exact, k1,
 *   k2, k3) against the step; the training metrics as small multiples; the onset detector's
 *   signals with the step each fired and the gold peak marked.
 * - `daa` (issue 14): gold win rate and KL against training progress in epochs; the win rate
 *   against sqrt(KL) frontier per loss with the study's stored family-level fit; held-out chosen
 *   and rejected log-probs.
 * Everything drawn is stored data: curve points, metric series and fits as the studies wrote them.
 * Nothing is fitted here; the onset panels' finite differences are the detector's own inputs
 * (libs/objectives rl/onset.ts), recomputed from the stored points so they can be drawn.
 */
import type { CurvePointDto, FitDto } from "../dto.ts";
import { baseSeries, fitValue, observedPeak, seriesOf } from "./overoptimization.ts";
import { type LegendEntry, type LegendSection, type LinePanelSpec, type LineStyle, type PanelLine, PALETTE } from "./svg.ts";

/** One metric of a run as columns (LabApi `runs.metrics`; the report's metric series). */
export interface MetricColumns {
  name: string;
  steps: ArrayLike<number>;
  values: ArrayLike<number | null>;
}

/** What a view reads of one stored run. */
export interface ViewRun {
  runId: number;
  label: string;
  points: readonly CurvePointDto[];
  metrics: readonly MetricColumns[];
  fits: readonly FitDto[];
}

export interface ViewFigure {
  key: string;
  spec: LinePanelSpec;
  /** Sentences under the figure: the stored numbers it marks (d*, firing steps, ...). */
  notes: string[];
}

export interface ViewSection {
  key: string;
  title: string;
  figures: ViewFigure[];
  /** Said once for the section, e.g. what is not stored for this run. */
  notes: string[];
}

export interface ResultView {
  kind: string;
  sections: ViewSection[];
  /** The figures a reader should see first (Compare and the report show these). */
  headline: ViewFigure[];
}

export interface ViewOptions {
  width?: number;
  height?: number;
}

/** The kinds that have a result view. */
export const RESULT_VIEW_KINDS: readonly string[] = ["rl-study", "daa"];

/** The result view of `kind` over `runs`, or null when the kind has none (or the runs hold nothing it draws). */
export function resultView(kind: string | null | undefined, runs: readonly ViewRun[], options: ViewOptions = {}): ResultView | null {
  if (kind === "rl-study") return rlView(runs, options);
  if (kind === "daa") return daaView(runs, options);
  return null;
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

const GOLD = PALETTE[0]!;
const PROXY = PALETTE[1]!;
const MARK = "#C00000";
const PEAK = "#555555";

/** "0.83", "1.2e-4": 3 significant digits. */
export function short(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  if (!Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(3)));
}

/** The metric whose name is `name` or ends in `/name` (studies prefix names with their run). */
function metricsNamed(run: ViewRun, name: string): MetricColumns[] {
  return run.metrics.filter((m) => m.name === name || m.name.endsWith(`/${name}`));
}

function columnPoints(m: MetricColumns): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < m.steps.length; i++) {
    const y = m.values[i];
    if (typeof y === "number" && Number.isFinite(y)) out.push({ x: m.steps[i]!, y });
  }
  return out;
}

/** The first step a metric was recorded at (e.g. an onset signal's firing), or null. */
function firstStep(run: ViewRun, name: string): { step: number; value: number } | null {
  const m = metricsNamed(run, name)[0];
  const p = m ? columnPoints(m)[0] : undefined;
  return p ? { step: p.x, value: p.y } : null;
}

/** A vertical line at x spanning the y range of `lines` (a step marker). */
function vline(lines: readonly PanelLine[], x: number, key: string, label: string, color: string, style: LineStyle): PanelLine | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of lines)
    for (const p of l.points) {
      if (!Number.isFinite(p.y)) continue;
      lo = Math.min(lo, p.y);
      hi = Math.max(hi, p.y);
    }
  if (!Number.isFinite(lo)) return null;
  if (hi === lo) [lo, hi] = [lo - 0.5, hi + 0.5];
  return {
    key,
    label,
    color,
    style,
    points: [
      { x, y: lo },
      { x, y: hi },
    ],
  };
}

function panel(title: string, xLabel: string, yLabel: string, lines: PanelLine[], legend: LegendSection[], o: ViewOptions): LinePanelSpec {
  return {
    title,
    xLabel,
    yLabel,
    lines,
    legend: legend.filter((s) => s.entries.length > 0),
    width: o.width ?? 520,
    height: o.height ?? 300,
  };
}

/** The stored fit's peak: a marker at (d*, fitted peak value) and its 95% interval as a segment. */
function peakLines(fit: FitDto, key: string, color: string, offset: number, maxD: number): { lines: PanelLine[]; legend: LegendEntry[] } {
  const d = fit.coefficients.peakD;
  if (d === undefined || !(d > 0) || d > 3 * maxD) return { lines: [], legend: [] };
  const y = (fit.coefficients.peakValue ?? fitValue(fit, d)) + offset;
  const lines: PanelLine[] = [
    { key: `${key}:peak`, label: `fitted peak d* = ${short(d)}`, color, style: "solid", points: [{ x: d, y }], markersOnly: true },
  ];
  const ci = fit.intervals?.peakD;
  if (ci && Number.isFinite(ci.low) && Number.isFinite(ci.high))
    lines.push({
      key: `${key}:peak-ci`,
      label: `d* ${Math.round(ci.level * 100)}% interval [${short(ci.low)}, ${short(ci.high)}]`,
      color,
      style: "solid",
      points: [
        { x: ci.low, y },
        // An interval reaching far past the data would squash the plot: cut at the larger of the
        // data's range and d* (the note under the figure gives the whole interval).
        { x: Math.min(ci.high, Math.max(maxD, d) * 1.1), y },
      ],
    });
  return { lines, legend: [{ label: ci ? "fitted peak d* (95% CI)" : "fitted peak d*", marker: true, color }] };
}

/** "d (a − b ln d): a = 0.5 ± 0.1, b = ...; d* = 1.2 [0.9, 1.6]" for a stored fit. */
function fitNote(fit: FitDto, what: string): string {
  const se = (k: string) => (fit.standardErrors?.[k] !== undefined ? ` ± ${short(fit.standardErrors[k])}` : "");
  const ci = fit.intervals?.peakD;
  const peak =
    fit.coefficients.peakD !== undefined
      ? `; peak d* = e^(a/b − 1) = ${short(fit.coefficients.peakD)}${ci ? ` [${short(ci.low)}, ${short(ci.high)}] (${Math.round(ci.level * 100)}% bootstrap over ${ci.resampled})` : ""}${fit.coefficients.peakValue !== undefined ? `, fitted ${what} there ${short(fit.coefficients.peakValue)}` : ""}`
      : "; no peak (b ≤ 0)";
  return `Stored fit of ${what}, d (a − b ln d): a = ${short(fit.coefficients.a)}${se("a")}, b = ${short(fit.coefficients.b)}${se("b")}${peak}.`;
}

// ---------------------------------------------------------------------------------------------
// RL (rl-study)

/** The training metrics' small multiples: title and the metric names drawn together. */
const RL_TRAINING: readonly { title: string; names: readonly string[]; unit: string }[] = [
  { title: "Loss terms", names: ["train.loss", "train.policy_loss", "train.value_loss"], unit: "loss" },
  { title: "Clip fraction", names: ["train.clip_fraction", "train.value_clip_fraction"], unit: "fraction" },
  { title: "Entropy", names: ["train.entropy", "eval.entropy"], unit: "nats" },
  { title: "KL coefficient", names: ["train.kl_coef"], unit: "1/nats" },
  { title: "Value error (MSE to returns)", names: ["train.value_error"], unit: "squared reward" },
  { title: "Optimized reward (rollouts)", names: ["train.reward"], unit: "reward" },
];

const ONSET_LABELS: Record<string, { title: string; unit: string; rule: string }> = {
  disagreement: { title: "Member disagreement", unit: "mean member std", rule: "fires above 1.5× its step-0 value" },
  "proxy-slope": { title: "Proxy slope against √KL", unit: "d proxy / d √KL", rule: "fires below half the first interval's" },
  "kl-growth": { title: "KL growth per step", unit: "nats / step", rule: "fires above 2× the mean of the earlier intervals" },
  "value-error": { title: "Value error", unit: "MSE to returns", rule: "fires above 2× its first value" },
};

function rlView(runs: readonly ViewRun[], o: ViewOptions): ResultView | null {
  if (!runs.some((r) => r.points.length > 0 || r.metrics.length > 0)) return null;
  const many = runs.length > 1;
  const prefix = (run: ViewRun) => (many ? `${run.label} ` : "");
  const goldProxy: ViewFigure[] = [];
  const kl: ViewFigure[] = [];
  const training: ViewFigure[] = [];
  const onset: ViewFigure[] = [];
  for (const run of runs) {
    const series = seriesOf(run.points);
    for (const s of series) goldProxy.push(rlGoldProxy(run, s.series, s.points, `${prefix(run)}${s.series}`, o));
    for (const s of series) {
      const f = rlKl(run, s.series, s.points, `${prefix(run)}${s.series}`, o);
      if (f) kl.push(f);
    }
    for (const group of RL_TRAINING) {
      const lines: PanelLine[] = [];
      group.names.forEach((name, i) => {
        for (const m of metricsNamed(run, name)) {
          const pts = columnPoints(m);
          if (pts.length)
            lines.push({ key: `${run.runId}:${m.name}`, label: m.name, color: PALETTE[i % PALETTE.length]!, style: "solid", points: pts });
        }
      });
      if (lines.length === 0) continue;
      const legend = [{ title: "Metrics", entries: lines.map((l) => ({ label: baseSeries(l.label), color: l.color })) }];
      training.push({
        key: `${run.runId}:training:${group.title}`,
        spec: panel(`${prefix(run)}${group.title}`, "step", group.unit, lines, legend, { width: o.width ?? 400, height: o.height ?? 240 }),
        notes: [],
      });
    }
    onset.push(...rlOnset(run, series[0]?.points ?? [], prefix(run), o));
  }
  const sections: ViewSection[] = [
    {
      key: "gold-proxy",
      title: "Gold, proxy and members against √KL",
      figures: goldProxy,
      notes: goldProxy.length ? [] : ["No evaluation points stored yet."],
    },
    {
      key: "kl",
      title: "KL(π ‖ π_init) by estimator against the step",
      figures: kl,
      notes: kl.length ? [] : ["No KL estimates stored yet."],
    },
    { key: "training", title: "Training metrics", figures: training, notes: training.length ? [] : ["No training metrics stored yet."] },
    {
      key: "onset",
      title: "Onset detector: signals computable without gold",
      figures: onset,
      notes: [
        "Each signal against the step, with the step it fired (red, dashed) and the observed gold peak (grey) for comparison. A firing in a run whose final gold is not 2 paired SEs below its peak is a false alarm.",
      ],
    },
  ];
  return { kind: "rl-study", sections, headline: goldProxy };
}

function rlGoldProxy(run: ViewRun, series: string, points: readonly CurvePointDto[], title: string, o: ViewOptions): ViewFigure {
  const byStep = [...points].sort((a, b) => a.x - b.x);
  const d = (p: CurvePointDto) => Math.sqrt(Math.max(0, p.kl));
  const lines: PanelLine[] = [];
  const gold = byStep.filter((p) => p.goldScore !== null).map((p) => ({ x: d(p), y: p.goldScore!, se: p.goldSe }));
  const proxy = byStep.filter((p) => p.proxyScore !== null).map((p) => ({ x: d(p), y: p.proxyScore!, se: p.proxySe }));
  const key = `${run.runId}:${series}`;
  if (gold.length) lines.push({ key: `${key}:gold`, label: `${title} gold`, color: GOLD, style: "solid", points: gold, band: true });
  if (proxy.length && series !== "gold")
    lines.push({ key: `${key}:proxy`, label: `${title} proxy`, color: PROXY, style: "dashed", points: proxy, band: true });
  const members = Math.max(0, ...byStep.map((p) => p.proxyScores?.length ?? 0));
  const memberEntries: LegendEntry[] = [];
  for (let m = 0; m < members; m++) {
    const pts = byStep.flatMap((p) => {
      const v = p.proxyScores?.[m];
      return typeof v === "number" ? [{ x: d(p), y: v }] : [];
    });
    const color = PALETTE[(2 + m) % PALETTE.length]!;
    lines.push({ key: `${key}:member:${m}`, label: `${title} member ${m}`, color, style: "dashed", points: pts, thin: true });
    memberEntries.push({ label: `member ${m}`, color, style: "dashed" });
  }
  const notes: string[] = [];
  const legend: LegendEntry[] = [];
  if (gold.length) legend.push({ label: "gold", color: GOLD, style: "solid" });
  if (series !== "gold" && proxy.length)
    legend.push({ label: series === "gold" ? "gold (optimized)" : `proxy (${series})`, color: PROXY, style: "dashed" });
  legend.push(...memberEntries);
  const maxD = Math.max(0, ...byStep.map(d));
  const fit = run.fits.find((f) => f.series === series && f.target === "gold");
  if (fit && maxD > 0) {
    lines.push({
      key: `${key}:fit`,
      label: `${title} stored fit (${fit.form})`,
      color: GOLD,
      style: "dotted",
      points: Array.from({ length: 49 }, (_, k) => (maxD * k) / 48).map((x) => ({ x, y: fitValue(fit, x) })),
    });
    legend.push({ label: "fit d (a − b ln d)", color: GOLD, style: "dotted" });
    const peak = peakLines(fit, key, GOLD, 0, maxD);
    lines.push(...peak.lines);
    legend.push(...peak.legend);
    notes.push(fitNote(fit, "gold"));
    if (fit.coefficients.peakD !== undefined && fit.coefficients.peakD > 3 * maxD)
      notes.push(`The fitted peak lies beyond 3× the largest √KL reached (${short(maxD)}): not drawn.`);
  } else notes.push(gold.length < 3 ? "Too few evaluations for a fit yet." : "No fit stored for this series.");
  const observed = observedPeak(points);
  if (observed) notes.push(`Observed gold peak ${short(observed.goldScore)} at step ${observed.x} (√KL ${short(d(observed))}).`);
  if (gold.some((p) => typeof p.se === "number")) legend.push({ label: "± 1 SE band (prompts)", color: "#bbb", style: "solid" });
  return {
    key: `${key}:gold-proxy`,
    spec: panel(
      `${title}: gold and proxy against √KL`,
      "√KL (nats^½)",
      "gain over step 0",
      lines,
      [{ title: "Lines", entries: legend }],
      o,
    ),
    notes,
  };
}

function rlKl(run: ViewRun, series: string, points: readonly CurvePointDto[], title: string, o: ViewOptions): ViewFigure | null {
  const byStep = [...points].sort((a, b) => a.x - b.x);
  if (byStep.length === 0) return null;
  const estimators = new Map<string, { x: number; y: number; se?: number | null }[]>();
  const add = (name: string, x: number, y: number, se?: number | null) => {
    let list = estimators.get(name);
    if (!list) estimators.set(name, (list = []));
    list.push({ x, y, se });
  };
  for (const p of byStep) {
    add(p.klEstimator, p.x, p.kl);
    for (const e of p.klEstimates ?? []) add(e.estimator, p.x, e.kl, e.se);
  }
  const lines: PanelLine[] = [...estimators].map(([name, pts], i) => ({
    key: `${run.runId}:${series}:kl:${name}`,
    label: `${title} KL (${name})`,
    color: PALETTE[i % PALETTE.length]!,
    style: i === 0 ? "solid" : "dashed",
    points: pts,
    band: pts.some((p) => typeof p.se === "number"),
  }));
  const legend = [
    {
      title: "Estimator",
      entries: lines.map((l, i) => ({
        label: [...estimators.keys()][i]!.startsWith("exact") ? "exact (per token)" : [...estimators.keys()][i]!,
        color: l.color,
        style: l.style,
      })),
    },
  ];
  return {
    key: `${run.runId}:${series}:kl`,
    spec: panel(`${title}: KL by estimator`, "step", "KL (nats)", lines, legend, o),
    notes: [],
  };
}

function rlOnset(run: ViewRun, points: readonly CurvePointDto[], prefix: string, o: ViewOptions): ViewFigure[] {
  const byStep = [...points].sort((a, b) => a.x - b.x);
  const diffs = (f: (a: CurvePointDto, b: CurvePointDto) => number) =>
    byStep.slice(1).flatMap((b, i) => {
      const y = f(byStep[i]!, b);
      return Number.isFinite(y) ? [{ x: b.x, y }] : [];
    });
  const d = (p: CurvePointDto) => Math.sqrt(Math.max(0, p.kl));
  const inputs: Record<string, { x: number; y: number }[]> = {
    disagreement: metricsNamed(run, "eval.disagreement").flatMap(columnPoints),
    "proxy-slope": diffs((a, b) =>
      a.proxyScore === null || b.proxyScore === null || d(a) === d(b) ? NaN : (b.proxyScore - a.proxyScore) / (d(b) - d(a)),
    ),
    "kl-growth": diffs((a, b) => (b.kl - a.kl) / Math.max(1, b.x - a.x)),
    "value-error": metricsNamed(run, "train.value_error").flatMap(columnPoints),
  };
  const peak = observedPeak(points);
  const figures: ViewFigure[] = [];
  for (const [signal, pts] of Object.entries(inputs)) {
    const label = ONSET_LABELS[signal]!;
    const fired = firstStep(run, `onset.${signal}.fired`);
    if (pts.length === 0 && !fired) continue;
    const lines: PanelLine[] = [{ key: `${run.runId}:onset:${signal}`, label: label.title, color: GOLD, style: "solid", points: pts }];
    const legend: LegendEntry[] = [{ label: "signal", color: GOLD, style: "solid" }];
    const notes: string[] = [`Rule: ${label.rule}.`];
    const marks: PanelLine[] = [];
    if (fired) {
      const v = vline(lines, fired.step, `${run.runId}:onset:${signal}:fired`, `fired at step ${fired.step}`, MARK, "dashed");
      if (v) marks.push(v);
      legend.push({ label: `fired (step ${fired.step})`, color: MARK, style: "dashed" });
      const lead = firstStep(run, `onset.${signal}.lead_steps`);
      const alarm = firstStep(run, `onset.${signal}.false_alarm`);
      notes.push(
        `Fired at step ${fired.step}${lead ? `: ${lead.value >= 0 ? `${lead.value} steps before` : `${-lead.value} steps after`} the gold peak` : ""}${alarm?.value === 1 ? "; a false alarm (this run did not overoptimize)" : ""}.`,
      );
    } else notes.push("Did not fire.");
    if (peak) {
      const v = vline(lines, peak.x, `${run.runId}:onset:${signal}:peak`, `gold peak at step ${peak.x}`, PEAK, "solid");
      if (v) marks.push(v);
      legend.push({ label: `gold peak (step ${peak.x})`, color: PEAK, style: "solid" });
    }
    figures.push({
      key: `${run.runId}:onset:${signal}`,
      spec: panel(`${prefix}${label.title}`, "step", label.unit, [...lines, ...marks], [{ title: "Lines", entries: legend }], {
        width: o.width ?? 400,
        height: o.height ?? 240,
      }),
      notes,
    });
  }
  return figures;
}

// ---------------------------------------------------------------------------------------------
// Direct alignment (daa)

interface DaaCheckpoint {
  step: number;
  epochs: number | null;
  winRate: number | null;
  kl: number | null;
  chosen: number | null;
  rejected: number | null;
}

interface DaaRunCurves {
  series: string;
  loss: string;
  beta: number;
  seed: string;
  checkpoints: DaaCheckpoint[];
}

const DAA_EVAL = /^(?:(.+)\/seed=(-?\d+)\/)?eval\.(epoch_fraction|win_rate|kl|chosen_logp|rejected_logp)$/;

/**
 * The runs' evaluations, one entry per (loss and beta, seed). A run of one grid point names its
 * metrics `eval.win_rate` and its curve series `dpo:beta=0.1`; a run holding a whole study prefixes
 * each metric with its point (`dpo:beta=0.1/seed=1/eval.win_rate`).
 */
export function daaCurves(runs: readonly ViewRun[]): DaaRunCurves[] {
  const by = new Map<string, DaaRunCurves & { at: Map<number, DaaCheckpoint> }>();
  for (const run of runs) {
    const ownSeries = run.points.find((p) => p.series.includes(":beta="))?.series ?? null;
    for (const m of run.metrics) {
      const match = DAA_EVAL.exec(m.name);
      if (!match) continue;
      const [, prefixed, prefixSeed, what] = match as unknown as [string, string | undefined, string | undefined, string];
      const series = prefixed ?? ownSeries;
      if (series === null) continue;
      const seed = prefixSeed !== undefined ? `seed ${prefixSeed}` : `run #${run.runId}`;
      const key = `${series}/${seed}`;
      let c = by.get(key);
      if (!c) {
        const cut = series.lastIndexOf(":beta=");
        by.set(
          key,
          (c = {
            series,
            loss: cut < 0 ? series : series.slice(0, cut),
            beta: cut < 0 ? Number.NaN : Number(series.slice(cut + 6)),
            seed,
            checkpoints: [],
            at: new Map(),
          }),
        );
      }
      for (const p of columnPoints(m)) {
        let cp = c.at.get(p.x);
        if (!cp) c.at.set(p.x, (cp = { step: p.x, epochs: null, winRate: null, kl: null, chosen: null, rejected: null }));
        if (what === "epoch_fraction") cp.epochs = p.y;
        else if (what === "win_rate") cp.winRate = p.y;
        else if (what === "kl") cp.kl = p.y;
        else if (what === "chosen_logp") cp.chosen = p.y;
        else cp.rejected = p.y;
      }
    }
  }
  return [...by.values()]
    .map(({ at, ...c }) => ({ ...c, checkpoints: [...at.values()].sort((a, b) => a.step - b.step) }))
    .sort((a, b) => a.loss.localeCompare(b.loss) || a.beta - b.beta || a.seed.localeCompare(b.seed));
}

function daaView(runs: readonly ViewRun[], o: ViewOptions): ResultView | null {
  const curves = daaCurves(runs);
  if (curves.length === 0) return null;
  const betas = [...new Set(curves.map((c) => c.beta))].sort((a, b) => a - b);
  const colorOf = (beta: number) => PALETTE[Math.max(0, betas.indexOf(beta)) % PALETTE.length]!;
  const betaLegend: LegendSection = { title: "β", entries: betas.map((b) => ({ label: `β = ${b}`, color: colorOf(b) })) };
  const losses = [...new Set(curves.map((c) => c.loss))];
  const fits = runs.flatMap((r) => r.fits);
  // Runs of the same loss and beta (seeds) draw one line each.
  const perCell = Math.max(...curves.map((c) => curves.filter((x) => x.loss === c.loss && x.beta === c.beta).length));
  const seedsNote = perCell > 1 ? `; one line per seed (${perCell} per β)` : "";
  const small = { width: o.width ?? 440, height: o.height ?? 270 };

  const byProgress = (y: (cp: DaaCheckpoint) => number | null, what: string, unit: string, half: boolean) =>
    losses.map((loss): ViewFigure => {
      const lines: PanelLine[] = curves
        .filter((c) => c.loss === loss)
        .map((c) => ({
          key: `${c.series}/${c.seed}:${what}`,
          label: `${c.series} ${c.seed}`,
          color: colorOf(c.beta),
          style: "solid" as const,
          points: c.checkpoints.flatMap((cp) => (cp.epochs !== null && y(cp) !== null ? [{ x: cp.epochs, y: y(cp)! }] : [])),
        }));
      const legend: LegendSection[] = [betaLegend];
      if (half) {
        const xs = lines.flatMap((l) => l.points.map((p) => p.x));
        if (xs.length) {
          lines.push({
            key: `${loss}:${what}:half`,
            label: "the reference (½)",
            color: PEAK,
            style: "dotted",
            points: [
              { x: Math.min(...xs), y: 0.5 },
              { x: Math.max(...xs), y: 0.5 },
            ],
          });
          legend.push({ title: "Lines", entries: [{ label: "reference: ½", color: PEAK, style: "dotted" }] });
        }
      }
      return {
        key: `${loss}:${what}`,
        spec: panel(`${loss.toUpperCase()}: ${what}`, "training progress (epochs)", unit, lines, legend, small),
        notes: [],
      };
    });

  const frontier = losses.map((loss): ViewFigure => {
    const lines: PanelLine[] = [];
    let maxD = 0;
    for (const beta of betas) {
      const pts = curves
        .filter((c) => c.loss === loss && c.beta === beta)
        .flatMap((c) => c.checkpoints.filter((cp) => cp.step > 0 && cp.kl !== null && cp.winRate !== null))
        .map((cp) => ({ x: Math.sqrt(Math.max(0, cp.kl!)), y: cp.winRate! }));
      if (pts.length === 0) continue;
      maxD = Math.max(maxD, ...pts.map((p) => p.x));
      lines.push({
        key: `${loss}:frontier:${beta}`,
        label: `${loss} β = ${beta}`,
        color: colorOf(beta),
        style: "solid",
        points: pts,
        markersOnly: true,
      });
    }
    const notes: string[] = [];
    const legend: LegendEntry[] = [];
    // The study stores the family-level fit of (win rate − ½) on its frontier run, series "<loss>:win-rate".
    const fit = fits.find((f) => f.series === `${loss}:win-rate`);
    if (fit && maxD > 0) {
      lines.push({
        key: `${loss}:frontier:fit`,
        label: `${loss} stored fit: ½ + d (a − b ln d)`,
        color: "#000000",
        style: "dotted",
        points: Array.from({ length: 49 }, (_, k) => (maxD * k) / 48).map((x) => ({ x, y: 0.5 + fitValue(fit, x) })),
      });
      legend.push({ label: "fit ½ + d (a − b ln d)", color: "#000000", style: "dotted" });
      const peak = peakLines(fit, `${loss}:frontier`, "#000000", 0.5, maxD);
      lines.push(...peak.lines);
      legend.push(...peak.legend);
      notes.push(fitNote(fit, "win rate − ½").replace("d (a − b ln d)", "over every β and seed, d (a − b ln d)"));
    } else notes.push("No family-level fit stored for this loss (it is stored on the study's frontier run once every β has finished).");
    const goldFit = fits.find((f) => f.series === loss && f.target === "gold");
    if (goldFit) notes.push(fitNote(goldFit, "gold gain"));
    return {
      key: `${loss}:frontier`,
      spec: panel(
        `${loss.toUpperCase()}: gold win rate against √KL`,
        "√KL(π ‖ π_ref) (nats^½)",
        "gold win rate",
        lines,
        [betaLegend, { title: "Lines", entries: legend }],
        small,
      ),
      notes,
    };
  });

  const logps = losses.map((loss): ViewFigure => {
    const lines: PanelLine[] = [];
    for (const c of curves.filter((x) => x.loss === loss))
      for (const [what, style] of [
        ["chosen", "solid"],
        ["rejected", "dashed"],
      ] as const)
        lines.push({
          key: `${c.series}/${c.seed}:${what}`,
          label: `${c.series} ${c.seed} ${what}`,
          color: colorOf(c.beta),
          style,
          points: c.checkpoints.flatMap((cp) => (cp.epochs !== null && cp[what] !== null ? [{ x: cp.epochs, y: cp[what]! }] : [])),
        });
    const legend = [
      betaLegend,
      {
        title: "Lines",
        entries: [
          { label: "chosen", style: "solid" as const },
          { label: "rejected", style: "dashed" as const },
        ],
      },
    ];
    return {
      key: `${loss}:logps`,
      spec: panel(`${loss.toUpperCase()}: held-out log-probs`, "training progress (epochs)", "log-prob (nats)", lines, legend, small),
      notes: [],
    };
  });

  const sections: ViewSection[] = [
    { key: "frontier", title: "Gold win rate against √KL, per loss (every checkpoint after step 0)", figures: frontier, notes: [] },
    {
      key: "win-rate",
      title: "Gold win rate against training progress",
      figures: byProgress((cp) => cp.winRate, "win rate", "gold win rate", true),
      notes: [`Policy samples against the reference's, same seeds; colour by β${seedsNote}.`],
    },
    {
      key: "kl",
      title: "KL(π ‖ π_ref) against training progress",
      figures: byProgress((cp) => cp.kl, "KL", "KL, exact per token (nats)", false),
      notes: [],
    },
    { key: "logps", title: "Held-out chosen and rejected log-probs", figures: logps, notes: [] },
  ];
  return { kind: "daa", sections, headline: frontier };
}
