/**
 * The body of a stack-training worker (parallel-stacks.ts): owns one one-thread CPU runtime and
 * trains one member stack per message with trainStackedRewardModels, exactly as the study's own
 * thread would, then sends the members' weights back (transferred, not copied).
 */
import { parentPort } from "node:worker_threads";
import { Gpt, Rng, createRuntime, type Runtime } from "@goodhart/engine";
import { trainStackedRewardModels } from "./stacked-reward-training.ts";
import type { StackJobMessage, StackResultMessage } from "./parallel-stacks.ts";

let runtime: Promise<Runtime> | undefined;

async function train(job: StackJobMessage): Promise<StackResultMessage> {
  const rt = await (runtime ??= createRuntime({ device: "cpu", threads: 1 }));
  let from: Gpt | undefined;
  if (job.trunk) {
    from = new Gpt(job.trunk.config, { prefix: job.trunk.prefix });
    for (const [name, values] of job.trunk.params) from.store.set(name, values);
  }
  const steps: number[] = [];
  const trained = await trainStackedRewardModels(
    rt,
    job.config,
    job.data,
    job.members.map((m) => ({ seed: m.seed, order: new Rng(m.orderKey), ...(from ? { from } : {}) })),
    { ...job.options, onStep: (m, step, loss, accuracy) => steps.push(m, step, loss, accuracy) },
  );
  return {
    id: job.id,
    ok: true,
    members: trained.map((t) => ({
      params: t.model.store.list().map((p) => [p.name, Float32Array.from(p.value)] as [string, Float32Array]), // own buffers, so each can be transferred
      steps: t.steps,
      finalLoss: t.finalLoss,
      finalAccuracy: t.finalAccuracy,
    })),
    steps: Float64Array.from(steps),
  };
}

parentPort!.on("message", (job: StackJobMessage) => {
  train(job).then(
    (result) => {
      const transfer = [result.steps!.buffer, ...result.members!.flatMap((m) => m.params.map(([, v]) => v.buffer))];
      parentPort!.postMessage(result, transfer as ArrayBuffer[]);
    },
    (err: unknown) => parentPort!.postMessage({ id: job.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});
