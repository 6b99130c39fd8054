import { writeFileSync } from "node:fs";
import { type CliCommand, UsageError } from "../command.ts";
import { openLabDoor } from "../lab-door.ts";
import { parseOptions } from "./import.ts";

function runIds(positionals: readonly string[]): number[] {
  if (positionals.length === 0) throw new UsageError("give at least one run id");
  return positionals.map((p) => {
    const id = Number(p);
    if (!Number.isInteger(id) || id <= 0) throw new UsageError(`'${p}' is not a run id`);
    return id;
  });
}

export const reportCommand: CliCommand = {
  name: ["report"],
  summary: "Write a self-contained HTML report of runs (and their curves as CSV/JSON)",
  usage: [
    "goodhart report <run-id...> --out report.html [--title T] [--curves-csv f.csv] [--curves-json f.json] [--db path]",
    "",
    "The report holds the overoptimization figure (gold and proxy vs sqrt(KL), inline SVG), the runs,",
    "their last metric values, their configurations and the environment (device, commit, versions).",
    "It needs no network and no other file. The report is also stored in the lab database.",
  ].join("\n"),
  async run(args, io) {
    const opts = parseOptions(args, { values: ["out", "title", "curves-csv", "curves-json", "db"] });
    const ids = runIds(opts.positionals);
    if (!opts.values.out && !opts.values["curves-csv"] && !opts.values["curves-json"])
      throw new UsageError("say where to write: --out report.html (and/or --curves-csv, --curves-json)");
    // Through the lab's service: the running lab's when one holds the database, else a reader here
    // (which never touches runs another process executes).
    const door = await openLabDoor({ db: opts.values.db, holder: "goodhart report", executes: false });
    try {
      const service = door.api;
      if (opts.values.out) {
        const report = await service.reports.create({ runIds: ids, title: opts.values.title });
        writeFileSync(opts.values.out, report.html);
        io.out(
          `Report of run${ids.length === 1 ? "" : "s"} ${ids.join(", ")} written to ${opts.values.out} (${Math.round(report.html.length / 1024)} KiB).`,
        );
      }
      for (const [format, file] of [
        ["csv", opts.values["curves-csv"]],
        ["json", opts.values["curves-json"]],
      ] as const) {
        if (!file) continue;
        const exported = await service.curves.export({ runIds: ids, format });
        writeFileSync(file, exported.text);
        io.out(`Curves written to ${file}.`);
      }
      return 0;
    } finally {
      await door.close();
    }
  },
};
