// Benchmark of `goodhart demo` (the best-of-n study on the built-in task) and the science
// benchmark. Demo: wall time of a first run (base policy and proxy trunks pretrained) and of a
// cached run, each in a fresh process on a fresh database, the cached run's time per phase, peak
// RSS, and the proxies' validation accuracy per size. Science (bench-results/science.json): each
// best-of-n finding as a number with its 95% bootstrap interval (prompts and seeds resampled), its
// seeds and the command that reproduces it, computed from the samples the studies stored
// (libs/objectives experiments/bon-findings.ts; definitions in docs/science.md). Runs the real CLI.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { demoFindings, meanAndSe, moreDataFinding, promptValuesFromPools, type Finding, type FindingRun } from "@goodhart/objectives";
import { openDatabase } from "@goodhart/storage";
import { recordBench, repoRoot } from "./record.ts";

interface DemoBench {
  wall_s: number;
  cpu_s: number;
  cached: boolean;
  phases_s: Record<string, number>;
  peak_rss_mb: number;
}

interface StoredRun {
  proxy: string;
  trainingSize: number;
  labelNoise: number;
  seed: number;
  members: { validationAccuracy: number }[];
}

const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-bench-objectives-"));
const cli = path.join(repoRoot, "apps/desktop/bin/goodhart.mjs");
const cache = path.join(dir, "cache");
const dataStudy = "tools/bench/science-bon-data.yaml";

function goodhart(label: string, args: string[]): { stdout: string; seconds: number } {
  const t0 = performance.now();
  const child = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", maxBuffer: 64 << 20, cwd: repoRoot });
  const seconds = (performance.now() - t0) / 1000;
  if (child.status !== 0) throw new Error(`goodhart ${args.join(" ")} (${label}) exited with ${child.status}:\n${child.stderr}`);
  console.log(`${label}: ${seconds.toFixed(1)} s\n${child.stdout.split("\n").slice(0, 45).join("\n")}`);
  return { stdout: child.stdout, seconds };
}

function demo(label: string, db: string): DemoBench & { process_s: number } {
  const run = goodhart(label, ["demo", "--bench", "--db", db, "--cache", cache]);
  const line = run.stdout.split("\n").find((l) => l.startsWith('{"bench":"demo"'));
  if (!line) throw new Error(`goodhart demo (${label}) printed no bench line:\n${run.stdout}`);
  return { ...(JSON.parse(line) as DemoBench), process_s: run.seconds };
}

/** Every run of a database with its per-series best-of-n values, rebuilt from its stored sample set. */
function storedRuns(db: string): (FindingRun & { members: { validationAccuracy: number }[] })[] {
  const store = openDatabase(db);
  try {
    return store.runs.list({ status: "done" }).map((run) => {
      const result = run.result as { runs?: StoredRun[] } | null;
      const meta = result?.runs?.[0];
      if (!meta) throw new Error(`${db}: run ${run.id} has no stored result`);
      const set = store.samples.forRun(run.id)[0];
      if (!set) throw new Error(`${db}: run ${run.id} has no stored samples`);
      const width = set.series.length + set.members;
      const rows = store.samples.samples(set.id);
      const pools = Array.from({ length: set.prompts }, (_, p) => {
        const own = rows.filter((r) => r.promptIndex === p);
        const scores = new Float64Array(own.length * width);
        own.forEach((r, i) => scores.set(r.scores, i * width));
        return { gold: own.map((r) => r.gold), scores, width };
      });
      return { proxy: meta.proxy, trainingSize: meta.trainingSize, labelNoise: meta.labelNoise, seed: meta.seed, members: meta.members, series: promptValuesFromPools({ series: set.series, pools }) };
    });
  } finally {
    store.close();
  }
}

const round = (x: number) => Number(x.toFixed(4));

function put(results: Record<string, number | string>, key: string, f: Finding, command: string): void {
  results[key] = round(f.estimate);
  results[`${key}_ci_low`] = round(f.low);
  results[`${key}_ci_high`] = round(f.high);
  results[`${key}_seeds`] = f.seeds;
  results[`${key}_prompts`] = f.prompts;
  results[`${key}_holds`] = f.low > 0 || f.high < 0 ? 1 : 0;
  results[`${key}_command`] = command;
}

try {
  const first = demo("first run (pretrains the base policy and the proxy trunks)", path.join(dir, "first.sqlite"));
  const cachedDb = path.join(dir, "cached.sqlite");
  const cached = demo("cached run", cachedDb);
  if (first.cached || !cached.cached) throw new Error("expected the first run to pretrain and the second to load the cached policy");
  const demoRuns = storedRuns(cachedDb);
  const results: Record<string, number | string> = {
    demo_first_s: Number(first.process_s.toFixed(1)),
    demo_cached_s: Number(cached.process_s.toFixed(1)),
    demo_seeds: new Set(demoRuns.map((r) => r.seed)).size,
    demo_eval_prompts: demoRuns[0]!.series.get("single")!.goldGain[0]!.length,
    demo_peak_rss_mb: Math.max(first.peak_rss_mb, cached.peak_rss_mb),
    demo_first_pretrain_s: first.phases_s.pretrain ?? 0,
    demo_first_cpu_s: first.cpu_s,
    demo_cached_cpu_s: cached.cpu_s,
    load_average_1m: Number(os.loadavg()[0]!.toFixed(1)),
  };
  for (const [phase, s] of Object.entries(cached.phases_s)) results[`demo_cached_${phase.replace(/-/g, "_")}_s`] = s;
  results.demo_cached_other_s = Number((cached.process_s - Object.values(cached.phases_s).reduce((a, b) => a + b, 0)).toFixed(2));
  // Validation accuracy against gold labels per proxy size: clean-label runs, mean over seeds and members.
  for (const size of ["small", "medium", "large"]) {
    const accs = demoRuns.filter((r) => r.proxy === size && r.labelNoise === 0).flatMap((r) => r.members.map((m) => m.validationAccuracy));
    const s = meanAndSe(accs);
    results[`rm_val_acc_${size}`] = round(s.mean);
    results[`rm_val_acc_${size}_se`] = round(s.se);
  }
  recordBench("objectives", "cpu", results);

  // Science: the demo's findings at 25% noise, and the data-size study's.
  const science: Record<string, number | string> = {};
  const demoCommand = "goodhart demo --db lab.sqlite; then tools/bench/objectives.ts recomputes the findings from its stored samples";
  for (const [key, f] of Object.entries(demoFindings(demoRuns, { noise: 0.25 }))) put(science, key, f, demoCommand);
  const dataDb = path.join(dir, "data.sqlite");
  goodhart("data-size study", ["run", dataStudy, "--db", dataDb, "--cache", cache]);
  put(science, "bon_more_data_gain", moreDataFinding(storedRuns(dataDb)), `goodhart run ${dataStudy} --db lab.sqlite; then tools/bench/objectives.ts recomputes the finding from its stored samples`);
  science.bootstrap_replicates = 1000;
  recordBench("science", "cpu", science);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
