import { readFileSync } from "node:fs";
import path from "node:path";
import {
  type ImportProgress,
  type ImportResult,
  type LabelSource,
  type LabelValues,
  ON_BAD_ROW,
  type OnBadRow,
  importDataset,
  parseLabelValues,
  parseMapping,
} from "@goodhart/storage";
import { type CliCommand, type CliIo, UsageError } from "../command.ts";
import { openLabDoor } from "../lab-door.ts";

const LABEL_SOURCES: readonly LabelSource[] = ["gold", "human", "llm", "synthetic"];

/** Splits argv into positionals and `--flag value` / `--flag=value` options (repeatable ones collect). */
export function parseOptions(
  args: readonly string[],
  spec: { values: readonly string[]; repeatable?: readonly string[]; booleans?: readonly string[] },
): { positionals: string[]; values: Record<string, string>; lists: Record<string, string[]>; flags: Set<string> } {
  const positionals: string[] = [];
  const values: Record<string, string> = {};
  const lists: Record<string, string[]> = {};
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (spec.booleans?.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
      continue;
    }
    const repeatable = spec.repeatable?.includes(name) ?? false;
    if (!repeatable && !spec.values.includes(name)) throw new UsageError(`unknown option --${name}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || (eq < 0 && value.startsWith("--"))) throw new UsageError(`--${name} needs a value`);
    if (repeatable) (lists[name] ??= []).push(value);
    else values[name] = value;
  }
  return { positionals, values, lists, flags };
}

function progressPrinter(io: CliIo, file: string): (p: ImportProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.phase !== "committing" && now - last < 1000) return;
    last = now;
    const pct = p.totalBytes > 0 ? Math.min(100, Math.round((100 * p.bytesRead) / p.totalBytes)) : 100;
    if (p.phase === "hashing") io.err(`${path.basename(file)}: checking content ${pct}%`);
    else if (p.phase === "reading") io.err(`${path.basename(file)}: ${p.rows.toLocaleString("en-US")} rows read (${pct}%)`);
    else if (p.phase === "committing") io.err(`${path.basename(file)}: writing ${p.rows.toLocaleString("en-US")} rows`);
  };
}

/** What the import decided or left out, beyond the format: shown after an import and by `datasets show`. */
export function importReportLines(r: ImportResult["report"]): string[] {
  const lines: string[] = [];
  if (r.labelSourceReason) lines.push(`  labels    ${r.labelSourceReason}`);
  const values = Object.entries(r.labelValues ?? {});
  if (values.length) lines.push(`  values    ${values.map(([v, l]) => `${v} -> ${l}`).join(", ")}`);
  const scalars = Object.entries(r.scalarsAsText ?? {});
  if (scalars.length)
    lines.push(`  warning   numbers/booleans read as text: ${scalars.map(([c, n]) => `${n.toLocaleString("en-US")} in ${c}`).join(", ")}`);
  const skipped = r.skipped;
  if (skipped && skipped.count > 0) {
    lines.push(`  skipped   ${skipped.count.toLocaleString("en-US")} row${skipped.count === 1 ? "" : "s"} (--on-bad-row skip):`);
    for (const s of skipped.rows)
      lines.push(
        `    row ${s.row}${s.line !== undefined && s.line !== s.row ? ` (line ${s.line})` : ""}${s.field ? `, field "${s.field}"` : ""}: ${s.reason}`,
      );
  }
  return lines;
}

export const importCommand: CliCommand = {
  name: ["import"],
  summary: "Import a preference dataset (JSONL, JSON, CSV/TSV, Parquet, or .gz of these)",
  usage: [
    "goodhart import <file|folder> [--format F] [--map field=column ...] [--label-values v=l,...] [--on-bad-row fail|skip]",
    "                [--name N] [--label-source S] [--allow-duplicate] [--db path] [--json]",
    "",
    "Detects the layout from records spread through the file (HH-RLHF transcripts, prompt/chosen/rejected,",
    "LLaMA-Factory ranking, Stack-Exchange-paired, UltraFeedback binarized, pairwise judgments, unpaired good/bad",
    "or chat + label, ranked) and imports every row in one transaction: a bad file adds nothing and the error",
    "names the row and field. A folder of Parquet shards (a Hugging Face Hub snapshot) or a Hugging Face",
    "save_to_disk folder (Arrow files + state.json; a DatasetDict with one folder per split) is one dataset.",
    "",
    "  --format F          a format id (hh-rlhf, prompt-chosen-rejected, llamafactory-ranking, stack-exchange-paired,",
    "                      ultrafeedback-binarized, pairwise, unpaired, ranked) or a container (jsonl, json, csv, tsv, parquet, arrow)",
    "  --map field=column  read a field from another column; repeatable. Fields: prompt, input, system, chosen,",
    "                      rejected, response_a, response_b, preference, annotators (comma-separated columns),",
    "                      response, label, category. Columns may be dotted paths (chosen=chosen.value).",
    "  --label-values v=l  what textual label values mean: ours=a,reference=b (a = first response preferred,",
    "                      b = second, tie; good/bad for unpaired rows); repeatable or comma-separated",
    "  --on-bad-row M      fail (default): a bad row refuses the file; skip: import the other rows and list each",
    "                      skipped row with its reason in the dataset's import report (goodhart datasets show)",
    "  --name N            dataset name (default: the file name)",
    "  --label-source S    who made the labels: gold, human, llm or synthetic (default: what the file says in a",
    "                      label_source or judge/annotator column, else the format's default, else human)",
    "  --allow-duplicate   import even if the same content was imported before",
    "  --db path           lab database (default: $GOODHART_DB, else the OS app-data folder)",
    "  --json              print the result as JSON",
  ].join("\n"),
  async run(args, io) {
    const opts = parseOptions(args, {
      values: ["format", "name", "label-source", "on-bad-row", "db"],
      repeatable: ["map", "label-values"],
      booleans: ["allow-duplicate", "json"],
    });
    if (opts.positionals.length !== 1) throw new UsageError("give exactly one file to import");
    const file = opts.positionals[0]!;
    const labelSource = opts.values["label-source"];
    if (labelSource !== undefined && !LABEL_SOURCES.includes(labelSource as LabelSource)) {
      throw new UsageError(`--label-source must be one of ${LABEL_SOURCES.join(", ")}`);
    }
    const onBadRow = (opts.values["on-bad-row"] ?? "fail") as OnBadRow;
    if (!ON_BAD_ROW.includes(onBadRow)) throw new UsageError(`--on-bad-row must be one of ${ON_BAD_ROW.join(", ")}`);
    let mapping: Record<string, string>;
    let labelValues: LabelValues;
    try {
      mapping = parseMapping(opts.lists.map ?? []);
      labelValues = parseLabelValues(opts.lists["label-values"] ?? []);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const json = opts.flags.has("json");
    // The import goes through the lab's service: this process's, with an importer that carries
    // the command's flags and keeps the importer's full report, or the running lab's.
    let result: ImportResult | undefined;
    const door = await openLabDoor({
      db: opts.values.db,
      holder: "goodhart import",
      executes: false,
      service: {
        importDataset: async (store, path, options) => {
          result = await importDataset(store, path, {
            format: options.format,
            mapping: options.mapping,
            name: options.name,
            labelSource: labelSource as LabelSource | undefined,
            labelValues,
            onBadRow,
            allowDuplicate: opts.flags.has("allow-duplicate"),
            onProgress: json ? undefined : progressPrinter(io, file),
          });
          return store.datasets.get(result.datasetId)!;
        },
      },
    });
    try {
      if (door.mode === "remote") {
        if (labelSource !== undefined || opts.flags.has("allow-duplicate") || Object.keys(labelValues).length > 0 || onBadRow !== "fail") {
          throw new UsageError(
            `--label-source, --label-values, --on-bad-row and --allow-duplicate are not available while ${door.executor} holds ${door.dbFile}; import there (Dataset screen), or stop it first.`,
          );
        }
        let body: Uint8Array;
        try {
          body = readFileSync(file);
        } catch (err) {
          throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
        }
        const uploaded = await door.upload!(path.basename(file), body);
        const dataset = await door.api.datasets.import({
          path: uploaded.path,
          name: opts.values.name ?? path.basename(file),
          ...(opts.values.format ? { format: opts.values.format } : {}),
          mapping,
        });
        if (json) io.out(JSON.stringify({ ...dataset, database: door.dbFile, importedBy: door.executor }, null, 2));
        else
          io.out(
            `Imported ${file} as dataset ${dataset.id} "${dataset.name}" in ${door.executor} (${dataset.rowCount.toLocaleString("en-US")} examples, format ${dataset.format})\n  database  ${door.dbFile}`,
          );
        return 0;
      }
      const dataset = await door.api.datasets
        .import({
          path: file,
          ...(opts.values.name ? { name: opts.values.name } : {}),
          ...(opts.values.format ? { format: opts.values.format } : {}),
          mapping,
        })
        .catch((err: Error) => {
          // The service refuses content it already holds; the importer's own report says more below.
          if (result?.duplicateOf === undefined) throw err;
          return null;
        });
      const store = door.store();
      if (!result) throw new Error("the lab service did not call the importer");
      if (dataset === null || (result.duplicateOf !== undefined && result.datasetId === result.duplicateOf)) {
        const existing = store.datasets.get(result.datasetId)!;
        const message =
          `${file} was already imported as dataset ${existing.id} "${existing.name}" (same content, sha256 ${result.contentHash.slice(0, 12)}); ` +
          "nothing imported. Use --allow-duplicate to import it again.";
        if (json) io.out(JSON.stringify({ ...result, database: store.path }, null, 2));
        io.err(message);
        return 1;
      }
      if (json) {
        io.out(JSON.stringify({ ...result, database: store.path }, null, 2));
        return 0;
      }
      const r = result.report;
      const columns = Object.entries(r.columns).map(([role, col]) => `${role} <- ${Array.isArray(col) ? col.join(", ") : col}`);
      io.out(
        [
          `Imported ${file} as dataset ${dataset.id} "${dataset.name}"`,
          `  format    ${r.format} (${r.title}), ${r.gzip ? "gzip " : ""}${r.container}${r.forced ? ", as requested" : ""}`,
          `  because   ${r.forced ? "--format was given" : r.rule}`,
          `  columns   ${columns.join("; ")}${r.categoryColumn ? `; category <- ${r.categoryColumn}` : ""}`,
          ...(r.metadataColumns.length ? [`  metadata  ${r.metadataColumns.join(", ")}`] : []),
          ...(r.alsoMatched.length ? [`  also fits ${r.alsoMatched.join(", ")} (use --format to choose)`] : []),
          `  rows      ${result.rows.toLocaleString("en-US")} examples, ${result.labels.toLocaleString("en-US")} labels (source ${r.labelSource})`,
          ...importReportLines(r),
          ...(result.duplicateOf !== undefined ? [`  note      same content as dataset ${result.duplicateOf}`] : []),
          `  database  ${store.path}`,
        ].join("\n"),
      );
      return 0;
    } finally {
      await door.close();
    }
  },
};
