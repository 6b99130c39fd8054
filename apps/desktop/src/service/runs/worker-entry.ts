/**
 * The body of a job's worker thread: loads the experiment module, gives it a context wired to
 * postMessage, and reports exactly one terminal message (done, cancelled or failed).
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { parentPort, workerData } from "node:worker_threads";
import type { DatasetSource, LabelledExample, ModelFolderRef, ModelSource } from "@goodhart/objectives";
import { serializeError } from "../../shared/errors.ts";
import { CancelledError, type ExperimentContext, type ExperimentRun, type RunReporter } from "./experiment.ts";
import type { MetricSample, ParentMessage, WorkerMessage, WorkerStart } from "./protocol.ts";
import { checkpointPath } from "./checkpoint-path.ts";

/** The datasets and label sets that came with the job; asking for another is an error naming the ones it has. */
function datasetSource(rows: Record<number, LabelledExample[]>, labelSets: WorkerStart["labelSets"] = {}): DatasetSource {
  return {
    labelledExamples(id) {
      const found = rows[id];
      if (!found) throw new Error(`dataset ${id} was not loaded for this job (it has ${Object.keys(rows).join(", ") || "none"})`);
      return found;
    },
    labelSet(id) {
      const found = labelSets[id];
      if (!found) throw new Error(`label set ${id} was not loaded for this job (it has ${Object.keys(labelSets).join(", ") || "none"})`);
      return found;
    },
  };
}

/** The model folders that came with the job; asking for another is an error naming the ones it has. */
function modelSource(folders: Record<number, ModelFolderRef>): ModelSource {
  return {
    folder(id) {
      const found = folders[id];
      if (!found) throw new Error(`model ${id} was not sent with this job (it has ${Object.keys(folders).join(", ") || "none"})`);
      return found;
    },
  };
}

async function main(): Promise<void> {
  const start = workerData as WorkerStart;
  const port = parentPort!;
  const flag = new Int32Array(start.cancelFlag);
  const abort = new AbortController();
  const firstRun = start.runs[0]!.runId;
  port.on("message", (m: ParentMessage) => {
    if (m.type === "cancel") {
      Atomics.store(flag, 0, 1);
      abort.abort(new CancelledError(`run ${firstRun} was cancelled`));
    }
  });

  // Metrics are batched per run so a chatty loop costs one message, not thousands; any other
  // message flushes them first, so the parent sees everything in the order it happened.
  const pending = new Map<number, MetricSample[]>();
  const flushMetrics = (): void => {
    for (const [runId, points] of pending)
      if (points.length > 0) port.postMessage({ type: "metrics", runId, points } satisfies WorkerMessage);
    pending.clear();
  };
  const send = (m: WorkerMessage): void => {
    flushMetrics();
    port.postMessage(m);
  };
  const addMetric = (runId: number, point: MetricSample): void => {
    let list = pending.get(runId);
    if (!list) pending.set(runId, (list = []));
    list.push(point);
    if (list.length >= 256) flushMetrics();
  };

  // Progress belongs to the run executing now (the last one begun), else the first.
  let current = firstRun;
  const reporters = new Map(
    start.runs.map(({ runId, key }) => [
      key,
      {
        runId,
        begin() {
          current = runId;
          send({ type: "run-started", runId });
        },
        metric: (step, name, value) => addMetric(runId, { step, name, value }),
        curvePoints: (points) => send({ type: "curve", runId, points: [...points] }),
        fit: (fit) => send({ type: "fits", runId, fits: [fit] }),
        labelSet: (set) => send({ type: "label-set", runId, set }),
        samples: (set) => send({ type: "samples", runId, set }),
        model: (model) => send({ type: "model", runId, model }),
        result: (result) => send({ type: "run-result", runId, result }),
        end: (status, error) => send({ type: "run-ended", runId, status, error: error ?? null }),
      } satisfies RunReporter,
    ]),
  );

  const context: ExperimentContext = {
    runId: firstRun,
    runKeys: start.runs.map((r) => r.key),
    seed: start.seed,
    device: start.device,
    threads: start.threads,
    cacheDir: start.cacheDir,
    ...(start.datasets || start.labelSets ? { datasets: datasetSource(start.datasets ?? {}, start.labelSets) } : {}),
    ...(start.models ? { models: modelSource(start.models) } : {}),
    signal: abort.signal,
    cancelRequested: () => Atomics.load(flag, 0) === 1,
    throwIfCancelled() {
      if (Atomics.load(flag, 0) === 1) throw new CancelledError(`run ${firstRun} was cancelled`);
    },
    progress: (step, totalSteps, message) => send({ type: "progress", runId: current, step, totalSteps, message: message ?? null }),
    metric: (step, name, value) => addMetric(firstRun, { step, name, value }),
    curvePoint: (point) => send({ type: "curve", runId: firstRun, points: [point] }),
    fit: (fit) => send({ type: "fits", runId: firstRun, fits: [fit] }),
    run(key) {
      const r = reporters.get(key);
      if (!r) throw new Error(`this job has no run '${key}' (it runs ${[...reporters.keys()].map((k) => `'${k}'`).join(", ")})`);
      return r;
    },
    model: (model) => send({ type: "model", runId: null, model }),
    async saveCheckpoint(step, state) {
      await mkdir(start.runDir, { recursive: true });
      const file = checkpointPath(start.runDir);
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify({ step, state }));
      await rename(temp, file);
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
    // It returned: it finished, even if a stop was asked for after its last step.
    send({ type: "done", result: result ?? {} });
  } catch (err) {
    if (context.cancelRequested() || err instanceof CancelledError) send({ type: "cancelled" });
    else send({ type: "failed", error: serializeError(err) });
  }
  port.close();
}

await main();
