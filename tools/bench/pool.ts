/**
 * Worker pool benchmark (issue 19), on this machine with a real redis-server and real `goodhart
 * worker` processes (one thread each, --threads 1):
 *
 * - `pool_runs_per_min_w1|w2|w3`: a fixed sweep of 12 diagnostic.counter runs (CPU-bound: each
 *   spins 20 x 25 ms) through 1, 2 and 3 workers, from the first submission to the last run stored
 *   in the lab.
 * - `pool_overhead_ms`: the queue's cost per run, median over 5 one-step runs submitted one at a
 *   time to one idle worker: submit -> start (the lab sees its worker pick it up) plus finish ->
 *   stored (the worker returned the bundle -> the lab stored it and reads `done`); both parts are
 *   recorded too. A run's own worker-thread start-up is part of neither.
 *
 * CPU-seconds of the lab and of each worker process (utime + stime from /proc) are recorded beside
 * the wall times, with the load average, because the machine may be shared. Needs redis-server and
 * BullMQ's Redis driver (ioredis); without them it records why it was skipped.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import os from "node:os";
import { join } from "node:path";
import { median, recordBench, repoRoot } from "./record.ts";

const SWEEP_RUNS = 12;
const SWEEP_CONFIG = { steps: 20, stepMs: 25, busy: true, checkpointEvery: 5 };
const OVERHEAD_RUNS = 5;
const OVERHEAD_CONFIG = { steps: 1, stepMs: 0, checkpointEvery: 1 };
const cli = join(repoRoot, "apps/desktop/bin/goodhart.mjs");
const driver = join(repoRoot, "apps/desktop/src/service/queue/testing/pool-sweep.ts");

function unavailable(): string | null {
  if (spawnSync("redis-server", ["--version"]).status !== 0) return "redis-server is not installed";
  try {
    createRequire(createRequire(join(repoRoot, "apps/desktop/package.json")).resolve("bullmq")).resolve("ioredis");
  } catch {
    return "BullMQ's Redis driver (ioredis) is not installed";
  }
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function waitForOutput(child: ChildProcess, pattern: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = "";
    const on = (d: Buffer) => {
      text += d.toString();
      if (pattern.test(text)) resolve();
    };
    child.stdout?.on("data", on);
    child.stderr?.on("data", on);
    child.once("exit", (code) => reject(new Error(`${what} exited (${code}): ${text}`)));
  });
}

/** CPU-seconds a live process has used (Linux /proc; 0 elsewhere). */
function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

interface SweepOutput {
  statuses: string[];
  wallMs: number;
  labCpuS: number;
  perRun: { submitted: number; started: number | null; finishedOnWorker: number | null; stored: number | null }[];
}

async function sweep(url: string, dir: string, runs: number, config: object, mode: string): Promise<SweepOutput> {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", driver, url, join(dir, `lab-${Date.now()}.sqlite`), String(runs), JSON.stringify(config), mode],
    {
      encoding: "utf8",
      timeout: 900_000,
    },
  );
  if (r.status !== 0) throw new Error(`pool-sweep failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as SweepOutput;
  if (out.statuses.some((s) => s !== "done")) throw new Error(`runs did not all finish: ${out.statuses.join(", ")}`);
  return out;
}

async function main(): Promise<void> {
  const skip = unavailable();
  if (skip) {
    console.warn(`pool benchmark skipped: ${skip}`);
    recordBench("pool", "cpu", { pool_skipped: skip }, { merge: true });
    return;
  }
  const dir = mkdtempSync(join(os.tmpdir(), "goodhart-pool-bench-"));
  const port = await freePort();
  const redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = `redis://127.0.0.1:${port}`;
  const workers: ChildProcess[] = [];
  const results: Record<string, number | string> = {};
  try {
    await waitForOutput(redis, /Ready to accept connections/, "redis-server");
    const startWorker = async (): Promise<void> => {
      const name = `bench-w${workers.length + 1}`;
      const w = spawn(
        process.execPath,
        [cli, "worker", "--queue", url, "--name", name, "--threads", "1", "--shared", join(dir, "shared")],
        {
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      workers.push(w);
      await waitForOutput(w, /waiting for runs/, name);
    };

    // Overhead: one idle worker, one-step runs one at a time.
    await startWorker();
    const overhead = await sweep(url, dir, OVERHEAD_RUNS, OVERHEAD_CONFIG, "sequential");
    const toStart = overhead.perRun.map((r) => r.started! - r.submitted);
    const toStored = overhead.perRun.map((r) => r.stored! - r.finishedOnWorker!);
    results.pool_submit_to_start_ms = Math.round(median(toStart));
    results.pool_finish_to_stored_ms = Math.round(median(toStored));
    results.pool_overhead_ms = Math.round(median(overhead.perRun.map((_, i) => toStart[i]! + toStored[i]!)));

    for (const n of [1, 2, 3]) {
      while (workers.length < n) await startWorker();
      const cpuBefore = workers.map((w) => cpuSecondsOf(w.pid!));
      const load = os.loadavg()[0]!;
      const out = await sweep(url, dir, SWEEP_RUNS, SWEEP_CONFIG, "parallel");
      const workerCpu = workers.reduce((s, w, i) => s + cpuSecondsOf(w.pid!) - cpuBefore[i]!, 0);
      results[`pool_runs_per_min_w${n}`] = Number(((SWEEP_RUNS * 60_000) / out.wallMs).toFixed(1));
      results[`pool_wall_s_w${n}`] = Number((out.wallMs / 1000).toFixed(2));
      results[`pool_cpu_s_w${n}`] = Number((workerCpu + out.labCpuS).toFixed(2));
      results[`pool_load_avg_w${n}`] = Number(load.toFixed(2));
    }
    results.pool_sweep = `${SWEEP_RUNS} x diagnostic.counter ${JSON.stringify(SWEEP_CONFIG)}, --threads 1 workers`;
    results.pool_cores = os.cpus().length;
  } finally {
    for (const w of workers) w.kill("SIGKILL");
    redis.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
  recordBench("pool", "cpu", results, { merge: true });
}

await main();
