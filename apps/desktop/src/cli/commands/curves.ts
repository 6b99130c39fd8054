import type { CurvePoint, LabStore, Run } from "@goodhart/storage";
import { type CliCommand, UsageError } from "../command.ts";
import { withLabDoor } from "../lab-door.ts";
import { parseOptions } from "./import.ts";

/** Finds a run by numeric id or by exact name. */
export function findRun(store: LabStore, ref: string): Run {
  const byId = /^\d+$/.test(ref) ? store.runs.get(Number(ref)) : undefined;
  const run = byId ?? store.runs.list().find((r) => r.name === ref);
  if (!run) throw new UsageError(`no run '${ref}' in ${store.path} (see goodhart runs list)`);
  return run;
}

function csvCell(value: string | number | null): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const CSV_HEADER = ["run", "series", "x_kind", "x", "kl", "d", "kl_estimator", "kl_prompts", "proxy", "gold", "proxy_members"];

export const curvesCommand: CliCommand = {
  name: ["curves"],
  summary: "Print a run's curves (gold and proxy against KL) as CSV or JSON",
  usage: [
    "goodhart curves <run id|name> [--format csv|json] [--series name] [--db path]",
    "",
    "CSV columns: run, series, x_kind, x (n for best-of-n), kl (nats), d = sqrt(kl), kl_estimator,",
    "kl_prompts, proxy and gold (gains over the base policy), proxy_members (per-member scores, ';').",
    "JSON also holds the fitted scaling laws of each series.",
  ].join("\n"),
  async run(args, io) {
    const opts = parseOptions(args, { values: ["db", "format", "series"] });
    if (opts.positionals.length !== 1) throw new UsageError("give one run id or name (see goodhart runs list)");
    const format = opts.values.format ?? "csv";
    if (format !== "csv" && format !== "json") throw new UsageError(`--format must be csv or json, got '${format}'`);
    // Read-only, through the door's connection: the series' estimator and prompt counts and the
    // fits are printed as stored.
    return withLabDoor({ db: opts.values.db, holder: "goodhart curves", executes: false }, async (door) => {
      const store = door.store();
      const run = findRun(store, opts.positionals[0]!);
      let series = store.curves.series(run.id);
      if (opts.values.series !== undefined) {
        series = series.filter((s) => s.name === opts.values.series);
        if (series.length === 0)
          throw new UsageError(
            `run ${run.id} has no series '${opts.values.series}'; it has ${
              store.curves
                .series(run.id)
                .map((s) => s.name)
                .join(", ") || "none"
            }`,
          );
      }
      const points = new Map<string, CurvePoint[]>(series.map((s) => [s.name, store.curves.points(run.id, s.name)]));
      if (format === "json") {
        const fits = store.fits.forRun(run.id).filter((f) => points.has(f.series));
        io.out(
          JSON.stringify(
            {
              run: { id: run.id, name: run.name, status: run.status, seed: run.seed },
              series: series.map((s) => ({
                name: s.name,
                xKind: s.xKind,
                klEstimator: s.klEstimator,
                klPrompts: s.klPrompts,
                points: points.get(s.name)!.map((p) => ({
                  x: p.x,
                  kl: p.kl,
                  d: Math.sqrt(p.kl),
                  proxy: p.proxyScore,
                  gold: p.goldScore,
                  proxyMembers: p.proxyScores ?? null,
                })),
                fits: fits
                  .filter((f) => f.series === s.name)
                  .map((f) => ({
                    target: f.target,
                    form: f.form,
                    coefficients: f.coefficients,
                    standardErrors: f.standardErrors,
                    residual: f.residual,
                    nPoints: f.nPoints,
                  })),
              })),
            },
            null,
            2,
          ),
        );
      } else {
        const lines = [CSV_HEADER.join(",")];
        for (const s of series) {
          for (const p of points.get(s.name)!) {
            lines.push(
              [
                run.id,
                s.name,
                s.xKind,
                p.x,
                p.kl,
                Math.sqrt(p.kl),
                s.klEstimator,
                s.klPrompts,
                p.proxyScore,
                p.goldScore,
                p.proxyScores ? p.proxyScores.join(";") : null,
              ]
                .map(csvCell)
                .join(","),
            );
          }
        }
        io.out(lines.join("\n"));
      }
      return 0;
    });
  },
};
