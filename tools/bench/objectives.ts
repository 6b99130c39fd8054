// Benchmark of `goodhart demo` (the best-of-n study on the built-in task): wall time of a first
// run (base policy pretrained) and of a cached run, each in a fresh process on a fresh database,
// the cached run's time per phase, and peak RSS. Runs the real CLI entry point.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { recordBench, repoRoot } from "./record.ts";

interface DemoBench {
  wall_s: number;
  cpu_s: number;
  cached: boolean;
  phases_s: Record<string, number>;
  peak_rss_mb: number;
}

const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-bench-objectives-"));
const cli = path.join(repoRoot, "apps/desktop/bin/goodhart.mjs");

function demo(label: string, db: string): DemoBench & { process_s: number } {
  const t0 = performance.now();
  const child = spawnSync(process.execPath, [cli, "demo", "--bench", "--db", db, "--cache", path.join(dir, "cache")], { encoding: "utf8", maxBuffer: 64 << 20 });
  const processS = (performance.now() - t0) / 1000;
  if (child.status !== 0) throw new Error(`goodhart demo (${label}) exited with ${child.status}:\n${child.stderr}`);
  const line = child.stdout.split("\n").find((l) => l.startsWith('{"bench":"demo"'));
  if (!line) throw new Error(`goodhart demo (${label}) printed no bench line:\n${child.stdout}`);
  console.log(`${label}: ${processS.toFixed(1)} s\n${child.stdout.split("\n").slice(0, 25).join("\n")}`);
  return { ...(JSON.parse(line) as DemoBench), process_s: processS };
}

try {
  const first = demo("first run (pretrains the base policy)", path.join(dir, "first.sqlite"));
  const cached = demo("cached run", path.join(dir, "cached.sqlite"));
  if (first.cached || !cached.cached) throw new Error("expected the first run to pretrain and the second to load the cached policy");
  const results: Record<string, number> = {
    demo_first_s: Number(first.process_s.toFixed(1)),
    demo_cached_s: Number(cached.process_s.toFixed(1)),
    demo_peak_rss_mb: Math.max(first.peak_rss_mb, cached.peak_rss_mb),
    demo_first_pretrain_s: first.phases_s.pretrain ?? 0,
    demo_first_cpu_s: first.cpu_s,
    demo_cached_cpu_s: cached.cpu_s,
    load_average_1m: Number(os.loadavg()[0]!.toFixed(1)),
  };
  for (const [phase, s] of Object.entries(cached.phases_s)) results[`demo_cached_${phase.replace(/-/g, "_")}_s`] = s;
  results.demo_cached_other_s = Number((cached.process_s - Object.values(cached.phases_s).reduce((a, b) => a + b, 0)).toFixed(2));
  recordBench("objectives", "cpu", results);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
