// The worker pool with real processes: a redis-server on a free port, `goodhart worker` child
// processes (bin/goodhart.mjs, each running grid points in worker threads), and labs (the real
// LabService on SQLite files) submitting to them. Checks that pooled runs equal local ones bit for
// bit, that a worker killed with -9 loses nothing and duplicates nothing, that a bundle imported
// twice adds nothing, that a wrong password is refused clearly, and that no credential is stored.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Job, Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LabStore, openDatabase } from "@goodhart/storage";
import { type LabService, createLabService } from "../lab-service.ts";
import { waitForStatus } from "../testing/wait-for.ts";
import { POOL_QUEUE } from "./pool-job.ts";
import { type RedisServer, poolTestsUnavailable, startRedis } from "./testing/redis-server.ts";

const unavailable = poolTestsUnavailable();
if (unavailable) console.warn(`pool.test.ts skipped: ${unavailable}`);

const PASSWORD = "pool-test-s3cret";
const cliBin = fileURLToPath(new URL("../../../bin/goodhart.mjs", import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), "goodhart-pool-"));
const shared = path.join(root, "shared");
// Each point takes about 0.6 s, with a checkpoint every 4 steps (a killed run resumes from one).
const COUNTER = { steps: 24, stepMs: 25, checkpointEvery: 4 };
const SEEDS = Array.from({ length: 12 }, (_, i) => i + 1);

interface Worker {
  name: string;
  proc: ChildProcess;
  log: () => string;
  exited: Promise<number | null>;
}

function startWorker(name: string, url: string): Worker {
  const proc = spawn(
    process.execPath,
    [cliBin, "worker", "--queue", url, "--name", name, "--shared", shared, "--threads", "1", "--lock-ms", "1500"],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, GOODHART_CACHE: path.join(root, "cache") } },
  );
  let log = "";
  proc.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  return { name, proc, log: () => log, exited };
}

