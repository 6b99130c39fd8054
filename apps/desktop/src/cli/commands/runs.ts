import { readFileSync } from "node:fs";
import path from "node:path";
import { type ExternalRun, RUN_LOG_FORMATS, type Run, type RunLogFormat, type RunStatus, externalRun } from "@goodhart/storage";
import { type CliCommand, type CliIo, UsageError } from "../command.ts";
import { openLabDoor, withLabDoor } from "../lab-door.ts";
import { SIGNAL_EXIT_CODES, followRuns, stopSignals } from "../study-submit.ts";
import { parseOptions } from "./import.ts";
import { parseThreads } from "./run.ts";
import { textTable } from "../text-table.ts";

const STATUSES: readonly RunStatus[] = ["queued", "running", "done", "failed", "cancelled", "interrupted"];

/** `[external trl] ` for a run imported from another tool (its config carries `external`), else "". */
function externalTag(run: Pick<Run, "config">): string {
  const external = run.config.external as { tool?: string } | undefined;
  return external ? `[external ${external.tool ?? "?"}] ` : "";
}

/** What `runs show` says of a run imported from another tool: where from, and which KL. */
function externalLines(external: ExternalRun | null): string[] {
  if (!external) return [];
  const m = external.mapping as {
    trainer?: string;
    kl?: { key: string; estimatorName: string; aggregation: string; clip: string | null; conversion: string } | null;
    rescored?: Record<string, unknown>;
  };
  const kl = m.kl;
  return [
    `  external    ${external.tool} ${m.trainer ?? ""}: ${external.files.map((f) => `${f.fileName} (${f.format}, imported ${f.importedAt.slice(0, 19).replace("T", " ")})`).join("; ")}`,
    `  KL          ${kl ? `${kl.key}: ${kl.estimatorName}, ${kl.aggregation}${kl.clip ? `, clamp ${kl.clip}` : ""}; conversion: ${kl.conversion}` : "none logged"}`,
    ...(external.samples
      ? [`  samples     ${external.samples} rollout samples${m.rescored ? `, rescored with ${Object.keys(m.rescored).join(", ")}` : ""}`]
      : []),
  ];
}

function duration(run: Run): string {
  if (!run.startedAt) return "-";
  const end = run.endedAt ? Date.parse(run.endedAt) : Date.now();
  return `${((end - Date.parse(run.startedAt)) / 1000).toFixed(1)}s`;
}

export const runsListCommand: CliCommand = {
  name: ["runs", "list"],
  summary: "List runs with their status, seed and curves",
  usage: "goodhart runs list [--status queued|running|done|failed|cancelled|interrupted] [--db path] [--json]",
  async run(args, io) {
    const opts = parseOptions(args, { values: ["db", "status"], booleans: ["json"] });
    if (opts.positionals.length) throw new UsageError(`unexpected argument '${opts.positionals[0]}'`);
    const status = opts.values.status;
    if (status !== undefined && !STATUSES.includes(status as RunStatus))
      throw new UsageError(`--status must be one of ${STATUSES.join(", ")}`);
    // Read-only, through the door's connection (the runs as stored, with their series).
    return withLabDoor({ db: opts.values.db, holder: "goodhart runs list", executes: false }, async (door) => {
      const store = door.store();
      const runs = store.runs.list(status ? { status: status as RunStatus } : {});
      if (opts.flags.has("json")) {
        io.out(
          JSON.stringify(
            runs.map(({ config, ...r }) => ({
              ...r,
              series: store.curves.series(r.id).map((s) => s.name),
              // A run imported from another tool says where from (its config is otherwise left out here).
              ...(config.external ? { external: config.external } : {}),
            })),
            null,
            2,
          ),
        );
      } else if (runs.length === 0) {
        io.out(`No runs in ${store.path}. Start one with: goodhart demo`);
      } else {
        io.out(
          textTable([
            ["id", "status", "seed", "device", "time", "series", "created", "name"],
            ...runs.map((r) => [
              String(r.id),
              r.status,
              String(r.seed),
              r.device ?? "-",
              duration(r),
              String(store.curves.series(r.id).length),
              r.createdAt.slice(0, 19).replace("T", " "),
              `${externalTag(r)}${r.name}`,
            ]),
          ]),
        );
        const failed = runs.filter((r) => r.error);
        for (const r of failed) io.out(`run ${r.id}: ${r.error}`);
      }
      return 0;
    });
  },
};

