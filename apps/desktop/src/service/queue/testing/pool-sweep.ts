/**
 * Benchmark driver (tools/bench/pool.ts spawns it): a lab (the real LabService on a fresh SQLite
 * file) submits diagnostic.counter runs to a worker pool and prints, as one JSON line, when each
 * run was submitted, started (the lab saw its worker pick it up), finished on its worker (BullMQ's
 * finishedOn) and was stored (the lab read `done`).
 *
 * Usage: node --import tsx pool-sweep.ts <queue-url> <db-file> <runs> <config-json> [parallel|sequential]
 */
import { dirname, join } from "node:path";
import { Job, Queue } from "bullmq";
import { openDatabase } from "@goodhart/storage";
import { createLabService } from "../../lab-service.ts";
import { waitForStatus } from "../../testing/wait-for.ts";
import { POOL_QUEUE } from "../pool-job.ts";
import { connectionOf, parseQueueUrl } from "../queue-url.ts";

const [url, dbFile, runsText, configJson, mode = "parallel"] = process.argv.slice(2);
if (!url || !dbFile || !runsText || !configJson)
  throw new Error("usage: pool-sweep.ts <queue-url> <db-file> <runs> <config-json> [parallel|sequential]");
const runs = Number(runsText);
const store = openDatabase(dbFile);
const service = createLabService({ store, dataDir: join(dirname(dbFile), "data"), queueUrl: url, threads: 1 });
const started = new Map<number, number>();
const stored = new Map<number, number>();
service.runs.onDidChangeStatus((e) => {
  if (e.status === "running" && !started.has(e.runId)) started.set(e.runId, Date.now());
  if (e.status === "done") stored.set(e.runId, Date.now());
});
const experiment = await service.experiments.create({ name: "pool bench", kind: "diagnostic.counter", config: JSON.parse(configJson) });
const submitted = new Map<number, number>();
const cpu0 = process.cpuUsage();
const t0 = Date.now();
const ids: number[] = [];
for (let seed = 1; seed <= runs; seed++) {
  const at = Date.now();
  const { id } = await service.runs.start({ experimentId: experiment.id, seed });
  submitted.set(id, at);
  ids.push(id);
  if (mode === "sequential") await waitForStatus(service, id, ["done", "failed", "cancelled", "interrupted"], 300_000);
}
const statuses = await Promise.all(ids.map((id) => waitForStatus(service, id, ["done", "failed", "cancelled", "interrupted"], 600_000)));
const wallMs = Math.max(...ids.map((id) => stored.get(id) ?? Date.now())) - t0;
const cpu = process.cpuUsage(cpu0);
const queue = new Queue(POOL_QUEUE, { connection: connectionOf(parseQueueUrl(url)) });
const perRun = [];
for (const id of ids) {
  const job = await Job.fromId(queue, store.runExecutions.get(id)!.jobId);
  perRun.push({
    runId: id,
    submitted: submitted.get(id)!,
    started: started.get(id) ?? null,
    finishedOnWorker: job?.finishedOn ?? null,
    stored: stored.get(id) ?? null,
  });
}
await queue.close();
await service.close();
store.close();
process.stdout.write(`${JSON.stringify({ statuses, wallMs, labCpuS: (cpu.user + cpu.system) / 1e6, perRun })}\n`);
