/**
 * The constrained RLHF view (`constrained-rlhf`, issue 15; Moskovitz et al. 2024): gold against the
 * step per method, the learned multipliers over time, each component against its threshold, and
 * the gold surface with the proxy points marked. Read from the names the study stores
 * (docs/constrained-rlhf.md, "Stored series"): per run `constrained/<method>/s<seed>/gold`, `/kl`,
 * `/component/<name>`, `/threshold/<name>`, `/lambda/<name>`; on the study's components run the
 * result's `proxyPoints` (the fitted quadratic surface g(v) = c + b.v + v'Av, the joint point and
 * each component's own, with their bootstrap intervals). The surface is evaluated, never fitted.
 */
import {
  GOLD,
  MARK,
  PEAK,
  type ResultView,
  type ViewFigure,
  type ViewOptions,
  type ViewRun,
  type ViewSection,
  columnPoints,
  panel,
  short,
} from "./result-view-parts.ts";
import { type LegendEntry, type PanelLine, PALETTE } from "./svg.ts";

const CONSTRAINED_METRIC = /^constrained\/(.+?\/s-?\d+)\/(gold|kl|component|threshold|lambda)(?:\/([^/]+))?$/;

/** One run of the study (a sweep weighting or a method, at one seed) as its stored series. */
export interface ConstrainedRunSeries {
  /** `<method>/s<seed>`, e.g. `mu-ppo/s1`, `sweep-0.5-0.5/s1`. */
  key: string;
  method: string;
  gold: { x: number; y: number }[];
  kl: { x: number; y: number }[];
  /** By component name. */
  component: Map<string, { x: number; y: number }[]>;
  threshold: Map<string, { x: number; y: number }[]>;
  lambda: Map<string, { x: number; y: number }[]>;
}

interface Interval {
  estimate: number;
  low: number;
  high: number;
}

/** The stored proxy points (constrained/surface.ts ProxyPoints), as far as the view needs them. */
interface StoredProxyPoints {
  components: string[];
  surface: { c: number; b: number[]; a: number[][]; r2: number } | null;
  joint: (Interval | null)[] | null;
  individual: (Interval | null)[];
  bestObserved: { v: number[]; gold: number };
  range: [number, number][];
}

/** Every run's series, from the metric names (a study kept as one run holds them all). */
export function constrainedSeries(runs: readonly ViewRun[]): ConstrainedRunSeries[] {
  const by = new Map<string, ConstrainedRunSeries>();
  for (const run of runs)
    for (const m of run.metrics) {
      const match = CONSTRAINED_METRIC.exec(m.name);
      if (!match) continue;
      const [, key, what, name] = match as unknown as [string, string, string, string | undefined];
      let s = by.get(key);
      if (!s)
        by.set(
          key,
          (s = {
            key,
            method: key.slice(0, key.lastIndexOf("/")),
            gold: [],
            kl: [],
            component: new Map(),
            threshold: new Map(),
            lambda: new Map(),
          }),
        );
      const pts = columnPoints(m);
      if (what === "gold") s.gold = pts;
      else if (what === "kl") s.kl = pts;
      else if (name !== undefined) (what === "component" ? s.component : what === "threshold" ? s.threshold : s.lambda).set(name, pts);
    }
  return [...by.values()].sort((a, b) => Number(isSweep(b)) - Number(isSweep(a)) || a.key.localeCompare(b.key));
}

const isSweep = (s: { method: string }) => s.method.startsWith("sweep");

/** The study's stored proxy points: on the result of its components run (or of a run holding the whole study). */
function storedProxyPoints(runs: readonly ViewRun[]): StoredProxyPoints | null {
  for (const run of runs) {
    const pp = (run.result as { proxyPoints?: StoredProxyPoints | null } | null | undefined)?.proxyPoints;
    if (pp && Array.isArray(pp.components) && Array.isArray(pp.range)) return pp;
  }
  return null;
}

/** g(v) = c + b.v + v'Av of the stored surface. */
function surfaceAt(s: NonNullable<StoredProxyPoints["surface"]>, v: readonly number[]): number {
  let g = s.c;
  for (let i = 0; i < v.length; i++) {
    g += (s.b[i] ?? 0) * v[i]!;
    for (let j = 0; j < v.length; j++) g += (s.a[i]?.[j] ?? 0) * v[i]! * v[j]!;
  }
  return g;
}