async function waitForLog(w: Worker, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!pattern.test(w.log())) {
    if (w.proc.exitCode !== null) throw new Error(`${w.name} exited (${w.proc.exitCode}): ${w.log()}`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`${w.name}: timed out waiting for ${pattern}: ${w.log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let labs = 0;
function openLab(extra: { queueUrl?: string; runConcurrency?: number } = {}): { service: LabService; store: LabStore; file: string } {
  const dir = path.join(root, `lab-${++labs}`);
  const file = path.join(dir, "lab.sqlite");
  const store = openDatabase(file);
  // The workers' cache too: a base policy pretrained once serves every lab and worker.
  const service = createLabService({ store, dataDir: path.join(dir, "data"), cacheDir: path.join(root, "cache"), threads: 1, ...extra });
  return { service, store, file };
}

/** Starts one counter run per seed and waits until all have ended; returns their ids by seed. */
async function runSeeds(service: LabService, seeds: readonly number[], timeoutMs = 120_000): Promise<number[]> {
  const experiment = await service.experiments.create({ name: "pool sweep", kind: "diagnostic.counter", config: COUNTER });
  const ids: number[] = [];
  for (const seed of seeds) ids.push((await service.runs.start({ experimentId: experiment.id, seed })).id);
  const statuses = await Promise.all(
    ids.map((id) => waitForStatus(service, id, ["done", "failed", "cancelled", "interrupted"], timeoutMs)),
  );
  expect(statuses).toEqual(ids.map(() => "done"));
  return ids;
}

/** Everything a run stored, without ids: metrics (every value), curve points, result. */
function stored(store: LabStore, runId: number) {
  const metrics = store.metrics.names(runId).map((name) => {
    const s = store.metrics.series(runId, name);
    return { name, steps: Array.from(s.steps), values: Array.from(s.values) };
  });
  const curves = store.curves.series(runId).map((s) => ({
    series: s.name,
    points: store.curves.points(runId, s.name).map(({ runId: _runId, ...p }) => p),
  }));
  const { resumedFrom: _resumedFrom, ...result } = (store.runs.get(runId)?.result ?? {}) as Record<string, unknown>;
  return { metrics, curves, result };
}

/**
 * A result less what differs between any two executions of the same run: wall times (`timings`)
 * and whether the base policy came from the cache (`cached`); the numbers stay.
 */
function withoutExecutionFacts(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutExecutionFacts);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== "timings" && k !== "cached")
      .map(([k, v]) => [k, withoutExecutionFacts(v)]),
  );
}

describe.skipIf(unavailable !== null)("worker pool (BullMQ on a real redis-server)", () => {
  let redis: RedisServer;
  let url: string;
  let workers: Worker[] = [];
  let local: ReturnType<typeof stored>[] = [];

  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD });
    url = `redis://:${PASSWORD}@127.0.0.1:${redis.port}`;
    workers = ["w1", "w2", "w3"].map((name) => startWorker(name, url));
    // The reference: the same sweep in a lab's own worker threads (same seeds, one thread each).
    const lab = openLab({ runConcurrency: 3 });
    const ids = await runSeeds(lab.service, SEEDS);
    local = ids.map((id) => stored(lab.store, id));
    await lab.service.close();
    lab.store.close();
    await Promise.all(workers.map((w) => waitForLog(w, /waiting for runs/)));
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) if (w.proc.exitCode === null) w.proc.kill("SIGKILL");
    await Promise.all(workers.map((w) => w.exited));
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("runs a 12-point sweep on 3 worker processes, equal bit for bit to the same sweep run locally; a bundle imported again adds nothing", async () => {
    const lab = openLab({ queueUrl: url });
    try {
      const ids = await runSeeds(lab.service, SEEDS);
      expect(ids.map((id) => stored(lab.store, id))).toStrictEqual(local);
      expect(local[0]!.metrics[0]!.values).toHaveLength(COUNTER.steps);

      // Each run names where it executed; the work was spread over the pool.
      const runs = await Promise.all(ids.map((id) => lab.service.runs.get({ id })));
      for (const r of runs) expect(r.executor).toMatch(/^w[123]@/);
      expect(new Set(runs.map((r) => r.executor)).size).toBeGreaterThanOrEqual(2);

      // The bundle of a finished run, fetched from the queue and imported again: nothing is added.
      const execution = lab.store.runExecutions.get(ids[0]!)!;
      expect(execution.queue).toBe(`127.0.0.1:${redis.port}`);
      expect(execution.bundleHash).toMatch(/^[0-9a-f]{64}$/);
      const queue = new Queue(POOL_QUEUE, { connection: { host: "127.0.0.1", port: redis.port, password: PASSWORD } });
      try {
        const job = await Job.fromId(queue, execution.jobId);
        expect(typeof job?.returnvalue).toBe("string");
        const before = stored(lab.store, ids[0]!);
        const again = await lab.service.importRunBundle(ids[0]!, job!.returnvalue as string);
        expect(again).toMatchObject({
          added: false,
          hash: execution.bundleHash,
          reason: expect.stringMatching(/already imported this bundle/),
        });
        expect(stored(lab.store, ids[0]!)).toStrictEqual(before);
        // A bundle of another run is not taken either.
        const other = await lab.service.importRunBundle(ids[1]!, job!.returnvalue as string);
        expect(other.added).toBe(false);
      } finally {
        await queue.close();
      }
    } finally {
      await lab.service.close();
      lab.store.close();
    }
    // No credential in the database file or the workers' output.
    expect(readFileSync(lab.file).includes(PASSWORD)).toBe(false);
    for (const w of workers) expect(w.log()).not.toContain(PASSWORD);
  }, 180_000);

  it("kill -9 of a worker mid-run: every point completes once, equal to the local sweep", async () => {
    const lab = openLab({ queueUrl: url });
    try {
      let killed: Worker | null = null;
      // The first worker seen executing a run past its first checkpoint, and no further than half
      // way, is killed: progress reaches the lab through Redis at most five times a second, so a
      // later report (on a loaded machine, the run's last) may arrive when the run has already
      // finished and there is nothing left to resume. It is killed only while its run folder holds
      // a whole checkpoint (the worker thread's file and the points beside it at the same step): a
      // kill between those two writes makes the next worker restart the run, by design.
      const off = lab.service.runs.onDidProgress((p) => {
        if (killed || p.step < COUNTER.checkpointEvery + 1 || p.step > COUNTER.steps / 2) return;
        const execution = lab.store.runExecutions.get(p.runId);
        const executor = execution?.worker ?? "";
        const victim = workers.find((w) => executor.startsWith(`${w.name}@`) && w.proc.exitCode === null);
        if (!victim || !execution?.jobId) return;
        // The run's folder in the shared folder: the job id less its trailing hash (`<lab>-r<run>`).
        const runDir = path.join(shared, "runs", execution.jobId.replace(/-[^-]+$/, ""));
        const stepIn = (file: string) => {
          try {
            return (JSON.parse(readFileSync(path.join(runDir, file), "utf8")) as { step?: number }).step ?? null;
          } catch {
            return null;
          }
        };
        const checkpointStep = stepIn("checkpoint.json");
        if (checkpointStep === null || checkpointStep !== stepIn("bundle-partial.json")) return;
        killed = victim;
        victim.proc.kill("SIGKILL");
      });
      const ids = await runSeeds(lab.service, SEEDS, 150_000);
      off();
      expect(killed).not.toBeNull();
      expect(await killed!.exited).toBeNull(); // killed by the signal
      // Another worker took the job over from the checkpoint in the shared folder.
      expect(
        workers
          .filter((w) => w !== killed)
          .map((w) => w.log())
          .join("\n"),
      ).toMatch(/resumes from the checkpoint at step \d+/);
      const runs = ids.map((id) => stored(lab.store, id));
      // Nothing duplicated: one value per step in every series, and the same numbers as locally.
      for (const r of runs) for (const m of r.metrics) expect(m.steps).toEqual(Array.from({ length: COUNTER.steps }, (_, i) => i + 1));
      expect(runs).toStrictEqual(local);
    } finally {
      await lab.service.close();
      lab.store.close();
    }
  }, 200_000);

  it("runs a best-of-n study's grid points on the pool, equal to the study run locally (curves, fits, results)", async () => {
    // Two grid points (label noise 0 and 0.25); each pooled point runs alone, from its narrowed config.
    const study = {
      name: "pooled",
      task: { seed: 0, prompts: { train: 200, validation: 20, test: 20 } },
      basePolicy: { layers: 1, dModel: 16, heads: 2, pretrainSteps: 10 },
      proxySizes: [{ name: "tiny", layers: 1, dModel: 16, heads: 2 }],
      trainingSizes: [128],
      labelNoise: [0, 0.25],
      ensemble: { size: 2, aggregations: ["mean", "wco"] },
      bon: { poolSize: 8, evalPrompts: 4 },
      seeds: [1],
    };
    const results = [];
    for (const queueUrl of [undefined, url]) {
      const lab = openLab(queueUrl ? { queueUrl } : {});
      try {
        const experiment = await lab.service.experiments.create({ name: "bon", kind: "bon-study", config: study });
        await lab.service.runs.start({ experimentId: experiment.id, seed: 0 });
        const ids = (await lab.service.runs.list({ experimentId: experiment.id })).map((r) => r.id);
        expect(ids).toHaveLength(2);
        for (const id of ids)
          expect(await waitForStatus(lab.service, id, ["done", "failed", "cancelled", "interrupted"], 240_000)).toBe("done");
        results.push(
          ids.map((id) => ({
            ...stored(lab.store, id),
            result: withoutExecutionFacts(stored(lab.store, id).result),
            fits: lab.store.fits.forRun(id).map(({ id: _id, runId: _runId, createdAt: _createdAt, ...f }) => f),
          })),
        );
        if (queueUrl) for (const id of ids) expect((await lab.service.runs.get({ id })).executor).toMatch(/^w[123]@/);
      } finally {
        await lab.service.close();
        lab.store.close();
      }
    }
    expect(results[0]![0]!.curves.length).toBeGreaterThan(0);
    expect(results[0]![0]!.fits.length).toBeGreaterThan(0);
    expect(results[1]).toStrictEqual(results[0]);
  }, 300_000);

  it("cancels pooled runs: a waiting job is removed at once, an executing one stops on its worker", async () => {
    const lab = openLab({ queueUrl: url });
    try {
      const alive = workers.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null).length;
      const experiment = await lab.service.experiments.create({
        name: "long",
        kind: "diagnostic.counter",
        config: { steps: 400, stepMs: 25, checkpointEvery: 50 },
      });
      // One more run than there are live workers: at least one waits in the queue.
      const ids: number[] = [];
      for (let seed = 1; seed <= alive + 1; seed++) ids.push((await lab.service.runs.start({ experimentId: experiment.id, seed })).id);
      await Promise.all(ids.slice(0, alive).map((id) => waitForStatus(lab.service, id, ["running"], 60_000)));
      const all = await Promise.all(ids.map((id) => lab.service.runs.get({ id })));
      const waiting = all.find((r) => r.status === "queued")!;
      expect(waiting).toBeDefined();
      expect((await lab.service.runs.cancel({ id: waiting.id })).status).toBe("cancelled");
      const running = ids.find((id) => id !== waiting.id)!;
      const t0 = Date.now();
      expect((await lab.service.runs.cancel({ id: running })).status).toBe("cancelled");
      expect(Date.now() - t0).toBeLessThan(10_000);
      for (const id of ids.filter((i) => i !== waiting.id && i !== running)) await lab.service.runs.cancel({ id });
      // A cancelled run took no bundle.
      expect(lab.store.runExecutions.get(running)?.bundleHash).toBeNull();
    } finally {
      await lab.service.close();
      lab.store.close();
    }
  }, 120_000);

  it("refuses a wrong or missing password clearly, in the worker and in the lab, creating nothing", async () => {
    const wrong = `redis://:not-the-password@127.0.0.1:${redis.port}`;
    const worker = startWorker("wrong", wrong);
    expect(await worker.exited).toBe(1);
    expect(worker.log()).toMatch(new RegExp(`the queue at 127\\.0\\.0\\.1:${redis.port} refused the password`));
    expect(worker.log()).not.toContain("not-the-password");

    const lab = openLab({ queueUrl: wrong });
    try {
      const experiment = await lab.service.experiments.create({ name: "refused", kind: "diagnostic.counter", config: COUNTER });
      await expect(lab.service.runs.start({ experimentId: experiment.id, seed: 1 })).rejects.toThrow(/refused the password/);
      expect(await lab.service.runs.list({})).toEqual([]);
    } finally {
      await lab.service.close();
      lab.store.close();
    }
    const none = openLab({ queueUrl: `redis://127.0.0.1:${redis.port}` });
    try {
      const experiment = await none.service.experiments.create({ name: "no password", kind: "diagnostic.counter", config: COUNTER });
      const previous = process.env.GOODHART_QUEUE_PASSWORD;
      delete process.env.GOODHART_QUEUE_PASSWORD;
      try {
        await expect(none.service.runs.start({ experimentId: experiment.id, seed: 1 })).rejects.toThrow(/requires a password \(NOAUTH\)/);
      } finally {
        if (previous !== undefined) process.env.GOODHART_QUEUE_PASSWORD = previous;
      }
    } finally {
      await none.service.close();
      none.store.close();
    }
  }, 60_000);

  it("goodhart run --queue submits from the command line and stores the pooled run", async () => {
    const db = path.join(root, "cli", "lab.sqlite");
    const proc = spawn(
      process.execPath,
      [cliBin, "run", "--kind", "diagnostic.counter", "--set", "steps=6", "--set", "stepMs=5", "--queue", url, "--db", db],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => proc.once("exit", r));
    expect(code, out).toBe(0);
    expect(out).toMatch(new RegExp(`worker pool at 127\\.0\\.0\\.1:${redis.port}`));
    expect(out).not.toContain(PASSWORD);
    const store = openDatabase(db);
    try {
      const [run] = store.runs.list();
      expect(run?.status).toBe("done");
      expect(store.metrics.series(run!.id, "counter.step").steps).toHaveLength(6);
      expect(store.runExecutions.get(run!.id)?.worker).toMatch(/^w[123]@/);
    } finally {
      store.close();
    }
  }, 90_000);
});
