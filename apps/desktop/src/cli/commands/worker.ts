import os from "node:os";
import { join, resolve } from "node:path";
import { type CliCommand, UsageError } from "../command.ts";
import { stopSignals, SIGNAL_EXIT_CODES } from "../study-submit.ts";
import { QueueConnectionError } from "../../service/queue/connect.ts";
import { startPoolWorker } from "../../service/queue/pool-worker.ts";
import { QueueUrlError, parseQueueUrl, redactQueueUrl } from "../../service/queue/queue-url.ts";
import { parseOptions } from "./import.ts";
import { parseThreads } from "./run.ts";

function positiveInteger(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got '${text}'`);
  return n;
}

export const workerCommand: CliCommand = {
  name: ["worker"],
  summary: "Run grid points from a worker pool's queue (BullMQ on Redis) until stopped",
  usage: [
    "goodhart worker --queue redis://host:port [--concurrency n] [--device d] [--threads n]",
    "                [--shared folder] [--cache dir] [--name NAME] [--lock-ms ms]",
    "",
    "Pulls runs that labs submitted with `goodhart run ... --queue` (or the app, with a queue URL in",
    "Settings), runs each with this machine's experiment kinds, streams progress back and returns",
    "the run's bundle (config, metrics, curves, fits, label sets, model manifests) to the lab.",
    "--queue       redis://[user:password@]host:port[/db], or rediss:// for TLS; the password may",
    "              also come from GOODHART_QUEUE_PASSWORD. Only host:port is ever printed. A TLS",
    "              server with a private CA: GOODHART_QUEUE_TLS_CA=<the CA's PEM file>.",
    "--concurrency runs at a time on this worker (default 1; each runs in its own thread)",
    "--device      overrides the device labs ask for (cpu, cuda, webgpu, ...)",
    "--threads     ONNX Runtime threads per run (same threads and seed give the same bits)",
    "--shared      a folder every worker sees (NFS, SMB): checkpoints, so a run whose worker dies",
    "              resumes there on another worker, the model cache, and model files",
    "--lock-ms     how long a silent worker keeps its job before another takes it (default 30000)",
    "Ctrl-C stops taking jobs; runs in progress go back to the queue for another worker.",
  ].join("\n"),
  async run(args, io) {
    const opts = parseOptions(args, { values: ["queue", "concurrency", "device", "threads", "shared", "cache", "name", "lock-ms"] });
    if (opts.positionals.length > 0) throw new UsageError(`unexpected argument '${opts.positionals[0]}'`);
    if (!opts.values.queue) throw new UsageError("give the pool's queue: --queue redis://host:port");
    let address;
    try {
      address = parseQueueUrl(opts.values.queue);
    } catch (err) {
      if (err instanceof QueueUrlError) throw new UsageError(err.message);
      throw err;
    }
    const name = opts.values.name ?? `worker-${process.pid}`;
    if (!/^[\w.-]{1,64}$/.test(name))
      throw new UsageError(`--name: letters, digits, '.', '_' and '-' only (got '${redactQueueUrl(name)}')`);
    const signals = stopSignals();
    try {
      let worker;
      try {
        worker = await startPoolWorker({
          address,
          concurrency: positiveInteger("concurrency", opts.values.concurrency) ?? 1,
          ...(opts.values.device ? { device: opts.values.device } : {}),
          ...(opts.values.threads ? { threads: parseThreads(opts.values.threads) } : {}),
          ...(opts.values.shared ? { shared: resolve(opts.values.shared) } : {}),
          ...(opts.values.cache ? { cacheDir: resolve(opts.values.cache) } : {}),
          workDir: join(os.tmpdir(), "goodhart-worker", name),
          name,
          ...(opts.values["lock-ms"] ? { lockMs: positiveInteger("lock-ms", opts.values["lock-ms"]) } : {}),
          log: (text) => io.err(text),
        });
      } catch (err) {
        if (err instanceof QueueConnectionError) {
          io.err(`goodhart worker: ${err.message}`);
          return 1;
        }
        throw err;
      }
      const signal = await signals.signalled;
      io.err(`${signal}: ${worker.id} stops taking runs; runs in progress go back to the queue...`);
      await worker.close();
      return SIGNAL_EXIT_CODES[signal];
    } finally {
      signals.dispose();
    }
  },
};
