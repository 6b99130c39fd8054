import type { Run, RunStatus } from "@goodhart/storage";
import { type CliCommand, UsageError } from "../command.ts";
import { openLab, parseOptions } from "./import.ts";

const STATUSES: readonly RunStatus[] = ["queued", "running", "done", "failed", "cancelled", "interrupted"];

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  ")).join("\n");
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
    if (status !== undefined && !STATUSES.includes(status as RunStatus)) throw new UsageError(`--status must be one of ${STATUSES.join(", ")}`);
    const store = openLab(opts.values.db);
    try {
      const runs = store.runs.list(status ? { status: status as RunStatus } : {});
      if (opts.flags.has("json")) {
        io.out(JSON.stringify(runs.map(({ config: _c, ...r }) => ({ ...r, series: store.curves.series(r.id).map((s) => s.name) })), null, 2));
      } else if (runs.length === 0) {
        io.out(`No runs in ${store.path}. Start one with: goodhart demo`);
      } else {
        io.out(
          table([
            ["id", "status", "seed", "device", "time", "series", "created", "name"],
            ...runs.map((r) => [String(r.id), r.status, String(r.seed), r.device ?? "-", duration(r), String(store.curves.series(r.id).length), r.createdAt.slice(0, 19).replace("T", " "), r.name]),
          ]),
        );
        const failed = runs.filter((r) => r.error);
        for (const r of failed) io.out(`run ${r.id}: ${r.error}`);
      }
      return 0;
    } finally {
      store.close();
    }
  },
};