function runIdArg(positionals: string[]): number {
  if (positionals.length !== 1) throw new UsageError("give exactly one run id");
  const id = Number(positionals[0]);
  if (!Number.isInteger(id) || id < 1) throw new UsageError(`a run id is a positive integer, got '${positionals[0]}'`);
  return id;
}

function short(x: number): string {
  return Number.isInteger(x) ? String(x) : Math.abs(x) >= 1000 || Math.abs(x) < 0.001 ? x.toExponential(3) : x.toFixed(4);
}

export const runsShowCommand: CliCommand = {
  name: ["runs", "show"],
  summary: "Show one run: status, config, progress, metrics, result and error",
  usage: [
    "goodhart runs show <id> [--db path] [--json]",
    "",
    "Reads the lab without executing anything (it works while a study runs in another process).",
    "Progress is live when the run executes in a running lab (browser mode, the app).",
  ].join("\n"),
  async run(args, io) {
    const opts = parseOptions(args, { values: ["db"], booleans: ["json"] });
    const id = runIdArg(opts.positionals);
    const door = await openLabDoor({ db: opts.values.db, holder: "goodhart runs show", executes: false });
    try {
      const run = await door.api.runs.get({ id }).catch((err: Error) => {
        throw new UsageError(err.message);
      });
      const store = door.store();
      const metrics = store.metrics
        .names(id)
        .map((name) => ({ name, last: store.metrics.latest(id, name)!, points: store.metrics.series(id, name).steps.length }));
      const series = store.curves.series(id).map((s) => s.name);
      const stored = store.runs.get(id);
      const result = stored?.result ?? null;
      // Recorded since migration 0120; older runs and imported ones have none.
      const labVersion = stored?.labVersion ?? null;
      const external = externalRun(store, id) ?? null;
      if (opts.flags.has("json")) {
        io.out(
          JSON.stringify(
            {
              ...run,
              labVersion,
              series,
              metrics: metrics.map((m) => ({ name: m.name, step: m.last.step, value: m.last.value, points: m.points })),
              result,
              ...(external ? { external } : {}),
            },
            null,
            2,
          ),
        );
        return 0;
      }
      const lines = [
        `run ${run.id}  ${run.name}`,
        `  status      ${run.status}${run.error ? ` (${run.error})` : ""}`,
        `  experiment  ${run.experimentId ?? "-"}   seed ${run.seed}   device ${run.device ?? "-"}`,
        ...(run.executor ? [`  executes    ${run.executor} (worker pool)`] : []),
        `  created     ${run.createdAt}${labVersion ? ` by Goodhart Lab ${labVersion}` : ""}${run.startedAt ? `   started ${run.startedAt}` : ""}${run.endedAt ? `   ended ${run.endedAt}` : ""}`,
        `  progress    ${run.progress ? `${run.progress.step}/${run.progress.totalSteps}` : "-"}${run.checkpointStep !== null ? `   checkpoint at step ${run.checkpointStep}` : ""}`,
        ...externalLines(external),
        `  series      ${series.length ? series.join(", ") : "-"}`,
        `  metrics     ${metrics.length ? "" : "-"}`,
        ...metrics.map((m) => `    ${m.name.padEnd(28)} ${short(m.last.value).padStart(10)}  (step ${m.last.step}, ${m.points} points)`),
        `  result      ${result ? "" : "- (not stored yet)"}`,
        ...(result
          ? JSON.stringify(result, null, 2)
              .split("\n")
              .slice(0, 40)
              .map((l) => `    ${l}`)
          : []),
        "  config",
        ...JSON.stringify(run.config, null, 2)
          .split("\n")
          .map((l) => `    ${l}`),
      ];
      if (["interrupted", "cancelled", "failed"].includes(run.status))
        lines.push(`Resume it with: goodhart runs resume ${run.id}${opts.values.db ? ` --db ${opts.values.db}` : ""}`);
      io.out(lines.join("\n"));
      return 0;
    } finally {
      await door.close();
    }
  },
};

