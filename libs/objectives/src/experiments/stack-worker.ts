/**
 * The body of a stack-training worker (parallel-stacks.ts): owns one one-thread CPU runtime and
 * trains one member stack per message with trainStackedRewardModels, exactly as the study's own
 * thread would, scores the job's sequences with each member when asked, then sends the members'
 * weights and scores back (transferred, not copied). Progress goes out as it happens.
 *
 * The pool never terminates a worker that is inside an ONNX Runtime call (that aborts the whole
 * process natively): it sends `cancel`, which stops the job at its next step, and `close`, after
 * which the worker releases its runtime and ends on its own.
 */
import { parentPort } from "node:worker_threads";
import { Gpt, Rng, createRuntime, rewardScores, type Runtime } from "@goodhart/engine";
import { trainStackedRewardModels } from "./stacked-reward-training.ts";
import type { StackControlMessage, StackJobMessage, StackProgress, StackProgressMessage, StackResultMessage } from "./parallel-stacks.ts";

let runtime: Promise<Runtime> | undefined;

const report = (id: number, progress: StackProgress) => parentPort!.postMessage({ id, progress } satisfies StackProgressMessage);

async function train(job: StackJobMessage, signal: AbortSignal): Promise<StackResultMessage> {
  const rt = await (runtime ??= createRuntime({ device: "cpu", threads: 1 }));
  let from: Gpt | undefined;
  if (job.trunk) {
    from = new Gpt(job.trunk.config, { prefix: job.trunk.prefix });
    for (const [name, values] of job.trunk.params) from.store.set(name, values);
  }
  const steps: number[] = [];
  const last = job.members.length - 1;
  const trained = await trainStackedRewardModels(
    rt,
    job.config,
    job.data,
    job.members.map((m) => ({ seed: m.seed, order: new Rng(m.orderKey), ...(from ? { from } : {}) })),
    {
      ...job.options,
      signal,
      onStep: (m, step, loss, accuracy) => {
        steps.push(m, step, loss, accuracy);
        if (m === last) report(job.id, { phase: "training", step });
      },
    },
  );
  const scores: Float32Array[] = [];
  if (job.score)
    for (const t of trained) {
      signal.throwIfAborted();
      // A copy with its own buffer, so it can be transferred.
      const own = await rewardScores(rt, t.model, job.score.sequences, { padToken: job.options.padToken, batchSize: job.score.batchSize });
      scores.push(Float32Array.from(own));
      report(job.id, { phase: "scoring", membersScored: scores.length });
    }
  return {
    id: job.id,
    ok: true,
    members: trained.map((t, m) => ({
      params: t.model.store.list().map((p) => [p.name, Float32Array.from(p.value)] as [string, Float32Array]), // own buffers, so each can be transferred
      steps: t.steps,
      finalLoss: t.finalLoss,
      finalAccuracy: t.finalAccuracy,
      ...(job.score ? { scores: scores[m]! } : {}),
    })),
    steps: Float64Array.from(steps),
  };
}

let current: { controller: AbortController; done: Promise<void> } | undefined;

async function close(): Promise<void> {
  await current?.done;
  await (await runtime)?.release();
  parentPort!.close(); // nothing else keeps this thread alive: it exits
}

parentPort!.on("message", (message: StackControlMessage) => {
  if (message.type === "cancel") return current?.controller.abort();
  if (message.type === "close") return void close();
  const job = message.job;
  const controller = new AbortController();
  const done = train(job, controller.signal).then(
    (result) => {
      const transfer = [
        result.steps!.buffer,
        ...result.members!.flatMap((m) => [...m.params.map(([, v]) => v.buffer), ...(m.scores ? [m.scores.buffer] : [])]),
      ];
      parentPort!.postMessage(result, transfer as ArrayBuffer[]);
    },
    (err: unknown) => parentPort!.postMessage({ id: job.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
  current = { controller, done };
});
