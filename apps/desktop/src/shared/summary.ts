/**
 * What a run's stored result (LabApi `runs.result`) says, for Compare and the report alike.
 *
 * A kind's summary table (KindDto views.summaryColumns) read from the result JSON.
 * A column's `result` path uses `[]` for "every item of this list" ("runs[].series[].goldAtMaxN"):
 * the table has one row per item of the deepest list, and a column with a shorter list prefix
 * repeats its parent's value on each row below it.
 */
import type { KindDto } from "./dto.ts";

type Column = KindDto["views"]["summaryColumns"][number];

/** The value at `path` for one row, `indices` choosing the item of each `[]` in turn. */
function resolve(root: unknown, path: string, indices: readonly number[]): unknown {
  let node: unknown = root;
  let depth = 0;
  for (const raw of path.split(".")) {
    const isList = raw.endsWith("[]");
    const key = isList ? raw.slice(0, -2) : raw;
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
    if (isList) {
      if (!Array.isArray(node)) return undefined;
      node = node[indices[depth++] ?? 0];
    }
  }
  return node;
}

/** Every tuple of list indices under `path` (one per row). */
function rowIndices(root: unknown, path: string): number[][] {
  const lists = path
    .split(".")
    .reduce<string[][]>(
      (acc, seg) => {
        acc[acc.length - 1]!.push(seg);
        if (seg.endsWith("[]")) acc.push([]);
        return acc;
      },
      [[]],
    )
    .slice(0, -1)
    .map((segs) => segs.join("."));
  let rows: number[][] = [[]];
  let prefix = "";
  for (const list of lists) {
    prefix = prefix ? `${prefix}.${list}` : list;
    const listPath = prefix.slice(0, -2);
    rows = rows.flatMap((idx) => {
      const value = resolve(root, listPath, idx);
      return Array.isArray(value) ? value.map((_, i) => [...idx, i]) : [];
    });
  }
  return rows;
}

function format(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The summary table of one run's result: header and rows of text ("value ± se" where the column names its SE). */
export function summaryTable(result: unknown, columns: readonly Column[]): { header: string[]; rows: string[][] } {
  const own = columns.filter((c) => "result" in c.source);
  // The unit in brackets, unless the title already says it ("Comparisons", unit "comparisons").
  const header = own.map((c) => (c.unit && !c.title.toLowerCase().includes(c.unit.toLowerCase()) ? `${c.title} (${c.unit})` : c.title));
  if (own.length === 0 || result === null || typeof result !== "object") return { header, rows: [] };
  const pathOf = (c: Column) => (c.source as { result: string }).result;
  const deepest = own.map(pathOf).reduce((a, p) => ((p.match(/\[\]/g)?.length ?? 0) > (a.match(/\[\]/g)?.length ?? 0) ? p : a));
  const rows = rowIndices(result, deepest).map((idx) =>
    own.map((c) => {
      const value = format(resolve(result, pathOf(c), idx));
      const se = c.se ? resolve(result, c.se.result, idx) : undefined;
      return typeof se === "number" && Number.isFinite(se) && value !== "" ? `${value} ± ${format(se)}` : value;
    }),
  );
  return { header, rows };
}

/** A finding: a difference between methods with its 95% interval; it holds when the interval excludes 0. */
export interface Finding {
  /** The cell of the study it belongs to, e.g. "proxy tiny, 100 comparisons, noise 0.25, 3 seed(s)". */
  where: string;
  /** e.g. "gold at max n: wco − single member". */
  quantity: string;
  estimate: number;
  low: number;
  high: number;
  holds: boolean;
}

interface AnalysisCell {
  proxy?: string;
  trainingSize?: number;
  labelNoise?: number;
  seeds?: unknown[];
  differences?: { series: string; goldAtMaxN?: { estimate: number; low: number; high: number } }[];
}

/**
 * A study's differences to the average single member (a best-of-n result's `analysis.cells[]
 * .differences`), one finding per cell and aggregation; none when the result has no analysis.
 */
export function differenceFindings(result: unknown): Finding[] {
  const cells = (result as { analysis?: { cells?: unknown } } | null)?.analysis?.cells;
  if (!Array.isArray(cells)) return [];
  return (cells as AnalysisCell[]).flatMap((cell) =>
    (cell.differences ?? []).flatMap((d) => {
      const i = d.goldAtMaxN;
      if (!i || typeof i.estimate !== "number" || typeof i.low !== "number" || typeof i.high !== "number") return [];
      const where = `proxy ${cell.proxy ?? "?"}, ${cell.trainingSize ?? "?"} comparisons, noise ${cell.labelNoise ?? "?"}, ${cell.seeds?.length ?? 1} seed(s)`;
      return [
        {
          where,
          quantity: `gold at max n: ${d.series.replace(/^proxy:/, "")} − single member`,
          estimate: i.estimate,
          low: i.low,
          high: i.high,
          holds: i.low > 0 || i.high < 0,
        },
      ];
    }),
  );
}

/** `0.12 [0.05, 0.19]` with 3 significant digits, starred when the interval excludes 0. */
export function formatInterval(estimate: number | undefined, low: number, high: number): string {
  const short = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(3))) : String(v));
  const holds = low > 0 || high < 0;
  return `${estimate === undefined ? "—" : short(estimate)} [${short(low)}, ${short(high)}]${holds ? " *" : ""}`;
}
