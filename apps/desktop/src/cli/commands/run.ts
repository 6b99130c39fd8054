import {
  ConfigError,
  isBonStudyJob,
  mergeAnalyses,
  sweep,
  type BonStudyAnalysis,
  type BonStudyConfig,
  type BonStudyOptions,
  type BonStudyResult,
} from "@goodhart/objectives";
import { defaultDatabasePath } from "@goodhart/storage";
import { parse as parseYaml } from "yaml";
import { type CliCommand, type CliIo, UsageError } from "../command.ts";
import { type LabDoor, openLabDoor } from "../lab-door.ts";
import { type ResolvedRunConfig, resolveRunConfig } from "../run-config.ts";
import { SIGNAL_EXIT_CODES, type StopSignal, stopSignals, submitAndFollow } from "../study-submit.ts";
import { summaryTable } from "../summary-table.ts";
import { textTable } from "../text-table.ts";
import { summaryTable as kindSummaryTable } from "../../shared/summary.ts";
import { QueueUrlError, parseQueueUrl } from "../../service/queue/queue-url.ts";
import { parseOptions } from "./import.ts";

// The summary table lives in cli/summary-table.ts (with SEs and intervals); re-exported for callers of this module.
export { summaryTable } from "../summary-table.ts";

export interface StudyRunOptions {
  db?: string;
  cache?: string;
  threads?: number;
  /** Seconds between progress lines. Default 2. */
  progressEveryS?: number;
  studyOptions?: BonStudyOptions;
  /** Sweep grid over other fields of the study (field path -> values). */
  grid?: Record<string, unknown[]>;
  /** What the command is called, for the runner lock and messages. Default "goodhart run". */
  command?: string;
  /** A worker pool (redis:// or rediss:// URL) that executes the grid points instead of this process. */
  queue?: string;
}

export interface StudyRunOutcome {
  /** The study's result assembled from its runs' stored results (null when no run stored one). */
  result: BonStudyResult | null;
  dbPath: string;
  experimentId: number;
  runIds: number[];
  /** Runs that did not end `done`, with their status and error. */
  notDone: { id: number; name: string; status: string; error: string | null }[];
  /** The signal that stopped the study (Ctrl-C: SIGINT, SIGTERM), else null. */
  signal: StopSignal | null;
  wallS: number;
  /** Runs of a study on an imported dataset, from their stored results (the table above is the built-in task's). */
  datasetRuns: DatasetRunSummary[];
  /**
   * Other kinds: the kind's summary table (its views' summary columns, as Compare and the report
   * show them) over the runs' stored results, one or more rows per run.
   */
  kindTable?: { header: string[]; rows: string[][] };
}

/** What a dataset-task run stores as its result (task/dataset/study.ts), as far as the CLI prints it. */
export interface DatasetRunSummary {
  datasetId: number;
  goldValidationAccuracy: number;
  proxy: string;
  trainingSize: number;
  labelNoise: number;
  seed: number;
  validationAccuracy: number;
  goldAgreement: number;
  curve: { n: number; proxyGain: number; goldGain: number }[];
  /** With a held-out annotator panel (task.dataset.goldPanel): agreement with the panel's labels on held-out pairs. */
  agreement?: { panel: string[]; pairs: number; proxy: AgreementCi; goldRm: AgreementCi; humanCeiling: AgreementCi };
}

interface AgreementCi {
  estimate: number;
  low: number;
  high: number;
}

/** `0.536 [0.464, 0.608]`: an agreement and its 95% interval. */
const withCi = (a: AgreementCi) => `${a.estimate.toFixed(3)} [${a.low.toFixed(3)}, ${a.high.toFixed(3)}]`;

/** The stored results of dataset-task runs (they name their dataset), in run order. */
export function datasetRunsOf(results: readonly (Record<string, unknown> | null)[]): DatasetRunSummary[] {
  return results.filter(
    (r): r is Record<string, unknown> => r !== null && typeof r.datasetId === "number" && Array.isArray(r.curve),
  ) as unknown as DatasetRunSummary[];
}

