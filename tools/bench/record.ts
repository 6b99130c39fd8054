// Shared by every benchmark script: where results go and what context they carry.
import { execSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const benchResultsDir = `${repoRoot}/bench-results`;

export interface BenchFile {
  machine: { cpu: string; cores: number; memory_gb: number; platform: string; node: string };
  device: string;
  commit: string;
  time: string;
  results: Record<string, number | string>;
}

function currentCommit(): string {
  try {
    return execSync("git rev-parse --short HEAD", { cwd: repoRoot, stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
  } catch {
    return "unknown";
  }
}

export function machineInfo(): BenchFile["machine"] {
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()}-${os.arch()}`,
    node: process.version,
  };
}

export interface RecordOptions {
  /**
   * Keep the keys already in bench-results/<project>.json and add or overwrite only these
   * results, so several scripts can contribute to one project's file. Default false (replace).
   */
  merge?: boolean;
}

/** Reads the results already recorded for a project, or none when the file is absent or unreadable. */
function existingResults(path: string): BenchFile["results"] {
  if (!existsSync(path)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<BenchFile>;
    return parsed.results && typeof parsed.results === "object" ? parsed.results : {};
  } catch {
    console.warn(`${path} is not valid JSON; writing only the new results`);
    return {};
  }
}

/** Writes bench-results/<project>.json and prints the results as a table. */
export function recordBench(project: string, device: string, results: BenchFile["results"], options: RecordOptions = {}): BenchFile {
  const path = `${benchResultsDir}/${project}.json`;
  const merged = options.merge ? { ...existingResults(path), ...results } : results;
  const file: BenchFile = { machine: machineInfo(), device, commit: currentCommit(), time: new Date().toISOString(), results: merged };
  mkdirSync(benchResultsDir, { recursive: true });
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  console.log(`\n${project} (${device}, ${file.machine.cpu} x${file.machine.cores}, commit ${file.commit})`);
  console.table(results);
  return file;
}

/** Median of repeated timings; benchmarks report medians. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
