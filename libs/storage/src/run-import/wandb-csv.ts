/**
 * W&B CSV exports of one run's history: a chart's "Export CSV" (`Step`, `<run> - <metric>`, with
 * `__MIN` / `__MAX` columns for sampled ranges) or the API's `run.history().to_csv()` (`_step`,
 * `_runtime`, `_timestamp`, one column per metric). Empty cells are steps where a metric was not
 * logged. W&B does not say which tool logged the run: the metric names do (verl's `actor/`,
 * `critic/`; TRL through transformers' W&B callback, `train/objective/kl`, `train/rewards/chosen`;
 * OpenRLHF's `train/policy_loss`, `train/kl`), and that tool's reading of KL applies.
 */
import { parse } from "csv-parse/sync";
import { OPENRLHF_NAMES, openRlhfKey, openRlhfReading } from "./openrlhf.ts";
import { type LogRow, type ParsedRunLog, type RunTool, RunLogError, numericValues, stepOf } from "./run-log.ts";
import { trlReading } from "./trl.ts";
import { verlReading } from "./verl.ts";

const STEP_COLUMNS = ["Step", "_step", "train/global_step", "global_step", "step"];
const W_AND_B_COLUMNS = new Set(["_runtime", "_timestamp", "_wandb.runtime"]);
const TRL_MARKERS = [
  "objective/kl",
  "objective/scores",
  "rewards/chosen",
  "rewards/margins",
  "completions/mean_length",
  "completion_length",
  "reward_std",
];

/** The tool whose metric names the columns hold. */
export function toolOfKeys(keys: ReadonlySet<string>): RunTool | null {
  if ([...keys].some((k) => k.startsWith("actor/") || k.startsWith("critic/"))) return "verl";
  const stripped = new Set([...keys].map(openRlhfKey));
  if (TRL_MARKERS.some((k) => stripped.has(k))) return "trl";
  if (Object.keys(OPENRLHF_NAMES).some((k) => stripped.has(k))) return "openrlhf";
  return null;
}

export function parseWandbCsv(text: string, file: string): ParsedRunLog {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, info: true, skip_empty_lines: true, relax_column_count: false }) as unknown as typeof records;
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw new RunLogError(file, e.lines ?? null, `malformed CSV: ${e.message}`);
  }
  if (records.length < 2) throw new RunLogError(file, 1, "expected a header and at least one row");
  const header = records[0]!.record;
  const stepIndex = header.findIndex((h) => STEP_COLUMNS.includes(h));
  if (stepIndex < 0) throw new RunLogError(file, 1, `no step column: expected one of ${STEP_COLUMNS.join(", ")}`);
  // Chart exports prefix each column with the run's display name: one run per file.
  const runs = new Set(header.map((h) => / - /.exec(h) && h.slice(0, h.indexOf(" - "))).filter((r): r is string => !!r));
  if (runs.size > 1)
    throw new RunLogError(file, 1, `the export holds ${runs.size} runs (${[...runs].join(", ")}); export one run per file`);
  const prefix = runs.size === 1 ? `${[...runs][0]} - ` : "";
  const columns = header.map((h, i) => {
    if (i === stepIndex || W_AND_B_COLUMNS.has(h) || /__(MIN|MAX)$/.test(h)) return null;
    return h.startsWith(prefix) ? h.slice(prefix.length) : h;
  });
  const keys = new Set(columns.filter((c): c is string => c !== null));
  const tool = toolOfKeys(keys);
  if (tool === null)
    throw new RunLogError(
      file,
      1,
      "the columns hold none of TRL's, OpenRLHF's or verl's metric names; the tool that logged this run is not known",
    );
  // transformers' W&B callback and OpenRLHF write `train/<key>`; verl's keys are used as they are.
  const keyOf = (column: string) => (tool === "verl" ? column : openRlhfKey(column));
  const rows: LogRow[] = [];
  const skipped: Record<string, number> = {};
  let line = records[0]!.info.lines + 1;
  for (const { record, info } of records.slice(1)) {
    const cells: Record<string, unknown> = {};
    columns.forEach((c, i) => {
      if (c !== null) cells[keyOf(c)] = record[i];
    });
    const values = numericValues(cells, skipped);
    for (const [key, count] of Object.entries(skipped)) {
      if (count > 0) throw new RunLogError(file, line, `expected a number, got ${JSON.stringify(cells[key])}`, key);
    }
    rows.push({ step: stepOf(record[stepIndex], file, line, header[stepIndex]!), line, values });
    line = info.lines + 1;
  }
  const names = new Set(rows.flatMap((r) => Object.keys(r.values)));
  const reading = tool === "verl" ? verlReading(names) : tool === "trl" ? trlReading(names) : openRlhfReading(names);
  return { tool, ...reading, rows, settings: { wandbRun: prefix ? prefix.slice(0, -3) : null }, skipped };
}
