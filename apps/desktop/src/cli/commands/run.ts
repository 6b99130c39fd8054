import { readFileSync } from "node:fs";
import path from "node:path";
import { createRuntime } from "@goodhart/engine";
import {
  ConfigError, parseBonStudyText, runBonStudy, sweep, type BonStudyConfig, type BonStudyOptions, type BonStudyResult, type ExperimentProgress,
} from "@goodhart/objectives";
import { defaultDatabasePath, openDatabase } from "@goodhart/storage";
import { parse as parseYaml } from "yaml";
import { type CliCommand, type CliIo, UsageError } from "../command.ts";
import { createStorageSink } from "../storage-sink.ts";
import { parseOptions } from "./import.ts";

/** Where cached artefacts go: --cache, else GOODHART_CACHE, else a `cache` folder beside the database. */
export function cacheFolder(option: string | undefined, dbPath: string): string {
  return option ?? process.env.GOODHART_CACHE ?? path.join(path.dirname(path.resolve(dbPath)), "cache");
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** One progress line: `[ 42%] rm-training  medium member 3/5  elapsed 1:02  ETA 1:25`. */
export function progressLine(p: ExperimentProgress): string {
  const phase = p.phase.split(":")[0]!;
  const eta = p.etaS === null ? "ETA --:--" : `ETA ${clock(p.etaS)}`;
  return `[${String(Math.round(100 * p.fraction)).padStart(3)}%] ${phase.padEnd(11)} ${p.done}/${p.total}${p.message ? `  ${p.message}` : ""}  elapsed ${clock(p.elapsedS)}  ${eta}`;
}

function fmt(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(digits);
}

/**
 * The summary table: per run and proxy objective, the validation accuracy against gold labels, the
 * peak of the measured gold curve (gain over the base policy) with its d and n, gold at the
 * largest n, and the fitted peak d* = a / (2b). Ensembles list their aggregations and member 0
 * alone (the single-RM baseline).
 */
export function summaryTable(result: BonStudyResult): string {
  const rows: string[][] = [["proxy", "data", "noise", "objective", "val acc", "peak gold", "d@peak", "n@peak", "gold@maxN", "maxN", "fit d*"]];
  for (const run of result.runs) {
    const shown = run.series.filter((s) => s.series.startsWith("proxy:") || s.series === "member:0");
    for (const s of shown) {
      rows.push([
        run.proxy,
        String(run.trainingSize),
        String(run.labelNoise),
        s.series === "member:0" ? "single (member 0)" : s.series.slice("proxy:".length),
        fmt(s.validationAccuracy),
        fmt(s.peakGold),
        fmt(s.peakD, 2),
        String(s.peakN),
        fmt(s.goldAtMaxN),
        String(s.maxN),
        fmt(s.fit?.peakD, 2),
      ]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c < 4 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ")).join("\n");
}

export interface StudyRunOptions {
  db?: string;
  cache?: string;
  threads?: number;
  /** Seconds between progress lines. Default 2. */
  progressEveryS?: number;
  studyOptions?: BonStudyOptions;
  /** Sweep grid over other fields of the study (field path -> values). */
  grid?: Record<string, unknown[]>;
}

export interface StudyRunOutcome {
  result: BonStudyResult;
  dbPath: string;
  cacheDir: string;
  experimentId: number;
  runIds: number[];
  wallS: number;
}

/**
 * Runs a study with the results written to the lab database, printing progress to stderr. Ctrl-C
 * cancels cooperatively: the current run is marked cancelled and the command exits.
 */
export async function runStudy(study: BonStudyConfig, io: CliIo, options: StudyRunOptions = {}): Promise<StudyRunOutcome> {
  const dbPath = options.db ?? defaultDatabasePath();
  const cacheDir = cacheFolder(options.cache, dbPath);
  const store = openDatabase(dbPath);
  const controller = new AbortController();
  const onSigint = () => {
    io.err("cancelling (the current run will be marked cancelled)...");
    controller.abort();
  };
  process.once("SIGINT", onSigint);
  const runtime = await createRuntime({ device: "cpu", ...(options.threads ? { threads: options.threads } : {}) });
  const t0 = performance.now();
  let lastLine = 0;
  try {
    const sink = createStorageSink(store, {
      experiment: { name: study.name, kind: "bon-study", config: study as unknown as Record<string, unknown> },
      ...(options.grid ? { sweep: { name: `${study.name} sweep`, grid: options.grid } } : {}),
      device: runtime.device,
      onProgress: (p) => {
        const now = performance.now();
        if (now - lastLine < (options.progressEveryS ?? 2) * 1000 && p.fraction < 1) return;
        lastLine = now;
        io.err(progressLine(p));
      },
      onLog: (message) => io.err(message),
    });
    const result = await runBonStudy(options.grid ? { study, grid: options.grid } : study, { runtime, seed: 0, sink, signal: controller.signal, cacheDir }, options.studyOptions);
    return { result, dbPath, cacheDir, experimentId: sink.experimentId, runIds: sink.runs.map((r) => r.id), wallS: (performance.now() - t0) / 1000 };
  } finally {
    process.removeListener("SIGINT", onSigint);
    await runtime.release();
    store.close();
  }
}

/** What the user reads at the end: the table, where the results are, and how to get the curves. */
export function printOutcome(outcome: StudyRunOutcome, io: CliIo): void {
  const { result } = outcome;
  io.out(summaryTable(result));
  io.out("");
  io.out(`Gold and proxy are gains over the base policy (mean gold ${result.baseGold.toFixed(3)}), against d = sqrt(KL_bon(n)).`);
  io.out(`Base policy: ${result.basePolicy.cached ? "loaded from cache" : "pretrained and cached"} in ${result.basePolicy.path}`);
  io.out(`Results: ${outcome.runIds.length} runs (ids ${outcome.runIds.join(", ")}) in ${outcome.dbPath}, wall time ${outcome.wallS.toFixed(1)} s`);
  io.out(`Curves: goodhart curves ${outcome.runIds[0]} --format csv${outcome.dbPath === defaultDatabasePath() ? "" : ` --db ${outcome.dbPath}`}`);
}

/** `--sweep path=[v1, v2]` options (values as JSON or YAML flow lists) -> a sweep grid. */
export function parseSweep(options: readonly string[]): Record<string, unknown[]> | undefined {
  if (options.length === 0) return undefined;
  const grid: Record<string, unknown[]> = {};
  for (const option of options) {
    const eq = option.indexOf("=");
    if (eq <= 0) throw new UsageError(`--sweep expects field=[values], e.g. --sweep 'bon.poolSize=[64,256]'; got '${option}'`);
    let values: unknown;
    try {
      values = parseYaml(option.slice(eq + 1));
    } catch {
      values = undefined;
    }
    if (!Array.isArray(values) || values.length === 0) throw new UsageError(`--sweep ${option.slice(0, eq)}: expected a non-empty list like [64, 256]`);
    grid[option.slice(0, eq)] = values;
  }
  return grid;
}

export function parseThreads(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--threads must be a positive integer, got '${text}'`);
  return n;
}

export const runCommand: CliCommand = {
  name: ["run"],
  summary: "Run a best-of-n study from a YAML or JSON config file",
  usage: [
    "goodhart run <config.yaml|config.json> [--sweep field=[v1,v2]]... [--db path] [--cache dir] [--threads n] [--json]",
    "",
    "Runs every grid point of the study (proxy sizes x training sizes x label noise x seeds) on the",
    "built-in task and writes runs, metrics, curves, fits and label sets to the lab database.",
    "A config may start from a preset (preset: gao-bon-small | coste-ensemble-noise | quick-demo)",
    "and override any field; invalid fields are all reported at once with their paths.",
    "--sweep multiplies the study by a grid over other fields (e.g. --sweep 'bon.poolSize=[64,256]');",
    "the runs of each grid point share one base policy and one set of samples.",
  ].join("\n"),
  async run(args, io) {
    const opts = parseOptions(args, { values: ["db", "cache", "threads"], repeatable: ["sweep"], booleans: ["json"] });
    if (opts.positionals.length !== 1) throw new UsageError("give exactly one config file");
    const file = opts.positionals[0]!;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
    }
    let study: BonStudyConfig;
    try {
      study = parseBonStudyText(text, { source: file });
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
    const grid = parseSweep(opts.lists.sweep ?? []);
    if (grid) {
      try {
        sweep(study, grid); // validates every grid point before anything is written
      } catch (err) {
        if (err instanceof ConfigError) throw new UsageError(err.message);
        throw err;
      }
    }
    const outcome = await runStudy(study, io, { db: opts.values.db, cache: opts.values.cache, threads: parseThreads(opts.values.threads), ...(grid ? { grid } : {}) });
    if (opts.flags.has("json")) io.out(JSON.stringify({ runIds: outcome.runIds, db: outcome.dbPath, wallS: outcome.wallS, timings: outcome.result.timings }, null, 2));
    else printOutcome(outcome, io);
    return 0;
  },
};