/**
 * The study's result from its runs' stored results: each grid point's run keeps its own part
 * (`runs: [its run]`) together with the study-wide numbers (base policy, base gold, timings).
 */
export function studyResultOf(results: readonly (Record<string, unknown> | null)[]): BonStudyResult | null {
  const stored = results.filter((r): r is Record<string, unknown> => r !== null && Array.isArray(r.runs));
  if (stored.length === 0) return null;
  const first = stored[0] as unknown as BonStudyResult;
  // Each run's timings are the study's so far when it ended: the most complete are the study's.
  const total = (r: Record<string, unknown>) => Object.values((r.timings ?? {}) as Record<string, number>).reduce((a, b) => a + b, 0);
  const timings = (stored.reduce((best, r) => (total(r) > total(best) ? r : best)).timings ?? first.timings) as BonStudyResult["timings"];
  // Each run keeps the analysis of its cell (seeds so far): the study's analysis is their merge.
  const analysis = mergeAnalyses(stored.map((r) => (r as { analysis?: BonStudyAnalysis }).analysis));
  return {
    ...first,
    timings,
    runs: stored.flatMap((r) => (r as unknown as BonStudyResult).runs),
    groups: first.groups ?? [],
    ...(analysis ? { analysis } : {}),
  };
}

/**
 * Runs a study through the LabService (in this process, or the running lab's when one holds the
 * database): one run per grid point, progress on stderr. Ctrl-C / SIGTERM stop the runs after
 * their current step; they are stored `cancelled` and the outcome names the signal.
 */
export async function runStudy(study: BonStudyConfig, io: CliIo, options: StudyRunOptions = {}): Promise<StudyRunOutcome> {
  const config: Record<string, unknown> =
    options.grid || options.studyOptions
      ? { study, ...(options.grid ? { grid: options.grid } : {}), ...(options.studyOptions ? { options: options.studyOptions } : {}) }
      : (study as unknown as Record<string, unknown>);
  return runSubmission({ kind: "bon-study", name: study.name, config }, io, options);
}

/**
 * Submits any experiment through the LabService and follows its runs (one per grid point). The
 * outcome's `result` is assembled for best-of-n studies (their summary table), else null.
 */
export async function runSubmission(
  experiment: { kind: string; name: string; config: Record<string, unknown> },
  io: CliIo,
  options: StudyRunOptions = {},
): Promise<StudyRunOutcome> {
  // Handlers first: a Ctrl-C while the lab opens must not fall back to Node's immediate exit.
  const signals = stopSignals();
  try {
    const door = await openLabDoor({
      db: options.db,
      cache: options.cache,
      threads: options.threads,
      holder: options.command ?? "goodhart run",
      executes: true,
      note: (t) => io.err(t),
      ...(options.queue ? { service: { queueUrl: options.queue } } : {}),
    });
    if (options.queue)
      io.err(
        door.mode === "remote"
          ? "--queue does not apply: the running lab submits with its own Settings (its queue URL, if any)."
          : `Grid points go to the worker pool at ${parseQueueUrl(options.queue).label}; start workers with goodhart worker --queue ...`,
      );
    try {
      const submission = await submitAndFollow(door, experiment, io, { progressEveryS: options.progressEveryS, signals });
      const store = door.store();
      const stored = submission.runIds.map((id) => store.runs.get(id)?.result ?? null);
      const result = experiment.kind === "bon-study" ? studyResultOf(stored) : null;
      const kindTable = experiment.kind === "bon-study" ? undefined : await kindTableOf(door.api, experiment.kind, stored);
      return {
        result,
        dbPath: door.dbFile,
        experimentId: submission.experimentId,
        runIds: submission.runIds,
        notDone: submission.runs
          .filter((r) => r.status !== "done")
          .map((r) => ({ id: r.id, name: r.name, status: r.status, error: r.error })),
        signal: submission.signal,
        wallS: submission.wallS,
        datasetRuns: experiment.kind === "bon-study" ? datasetRunsOf(stored) : [],
        ...(kindTable ? { kindTable } : {}),
      };
    } finally {
      await door.close();
    }
  } finally {
    signals.dispose();
  }
}