/** `runs resume` and `runs cancel` act through the lab that executes runs: this process, or the running one. */
async function actOnRun(args: string[], io: CliIo, action: "resume" | "cancel"): Promise<number> {
  const opts = parseOptions(args, { values: ["db", "cache", "threads"], booleans: ["json"] });
  const id = runIdArg(opts.positionals);
  const signals = stopSignals();
  try {
    const door = await openLabDoor({
      db: opts.values.db,
      cache: opts.values.cache,
      threads: parseThreads(opts.values.threads),
      holder: `goodhart runs ${action}`,
      executes: true,
      note: (t) => io.err(t),
    });
    try {
      const call = action === "resume" ? door.api.runs.resume({ id }) : door.api.runs.cancel({ id });
      const run = await call.catch((err: Error) => {
        throw new UsageError(err.message);
      });
      if (action === "cancel") {
        io.out(`run ${run.id} is ${run.status} (in ${door.executor})`);
        return 0;
      }
      io.err(
        `Resumed run ${id} in ${door.executor}${run.checkpointStep !== null ? ` from its checkpoint at step ${run.checkpointStep}` : " from its beginning"}.`,
      );
      const followed = await followRuns(door, [id], io, { signals });
      const end = followed.runs[0]!;
      if (opts.flags.has("json")) io.out(JSON.stringify(end, null, 2));
      else io.out(`run ${end.id} ${end.status}${end.error ? `: ${end.error}` : ""}`);
      if (followed.signal) return SIGNAL_EXIT_CODES[followed.signal];
      return end.status === "done" ? 0 : 1;
    } finally {
      await door.close();
    }
  } finally {
    signals.dispose();
  }
}

export const runsResumeCommand: CliCommand = {
  name: ["runs", "resume"],
  summary: "Resume an interrupted, cancelled or failed run (here, or in the running lab)",
  usage: [
    "goodhart runs resume <id> [--db path] [--cache dir] [--threads n] [--json]",
    "",
    "Continues the run from its last checkpoint, or runs its grid point again from the beginning",
    "when it has none (its partial results are replaced). When a lab (browser mode, the app) runs",
    "on the database, the run resumes there; otherwise in this process, which waits for it to end.",
    "Ctrl-C stops it after its current step and stores it cancelled (exit code 130).",
  ].join("\n"),
  run: (args, io) => actOnRun(args, io, "resume"),
};

export const runsCancelCommand: CliCommand = {
  name: ["runs", "cancel"],
  summary: "Cancel a queued or running run (through the lab that executes it)",
  usage: [
    "goodhart runs cancel <id> [--db path]",
    "",
    "Asks the lab executing the run (browser mode or the app, through its API) to stop it after",
    "its current step; a run of a study stops the study's remaining grid points too. A run that",
    "another goodhart command executes is stopped with Ctrl-C in that command's terminal.",
  ].join("\n"),
  run: (args, io) => actOnRun(args, io, "cancel"),
};

