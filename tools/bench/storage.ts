// Storage benchmark: dataset import throughput, batched metric inserts, and curve read latency,
// all against real SQLite files (WAL) in a temporary folder.
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type CurvePoint, type MetricPoint, importDataset, openDatabase } from "@goodhart/storage";
import { median, recordBench } from "./record.ts";

const ROWS = 100_000;
const METRIC_POINTS = 1_000_000;
const METRIC_BATCH = 10_000;
const CURVE_POINTS = 100_000;
const REPEATS = 3;

const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-bench-storage-"));

function row(i: number) {
  return {
    prompt: `Question ${i}: how would you explain item ${i % 977} to a curious student in two sentences?`,
    chosen: `A clear answer for ${i}, with one concrete example and a short summary of why it matters.`,
    rejected: `A vaguer answer for ${i}.`,
    category: ["chat", "math", "code", "safety"][i % 4],
  };
}

async function writeLines(file: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(file);
  for (const line of lines) if (!out.write(line)) await new Promise<void>((r) => out.once("drain", () => r()));
  await new Promise<void>((r) => out.end(() => r()));
}

function* jsonlLines() {
  for (let i = 0; i < ROWS; i++) yield `${JSON.stringify(row(i))}\n`;
}

function* csvLines() {
  yield "prompt,chosen,rejected,category\n";
  const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
  for (let i = 0; i < ROWS; i++) {
    const r = row(i);
    yield `${q(r.prompt)},${q(r.chosen)},${q(r.rejected)},${r.category}\n`;
  }
}

async function importRate(file: string): Promise<number> {
  const rates: number[] = [];
  for (let k = 0; k < REPEATS; k++) {
    const store = openDatabase(path.join(dir, `import-${path.extname(file).slice(1)}-${k}.sqlite`));
    const t = performance.now();
    const result = await importDataset(store, file);
    const seconds = (performance.now() - t) / 1000;
    if (result.rows !== ROWS) throw new Error(`imported ${result.rows} rows from ${file}, expected ${ROWS}`);
    rates.push(ROWS / seconds);
    store.close();
  }
  return median(rates);
}

function metricRate(): number {
  const store = openDatabase(path.join(dir, "metrics.sqlite"));
  const rates: number[] = [];
  const names = ["loss", "reward/proxy", "reward/gold", "kl/k3", "lr", "grad_norm", "entropy", "accuracy"];
  for (let k = 0; k < REPEATS; k++) {
    const run = store.runs.create({ name: `bench-${k}`, seed: k });
    const batch: MetricPoint[] = new Array(METRIC_BATCH);
    const t = performance.now();
    for (let start = 0; start < METRIC_POINTS; start += METRIC_BATCH) {
      for (let j = 0; j < METRIC_BATCH; j++) {
        const i = start + j;
        batch[j] = { step: Math.floor(i / names.length), name: names[i % names.length]!, value: Math.sin(i) };
      }
      store.metrics.append(run.id, batch);
    }
    rates.push(METRIC_POINTS / ((performance.now() - t) / 1000));
    if (store.metrics.series(run.id, "loss").steps.length !== METRIC_POINTS / names.length) throw new Error("metric count mismatch");
  }
  store.close();
  return median(rates);
}

function curveReadMs(): number {
  const file = path.join(dir, "curves.sqlite");
  let store = openDatabase(file);
  const run = store.runs.create({ name: "bench-curve", seed: 0 });
  const points: CurvePoint[] = [];
  for (let i = 0; i < CURVE_POINTS; i++) {
    points.push({
      runId: run.id,
      series: "proxy:mean",
      x: i,
      xKind: "step",
      kl: i * 1e-4,
      klEstimator: "k3",
      proxyScore: Math.log1p(i),
      proxyScores: [1, 2, 3, 4, 5].map((m) => m + i * 1e-3),
      goldScore: Math.sin(i * 1e-4),
    });
  }
  store.curves.append(points);
  // A second run's curve in the same file, so the read must find its range rather than read the table.
  const other = store.runs.create({ name: "other", seed: 1 });
  store.curves.append(points.map((p) => ({ ...p, runId: other.id })));
  store.close();
  store = openDatabase(file);
  const times: number[] = [];
  for (let k = 0; k < 15; k++) {
    const t = performance.now();
    const cols = store.curves.readColumns(run.id, "proxy:mean")!;
    times.push(performance.now() - t);
    if (cols.x.length !== CURVE_POINTS) throw new Error("curve length mismatch");
  }
  store.close();
  return median(times);
}

try {
  await writeLines(path.join(dir, "pairs.jsonl"), jsonlLines());
  await writeLines(path.join(dir, "pairs.csv"), csvLines());
  const results = {
    import_rows_per_s_jsonl: Math.round(await importRate(path.join(dir, "pairs.jsonl"))),
    import_rows_per_s_csv: Math.round(await importRate(path.join(dir, "pairs.csv"))),
    metric_points_per_s: Math.round(metricRate()),
    curve_read_ms_100k: Number(curveReadMs().toFixed(2)),
  };
  recordBench("storage", "cpu", results);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
