/**
 * The body of a run's worker thread: loads the experiment module, gives it a context wired to
 * postMessage, and reports exactly one terminal message (done, cancelled or failed).
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { parentPort, workerData } from "node:worker_threads";
import { serializeError } from "../../shared/errors.ts";
import { CancelledError, type ExperimentContext, type ExperimentRun } from "./experiment.ts";
import type { MetricSample, ParentMessage, WorkerMessage, WorkerStart } from "./protocol.ts";
import { checkpointPath } from "./checkpoint-path.ts";


async function main(): Promise<void> {
  const start = workerData as WorkerStart;
  const port = parentPort!;
  const send = (m: WorkerMessage): void => port.postMessage(m);
  const flag = new Int32Array(start.cancelFlag);
  const abort = new AbortController();
  port.on("message", (m: ParentMessage) => {
    if (m.type === "cancel") {
      Atomics.store(flag, 0, 1);
      abort.abort(new CancelledError(`run ${start.runId} was cancelled`));
    }
  });

  // Metrics are batched per tick so a chatty loop costs one message, not thousands.
  let pending: MetricSample[] = [];
  const flushMetrics = (): void => {
    if (pending.length === 0) return;
    send({ type: "metrics", points: pending });
    pending = [];
  };

  const context: ExperimentContext = {
    runId: start.runId,
    seed: start.seed,
    device: start.device,
    cacheDir: start.cacheDir,
    signal: abort.signal,
    cancelRequested: () => Atomics.load(flag, 0) === 1,
    throwIfCancelled() {
      if (Atomics.load(flag, 0) === 1) throw new CancelledError(`run ${start.runId} was cancelled`);
    },
    progress(step, totalSteps, message) {
      flushMetrics();
      send({ type: "progress", step, totalSteps, message: message ?? null });
    },
    metric(step, name, value) {
      pending.push({ step, name, value });
      if (pending.length >= 256) flushMetrics();
    },
    curvePoint(point) {
      flushMetrics();
      send({ type: "curve", points: [point] });
    },
    fit(fit) {
      flushMetrics();
      send({ type: "fits", fits: [fit] });
    },
    async saveCheckpoint(step, state) {
      await mkdir(start.runDir, { recursive: true });
      const file = checkpointPath(start.runDir);
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify({ step, state }));
      await rename(temp, file);
      flushMetrics();
      send({ type: "checkpoint", step });
    },
    async loadCheckpoint<T>() {
      if (!start.resume) return null;
      try {
        return JSON.parse(await readFile(checkpointPath(start.runDir), "utf8")) as { step: number; state: T };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw err;
      }
    },
  };

  try {
    const mod = (await import(start.experimentModule)) as { run?: ExperimentRun };
    if (typeof mod.run !== "function") throw new Error(`${start.experimentModule} does not export run(config, context)`);
    const result = await mod.run(start.config, context);
    flushMetrics();
    send(context.cancelRequested() ? { type: "cancelled" } : { type: "done", result: result ?? {} });
  } catch (err) {
    flushMetrics();
    if (context.cancelRequested() || err instanceof CancelledError) send({ type: "cancelled" });
    else send({ type: "failed", error: serializeError(err) });
  }
  port.close();
}

await main();