/** A kind's summary table over its runs' stored results (runs without a result add no row). */
async function kindTableOf(
  api: LabDoor["api"],
  kind: string,
  results: readonly (Record<string, unknown> | null)[],
): Promise<{ header: string[]; rows: string[][] } | undefined> {
  const columns = (await api.kinds.list()).find((k) => k.id === kind)?.views.summaryColumns;
  if (!columns || columns.length === 0) return undefined;
  const tables = results.filter((r) => r !== null).map((r) => kindSummaryTable(r, columns));
  const rows = tables.flatMap((t) => t.rows);
  return rows.length > 0 ? { header: tables[0]!.header, rows } : undefined;
}

/** The exit code of a study: 130/143 when a signal stopped it, 1 when a run did not end done, else 0. */
export function outcomeExitCode(outcome: StudyRunOutcome): number {
  if (outcome.signal) return SIGNAL_EXIT_CODES[outcome.signal];
  return outcome.notDone.length > 0 ? 1 : 0;
}

/** What the user reads at the end: the table, where the results are, and how to get the curves. */
export function printOutcome(outcome: StudyRunOutcome, io: CliIo): void {
  const { result } = outcome;
  const dbOption = outcome.dbPath === defaultDatabasePath() ? "" : ` --db ${outcome.dbPath}`;
  if (result && result.runs.length > 0) {
    io.out(summaryTable(result));
    io.out("");
    io.out(`Gold and proxy are gains over the base policy (mean gold ${result.baseGold.toFixed(3)}), against d = sqrt(KL_bon(n)).`);
    io.out(`Base policy: ${result.basePolicy.cached ? "loaded from cache" : "pretrained and cached"} in ${result.basePolicy.path}`);
  }
  if (outcome.kindTable) {
    io.out(textTable([outcome.kindTable.header, ...outcome.kindTable.rows]));
    io.out("");
  }
  if (outcome.datasetRuns.length > 0) {
    const first = outcome.datasetRuns[0]!;
    io.out(
      `Dataset ${first.datasetId}: gold RM accuracy on the held-out labels ${first.goldValidationAccuracy.toFixed(3)}. Gains over the SFT policy (n = 1), gold and proxy each scaled to std 1 on held-out responses:`,
    );
    for (const r of outcome.datasetRuns) {
      const last = r.curve[r.curve.length - 1]!;
      const a = r.agreement;
      io.out(
        `  ${r.proxy} on ${r.trainingSize} comparisons, noise ${r.labelNoise}, seed ${r.seed}: held-out accuracy ${r.validationAccuracy.toFixed(3)}, agrees with gold on ${r.goldAgreement.toFixed(3)}; at n = ${last.n} proxy ${last.proxyGain.toFixed(3)}, gold ${last.goldGain.toFixed(3)}` +
          (a
            ? `; agreement with the held-out annotators (${a.panel.length <= 3 ? a.panel.join(", ") : `${a.panel.length} annotators`}) on ${a.pairs} pairs: proxy ${withCi(a.proxy)}, gold RM ${withCi(a.goldRm)}, human ceiling ${withCi(a.humanCeiling)}`
            : ""),
      );
    }
  }
  for (const r of outcome.notDone)
    io.out(`run ${r.id} (${r.name}) ended ${r.status}${r.error ? `: ${r.error}` : ""}; goodhart runs resume ${r.id}${dbOption}`);
  io.out(
    `Results: ${outcome.runIds.length} runs (ids ${outcome.runIds.join(", ")}) in ${outcome.dbPath}, wall time ${outcome.wallS.toFixed(1)} s`,
  );
  if (outcome.runIds.length > 0) io.out(`Curves: goodhart curves ${outcome.runIds[0]} --format csv${dbOption}`);
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
    if (!Array.isArray(values) || values.length === 0)
      throw new UsageError(`--sweep ${option.slice(0, eq)}: expected a non-empty list like [64, 256]`);
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
  summary: "Run an experiment (a best-of-n study by default) from a config file or a preset",
  usage: [
    "goodhart run [config.yaml|config.json] [--preset NAME] [--set path=value]... [--sweep field=[v1,v2]]...",
    "             [--kind K] [--db path] [--cache dir] [--threads n] [--queue redis://host:port] [--json]",
    "",
    "Runs every grid point of the study (proxy sizes x training sizes x label noise x seeds) on the",
    "built-in task and writes runs, metrics, curves, fits and label sets to the lab database.",
    "A config may start from a preset (--preset NAME, or preset: NAME in the file; goodhart presets",
    "lists them) and override any field (in the file, or --set path=value); invalid fields are all",
    "reported at once with their paths.",
    "--sweep multiplies the study by a grid over other fields (e.g. --sweep 'bon.poolSize=[64,256]');",
    "the runs of each grid point share one base policy and one set of samples.",
    "--queue sends each grid point to a worker pool (goodhart worker) instead of running it here;",
    "results come back as run bundles into this database (docs/scale-out.md).",
    "When a lab (browser mode) runs on the database the study is submitted to it; Ctrl-C stops the",
    "runs after their current step and stores them cancelled (exit code 130).",
  ].join("\n"),
  async run(args, io) {
    const opts = parseOptions(args, {
      values: ["db", "cache", "threads", "preset", "kind", "queue"],
      repeatable: ["sweep", "set"],
      booleans: ["json"],
    });
    if (opts.positionals.length > 1) throw new UsageError("give at most one config file");
    const file = opts.positionals[0];
    if (file === undefined && opts.values.preset === undefined && opts.values.kind === undefined)
      throw new UsageError("give a config file, --preset NAME (goodhart presets lists them) or --kind K");
    let resolved: ResolvedRunConfig;
    try {
      resolved = resolveRunConfig({ file, preset: opts.values.preset, kind: opts.values.kind, set: opts.lists.set ?? [] });
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
    const extraGrid = parseSweep(opts.lists.sweep ?? []);
    if (opts.values.queue !== undefined) {
      try {
        parseQueueUrl(opts.values.queue);
      } catch (err) {
        if (err instanceof QueueUrlError) throw new UsageError(`--queue: ${err.message}`);
        throw err;
      }
    }
    const run = {
      db: opts.values.db,
      cache: opts.values.cache,
      threads: parseThreads(opts.values.threads),
      ...(opts.values.queue ? { queue: opts.values.queue } : {}),
    };
    let outcome: StudyRunOutcome;
    if (resolved.kind === "bon-study") {
      const job = isBonStudyJob(resolved.config) ? resolved.config : { study: resolved.config as unknown as BonStudyConfig };
      const grid = extraGrid || job.grid ? { ...job.grid, ...extraGrid } : undefined;
      if (grid) {
        try {
          sweep(job.study, grid); // validates every grid point before anything is written
        } catch (err) {
          if (err instanceof ConfigError) throw new UsageError(err.message);
          throw err;
        }
      }
      outcome = await runStudy(job.study, io, { ...run, ...(grid ? { grid } : {}), ...(job.options ? { studyOptions: job.options } : {}) });
    } else {
      if (extraGrid) throw new UsageError(`--sweep expands best-of-n studies; for kind ${resolved.kind} list the values in the config`);
      outcome = await runSubmission(
        { kind: resolved.kind, name: `${resolved.kind} (${resolved.source})`, config: resolved.config },
        io,
        run,
      );
    }
    if (opts.flags.has("json"))
      io.out(
        JSON.stringify(
          {
            runIds: outcome.runIds,
            db: outcome.dbPath,
            wallS: outcome.wallS,
            timings: outcome.result?.timings ?? null,
            notDone: outcome.notDone,
            signal: outcome.signal,
          },
          null,
          2,
        ),
      );
    else printOutcome(outcome, io);
    return outcomeExitCode(outcome);
  },
};
