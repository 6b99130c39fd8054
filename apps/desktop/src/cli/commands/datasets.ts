import type { DetectionReport, Example } from "@goodhart/storage";
import { type CliCommand, UsageError } from "../command.ts";
import { withLabDoor } from "../lab-door.ts";
import type { DatasetDto } from "../../shared/dto.ts";
import { importReportLines, parseOptions } from "./import.ts";

function clip(text: string | null, width: number): string {
  if (text === null) return "-";
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > width ? `${flat.slice(0, width - 3)}...` : flat;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  ")).join("\n");
}

export const datasetsListCommand: CliCommand = {
  name: ["datasets", "list"],
  summary: "List the imported datasets",
  usage: "goodhart datasets list [--db path] [--json]",
  async run(args, io) {
    const opts = parseOptions(args, { values: ["db"], booleans: ["json"] });
    if (opts.positionals.length) throw new UsageError(`unexpected argument '${opts.positionals[0]}'`);
    return withLabDoor({ db: opts.values.db, holder: "goodhart datasets list", executes: false }, async (door) => {
      const datasets = await door.api.datasets.list();
      if (opts.flags.has("json")) {
        io.out(
          JSON.stringify(
            datasets.map(({ importReport: _r, ...d }) => d),
            null,
            2,
          ),
        );
      } else if (datasets.length === 0) {
        io.out(`No datasets in ${door.dbFile}. Import one with: goodhart import <file>`);
      } else {
        io.out(
          table([
            ["id", "name", "format", "rows", "imported", "source"],
            ...datasets.map((d: DatasetDto) => [
              String(d.id),
              d.name,
              d.format,
              d.rowCount.toLocaleString("en-US"),
              d.importedAt.slice(0, 19).replace("T", " "),
              d.sourcePath,
            ]),
          ]),
        );
      }
      return 0;
    });
  },
};

export const datasetsShowCommand: CliCommand = {
  name: ["datasets", "show"],
  summary: "Show one dataset: counts, label sources, sample rows",
  usage: "goodhart datasets show <id> [--db path] [--json]",
  async run(args, io) {
    const opts = parseOptions(args, { values: ["db"], booleans: ["json"] });
    const [idText, ...extra] = opts.positionals;
    if (idText === undefined || extra.length) throw new UsageError("give one dataset id (see goodhart datasets list)");
    const id = Number(idText);
    if (!Number.isInteger(id) || id <= 0) throw new UsageError(`'${idText}' is not a dataset id`);
    // Counts, categories, the full import report and each sample's labels are read from the
    // database through the door (read-only; LabApi's dataset view is the Dataset screen's).
    return withLabDoor({ db: opts.values.db, holder: "goodhart datasets show", executes: false }, async (door) => {
      const store = door.store();
      const dataset = store.datasets.get(id);
      if (!dataset) throw new UsageError(`no dataset ${id} in ${store.path} (see goodhart datasets list)`);
      const labels = store.datasets.labelCounts(id);
      const categories = store.examples.categories(id);
      const samples = store.examples.list(id, { limit: 3 });
      const examples = store.examples.count(id);
      if (opts.flags.has("json")) {
        io.out(JSON.stringify({ dataset, examples, labels, categories, samples }, null, 2));
        return 0;
      }
      const kinds = new Set(samples.map((s) => s.kind));
      io.out(
        [
          `Dataset ${dataset.id} "${dataset.name}"`,
          `  format     ${dataset.format}`,
          `  source     ${dataset.sourcePath}`,
          `  sha256     ${dataset.contentHash}`,
          `  imported   ${dataset.importedAt}`,
          `  examples   ${examples.toLocaleString("en-US")}${kinds.size ? ` (${[...kinds].join(", ")})` : ""}`,
          `  labels     ${labels.length ? labels.map((l) => `${l.count.toLocaleString("en-US")} ${l.source}${l.dimension === "overall" ? "" : ` [${l.dimension}]`}`).join(", ") : "none"}`,
          ...(categories.some((c) => c.category !== null)
            ? [`  categories ${categories.map((c) => `${c.category ?? "(none)"} ${c.count.toLocaleString("en-US")}`).join(", ")}`]
            : []),
          ...(dataset.detection ? importReportLines(dataset.detection as unknown as DetectionReport) : []),
          "",
          "Sample rows:",
          ...samples.flatMap((s: Example) => [
            `  #${s.rowIndex}  prompt: ${clip(s.prompt, 100)}`,
            ...(s.kind === "single"
              ? [`        response: ${clip(s.responseA, 96)}`]
              : [`        A: ${clip(s.responseA, 100)}`, `        B: ${clip(s.responseB, 100)}`]),
            `        labels: ${
              store.labels
                .forExample(s.id)
                .map((l) => `${l.preferred}${l.annotator ? ` (${l.annotator})` : ""}`)
                .join(", ") || "none"
            }`,
          ]),
        ].join("\n"),
      );
      return 0;
    });
  },
};
