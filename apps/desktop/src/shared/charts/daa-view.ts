/**
 * The direct alignment view (`daa`, issue 14): gold win rate and KL against training progress in
 * epochs; the win rate against sqrt(KL) frontier per loss with the study's stored family-level fit
 * of (win rate - 1/2) over every beta and seed; held-out chosen and rejected log-probs.
 */
import { fitValue } from "./overoptimization.ts";
import {
  PEAK,
  type ResultView,
  type ViewFigure,
  type ViewOptions,
  type ViewRun,
  type ViewSection,
  columnPoints,
  fitNote,
  panel,
  peakLines,
} from "./result-view-parts.ts";
import { type LegendEntry, type LegendSection, type PanelLine, PALETTE } from "./svg.ts";

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

export function daaView(runs: readonly ViewRun[], o: ViewOptions): ResultView | null {
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