export const runsImportCommand: CliCommand = {
  name: ["runs", "import"],
  summary: "Import a run made with another tool (TRL, OpenRLHF, verl, a W&B CSV export) as an external run",
  usage: [
    `goodhart runs import <file> [--format ${RUN_LOG_FORMATS.join("|")}] [--name text] [--run id] [--db path] [--json]`,
    "",
    "Reads TRL's trainer_state.json, OpenRLHF or verl metric logs (JSON lines; verl's console output",
    "too), a W&B CSV export of one run, or a verl rollout dump (JSON lines of input, output, score,",
    "step); the format is detected",
    "unless given. Metrics get the lab's names and the tool's KL is recorded with its estimator and",
    "converted to per sequence where the log allows (docs/run-import.md); Compare shows the run beside",
    "the lab's own, marked external. --run adds a rollout dump's samples to a run imported before.",
    "A malformed file is refused naming its line; the same file imported twice adds nothing.",
  ].join("\n"),
  async run(args, io) {
    const opts = parseOptions(args, { values: ["db", "format", "name", "run"], booleans: ["json"] });
    if (opts.positionals.length !== 1) throw new UsageError("give exactly one file to import");
    const file = opts.positionals[0]!;
    const format = opts.values.format;
    if (format !== undefined && !RUN_LOG_FORMATS.includes(format as RunLogFormat))
      throw new UsageError(`--format must be one of ${RUN_LOG_FORMATS.join(", ")}`);
    const runId = opts.values.run === undefined ? undefined : runIdArg([opts.values.run]);
    const door = await openLabDoor({ db: opts.values.db, holder: "goodhart runs import", executes: false });
    try {
      let target = path.resolve(file);
      if (door.mode === "remote") {
        let body: Uint8Array;
        try {
          body = readFileSync(file);
        } catch (err) {
          throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
        }
        target = (await door.upload!(path.basename(file), body)).path;
      }
      const r = await door.api.runs
        .import({
          path: target,
          ...(format ? { format: format as RunLogFormat } : {}),
          ...(opts.values.name ? { name: opts.values.name } : {}),
          ...(runId !== undefined ? { runId } : {}),
        })
        .catch((err: Error) => {
          throw new UsageError(err.message);
        });
      if (opts.flags.has("json")) {
        io.out(JSON.stringify({ ...r, database: door.dbFile }, null, 2));
        return 0;
      }
      if (r.duplicate) {
        io.out(`${file}: the same content was imported before into run ${r.run.id} ("${r.run.name}"); nothing was added.`);
        return 0;
      }
      const what = [`${r.metrics.toLocaleString("en-US")} metric points`, `${r.curvePoints} curve points`];
      if (r.samples) what.push(`${r.samples} rollout samples`);
      io.out(`Imported ${file} (${r.format}) as run ${r.run.id} "${r.run.name}": ${what.join(", ")}\n  database  ${door.dbFile}`);
      if (r.format !== "verl-rollouts" && r.curvePoints === 0)
        io.out("  no KL-vs-score curve: the log gives no per-sequence KL of the policy's samples (goodhart runs show for the mapping)");
      if (r.samples) io.out(`  rescore its samples with: goodhart runs rescore ${r.run.id} --with gold`);
      return 0;
    } finally {
      await door.close();
    }
  },
};

export const runsRescoreCommand: CliCommand = {
  name: ["runs", "rescore"],
  summary: "Score an external run's rollout samples offline with the lab's gold judge or a lab reward model, adding a curve",
  usage: [
    "goodhart runs rescore <run> --with gold|model:<id> [--db path] [--json]",
    "",
    "Scores every rollout sample of a run imported from another tool (its prompts must be the",
    "built-in task's). --with gold: the built-in task's gold judge; stores per step the mean gold",
    "(recentred so the first step scores 0) with its standard error and the curve rescore:gold against",
    "the KL the tool logged, where it logged a per-sequence KL. --with model:<id>: a reward model a lab",
    "run trained (a models row of kind reward; goodhart runs show --json of its run lists them),",
    "scored on CPU in this process; curve rescore:model:<id> (with the gold, once rescored with gold).",
    "Rescoring again replaces the scores.",
  ].join("\n"),
  async run(args, io) {
    const opts = parseOptions(args, { values: ["db", "with"], booleans: ["json"] });
    const id = runIdArg(opts.positionals);
    const scorer = opts.values.with;
    if (scorer === undefined) throw new UsageError("--with is required: --with gold or --with model:<id>");
    const door = await openLabDoor({ db: opts.values.db, holder: "goodhart runs rescore", executes: false });
    try {
      const r = await door.api.runs.rescore({ runId: id, with: scorer }).catch((err: Error) => {
        throw new UsageError(err.message);
      });
      if (opts.flags.has("json")) io.out(JSON.stringify(r, null, 2));
      else {
        io.out(
          `Rescored run ${r.runId} with ${r.scorer}: ${r.samples} samples over ${r.steps} steps; ${r.curvePoints} points on curve ${r.series}${r.goldOffset !== null ? ` (gold recentred by ${short(r.goldOffset)})` : ""}`,
        );
        if (r.note) io.out(`  ${r.note}`);
      }
      return 0;
    } finally {
      await door.close();
    }
  },
};
