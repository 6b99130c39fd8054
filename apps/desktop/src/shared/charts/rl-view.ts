/**
 * The RL run view (`rl-study`, issue 13): gold, proxy and each member against sqrt(KL) with SE
 * bands, the stored fit d (a - b ln d) and its peak d* with the stored 95% interval; KL by estimator
 * (exact, k1, k2, k3) against the step; the training metrics as small multiples; the onset
 * detector's signals with the step each fired and the gold peak marked. The proxy slope and KL
 * growth are the detector's own finite differences (libs/objectives rl/onset.ts) of the stored
 * points, recomputed so they can be drawn; nothing is fitted here.
 */
import type { CurvePointDto } from "../dto.ts";
import { baseSeries, fitValue, observedPeak, seriesOf } from "./overoptimization.ts";
import {
  GOLD,
  MARK,
  PEAK,
  PROXY,
  type ResultView,
  type ViewFigure,
  type ViewOptions,
  type ViewRun,
  type ViewSection,
  columnPoints,
  firstStep,
  fitNote,
  metricsNamed,
  panel,
  peakLines,
  short,
  vline,
} from "./result-view-parts.ts";
import { type LegendEntry, type PanelLine, PALETTE } from "./svg.ts";

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

export function rlView(runs: readonly ViewRun[], o: ViewOptions): ResultView | null {
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