export function constrainedView(runs: readonly ViewRun[], o: ViewOptions): ResultView | null {
  const series = constrainedSeries(runs);
  const pp = storedProxyPoints(runs);
  if (series.length === 0 && !pp) return null;
  const small = { width: o.width ?? 440, height: o.height ?? 270 };
  const methods = [...new Set(series.filter((s) => !isSweep(s)).map((s) => s.method))];
  const methodColor = (m: string) => PALETTE[Math.max(0, methods.indexOf(m)) % PALETTE.length]!;
  const names = pp?.components ?? [...new Set(series.flatMap((s) => [...s.component.keys()]))];
  const componentColor = (n: string) => PALETTE[Math.max(0, names.indexOf(n)) % PALETTE.length]!;
  const componentLegend = { title: "Components", entries: names.map((n) => ({ label: n, color: componentColor(n) })) };

  // Gold against the step, per method (the sweep's weightings thin and grey).
  const goldLines: PanelLine[] = series
    .filter((s) => s.gold.length)
    .map((s) => ({
      key: `${s.key}:gold`,
      label: `${s.key} gold`,
      color: isSweep(s) ? "#999999" : methodColor(s.method),
      style: isSweep(s) ? "dashed" : "solid",
      points: s.gold,
      thin: isSweep(s),
    }));
  const goldLegend: LegendEntry[] = methods.map((m) => ({ label: m, color: methodColor(m) }));
  if (series.some(isSweep)) goldLegend.push({ label: "fixed-weight sweep", color: "#999999", style: "dashed" });
  const gold: ViewFigure[] = goldLines.length
    ? [
        {
          key: "gold-by-method",
          spec: panel(
            "Gold against the step, per method",
            "step",
            "gold gain over step 0",
            goldLines,
            [{ title: "Runs", entries: goldLegend }],
            {
              width: o.width ?? 560,
              height: o.height ?? 300,
            },
          ),
          notes: [],
        },
      ]
    : [];

  const perRun = (what: "lambda" | "threshold", title: (key: string) => string, yLabel: string): ViewFigure[] =>
    series
      .filter((s) => s[what].size > 0)
      .map((s) => {
        const lines: PanelLine[] = [];
        const legend: LegendEntry[] = [];
        for (const n of names) {
          const own = s[what].get(n);
          if (what === "lambda" && own)
            lines.push({ key: `${s.key}:lambda:${n}`, label: `${s.key} λ ${n}`, color: componentColor(n), style: "solid", points: own });
          if (what === "threshold") {
            const value = s.component.get(n);
            if (value)
              lines.push({
                key: `${s.key}:component:${n}`,
                label: `${s.key} ${n}`,
                color: componentColor(n),
                style: "solid",
                points: value,
              });
            if (own)
              lines.push({
                key: `${s.key}:threshold:${n}`,
                label: `${s.key} θ ${n}`,
                color: componentColor(n),
                style: "dashed",
                points: own,
              });
          }
        }
        if (what === "threshold") legend.push({ label: "component value", style: "solid" }, { label: "threshold θ", style: "dashed" });
        return {
          key: `${s.key}:${what}`,
          spec: panel(title(s.key), "step", yLabel, lines, [componentLegend, { title: "Lines", entries: legend }], small),
          notes: [],
        };
      });

  const sections: ViewSection[] = [
    { key: "gold", title: "Gold against the step, per method", figures: gold, notes: gold.length ? [] : ["No evaluations stored yet."] },
    {
      key: "multipliers",
      title: "Lagrange multipliers over time",
      figures: perRun("lambda", (k) => `${k}: multipliers λ`, "λ"),
      notes: [
        "λ = sigmoid(φ) for inequality constraints (μ-PPO, All-PPO), tanh(φ) for equality (ξ-PPO, NM-PPO); dual descent on Σ λ_i (R_i − θ_i).",
      ],
    },
    {
      key: "thresholds",
      title: "Each component against its threshold",
      figures: perRun("threshold", (k) => `${k}: components and thresholds`, "normalised component value"),
      notes: [],
    },
    surfaceSection(pp, series, small),
  ];
  return { kind: "constrained-rlhf", sections, headline: gold };
}

