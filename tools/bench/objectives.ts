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
import { meanAndSe } from "@goodhart/objectives";
import { recordBench, repoRoot } from "./record.ts";
import { DATA_STUDY, scienceResults, storedRuns } from "./science.ts";

interface DemoBench {
  wall_s: number;
  cpu_s: number;
  cached: boolean;
  phases_s: Record<string, number>;
  peak_rss_mb: number;
}

const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-bench-objectives-"));
const cli = path.join(repoRoot, "apps/desktop/bin/goodhart.mjs");
const round = (x: number) => Number(x.toFixed(4));
const cache = path.join(dir, "cache");

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

  // Science: the demo's findings at 25% noise, and the data-size study's (tools/bench/science.ts).
  const dataDb = path.join(dir, "data.sqlite");
  goodhart("data-size study", ["run", DATA_STUDY, "--db", dataDb, "--cache", cache]);
  recordBench("science", "cpu", scienceResults(demoRuns, storedRuns(dataDb)));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