/** The stored gold surface along each component (the others at the joint point) and, for two components, the sweep's path in component space; proxy points marked with their intervals. */
function surfaceSection(pp: StoredProxyPoints | null, series: readonly ConstrainedRunSeries[], size: ViewOptions): ViewSection {
  const section: ViewSection = { key: "surface", title: "The gold surface and the proxy points", figures: [], notes: [] };
  if (!pp) {
    section.notes.push("No proxy points stored yet (the study stores them after its fixed-weight sweep).");
    return section;
  }
  const joint = pp.joint && pp.joint.every((x) => x !== null) ? (pp.joint as Interval[]) : null;
  const anchor = joint ? joint.map((x) => x.estimate) : pp.bestObserved.v;
  section.notes.push(
    pp.surface
      ? `Stored quadratic surface g(v) = c + b·v + v′Av over the components' values (R² ${short(pp.surface.r2)}); each panel varies one component over the sweep's range with the others at the ${joint ? "joint proxy point" : "best observed point"}. Gold here is the policy's mean gold, not a gain.`
      : "No surface fitted (too few sweep evaluations); the proxy points below are each component's own.",
  );
  const interval = (ci: Interval | null) =>
    ci ? `${short(ci.estimate)} [${short(ci.low)}, ${short(ci.high)}]` : "none (gold does not peak along it)";
  pp.components.forEach((name, i) => {
    const [lo, hi] = pp.range[i] ?? [0, 1];
    const lines: PanelLine[] = [];
    const legend: LegendEntry[] = [];
    const y = (v: number) =>
      pp.surface
        ? surfaceAt(
            pp.surface,
            anchor.map((a, j) => (j === i ? v : a)),
          )
        : Number.NaN;
    if (pp.surface) {
      lines.push({
        key: `surface:${name}`,
        label: `gold surface along ${name}`,
        color: GOLD,
        style: "solid",
        points: Array.from({ length: 49 }, (_, k) => lo + ((hi - lo) * k) / 48).map((v) => ({ x: v, y: y(v) })),
      });
      legend.push({ label: "stored surface", color: GOLD, style: "solid" });
    }
    const mark = (ci: Interval | null, key: string, label: string, color: string) => {
      if (!ci || !pp.surface) return;
      const at = y(ci.estimate);
      lines.push({
        key: `${key}:${name}`,
        label: `${label} ${short(ci.estimate)}`,
        color,
        style: "solid",
        points: [{ x: ci.estimate, y: at }],
        markersOnly: true,
      });
      lines.push({
        key: `${key}-ci:${name}`,
        label: `${label} 95% interval`,
        color,
        style: "solid",
        points: [
          { x: Math.max(ci.low, lo - (hi - lo)), y: at },
          { x: Math.min(ci.high, hi + (hi - lo)), y: at },
        ],
      });
      legend.push({ label: `${label} (95% CI)`, color, marker: true });
    };
    mark(pp.individual[i] ?? null, "individual", "own point θ", MARK);
    mark(joint?.[i] ?? null, "joint", "joint point", PEAK);
    section.figures.push({
      key: `surface:${name}`,
      spec: panel(
        `Gold surface along ${name}`,
        `${name} (normalised RM value)`,
        "mean gold",
        lines,
        [{ title: "Lines", entries: legend }],
        size,
      ),
      notes: [`${name}: own proxy point ${interval(pp.individual[i] ?? null)}; joint ${interval(joint?.[i] ?? null)}.`],
    });
  });
  // Two components: the sweep's evaluations as paths in component space, the points marked.
  if (pp.components.length === 2) {
    const [a, b] = pp.components as [string, string];
    const lines: PanelLine[] = [];
    for (const s of series) {
      const xs = s.component.get(a);
      const ys = s.component.get(b);
      if (!xs || !ys) continue;
      const yAt = new Map(ys.map((p) => [p.x, p.y]));
      const pts = xs.flatMap((p) => (yAt.has(p.x) ? [{ x: p.y, y: yAt.get(p.x)! }] : []));
      lines.push({
        key: `path:${s.key}`,
        label: s.key,
        color: isSweep(s) ? "#999999" : "#333333",
        style: isSweep(s) ? "dashed" : "solid",
        points: pts,
        thin: true,
      });
    }
    const legend: LegendEntry[] = [
      { label: "sweep runs", color: "#999999", style: "dashed" },
      { label: "method runs", color: "#333333", style: "solid" },
    ];
    const cross = (ci: [Interval, Interval], key: string, label: string, color: string) => {
      lines.push({ key, label, color, style: "solid", points: [{ x: ci[0].estimate, y: ci[1].estimate }], markersOnly: true });
      lines.push({
        key: `${key}-ci-x`,
        label: `${label} interval (${a})`,
        color,
        style: "solid",
        points: [
          { x: ci[0].low, y: ci[1].estimate },
          { x: ci[0].high, y: ci[1].estimate },
        ],
      });
      lines.push({
        key: `${key}-ci-y`,
        label: `${label} interval (${b})`,
        color,
        style: "solid",
        points: [
          { x: ci[0].estimate, y: ci[1].low },
          { x: ci[0].estimate, y: ci[1].high },
        ],
      });
      legend.push({ label: `${label} (95% CI)`, color, marker: true });
    };
    if (joint) cross([joint[0]!, joint[1]!], "joint", "joint point", PEAK);
    const own = pp.individual;
    if (own[0] && own[1]) cross([own[0], own[1]], "individual", "own points θ", MARK);
    lines.push({
      key: "best",
      label: `best observed (gold ${short(pp.bestObserved.gold)})`,
      color: GOLD,
      style: "solid",
      points: [{ x: pp.bestObserved.v[0]!, y: pp.bestObserved.v[1]! }],
      markersOnly: true,
    });
    legend.push({ label: "best observed", color: GOLD, marker: true });
    section.figures.push({
      key: "surface:space",
      spec: panel(`Component space: ${a} × ${b}`, `${a}`, `${b}`, lines, [{ title: "Lines", entries: legend }], size),
      notes: [],
    });
  }
  return section;
}
