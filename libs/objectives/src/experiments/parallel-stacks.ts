/**
 * Trains several runs' member stacks at once, one per worker thread. ONNX Runtime's session.run
 * blocks the JS thread, so two stacks in one thread run one after the other; the demo's proxies run
 * on a one-thread runtime (proxy-runtime.ts), so with two cores two workers, each with its own
 * one-thread runtime, train two stacks in about the wall time of one.
 *
 * A worker runs the same trainStackedRewardModels on the same inputs with the same one-thread CPU
 * runtime as the study's thread, so its members are bitwise the ones the sequential path trains.
 * The per-step callbacks are recorded in the worker and replayed, in order, when the stack is
 * handed back, so metrics reach the sink in the same order as before; progress (one message per
 * training step of the stack, one per scored member) arrives while the worker runs, so a study's
 * progress bar moves as it does in one thread.
 *
 * A job may also ask the worker to score sequences with every trained member (the study's
 * reference and best-of-n pool): the same rewardScores call on the same one-thread runtime the
 * study's thread would make, so the scores are the same bytes and the scoring runs in parallel too.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { RewardModel, type Gpt, type GptConfig, type RewardModelConfig } from "@goodhart/engine";
import type { Comparison, RewardTrainingOptions, TrainedReward } from "./reward-training.ts";

/** One member of a stack sent to a worker: its init seed and the key of its (fresh) data-order stream. */
export interface StackMemberSpec {
  seed: number;
  orderKey: bigint;
}

export interface StackJob {
  config: RewardModelConfig;
  data: readonly Comparison[];
  members: readonly StackMemberSpec[];
  /** The pretrained LM whose trunk every member starts from (copied to the worker). */
  trunk?: Gpt;
  options?: RewardTrainingOptions & { padToken?: number };
  score?: StackScoring;
}

/** Sequences to score with each trained member (rewardScores with this batch size and the job's pad token). */
export interface StackScoring {
  sequences: readonly (readonly number[])[];
  batchSize: number;
}

/** What a stack's worker says while it runs: a training step (of the last member) or a scored member. */
export type StackProgress = { phase: "training"; step: number } | { phase: "scoring"; membersScored: number };

/** A trained stack as the pool hands it back: the members and, when the job asked, each member's scores. */
export interface TrainedStack {
  members: TrainedReward[];
  scores?: Float32Array[];
}

/** @internal The message a worker receives. */
export interface StackJobMessage {
  id: number;
  config: RewardModelConfig;
  data: readonly Comparison[];
  members: readonly StackMemberSpec[];
  trunk?: { config: GptConfig; prefix: string; params: [string, Float32Array][] };
  options: RewardTrainingOptions & { padToken?: number };
  score?: StackScoring;
}

/** @internal What the pool sends a worker: a job, `cancel` (stop the job at its next step) or `close` (release and exit). */
export type StackControlMessage = { type: "job"; job: StackJobMessage } | { type: "cancel" } | { type: "close" };

/** @internal A worker's message while a job runs. */
export interface StackProgressMessage {
  id: number;
  progress: StackProgress;
}

/** @internal What a worker sends back: the members' weights and the recorded steps (member, step, loss, accuracy)*. */
export interface StackResultMessage {
  id: number;
  ok: boolean;
  error?: string;
  members?: { params: [string, Float32Array][]; steps: number; finalLoss: number; finalAccuracy: number; scores?: Float32Array }[];
  steps?: Float64Array;
}

/** Workers used by default: two (the RM phase measured no gain past that on the demo), never more than the cores. */
export function defaultStackWorkers(): number {
  return Math.min(2, availableParallelism());
}

const bootstrap = new URL("./stack-worker-bootstrap.mjs", import.meta.url);
const entry = new URL("./stack-worker.ts", import.meta.url).href;

interface Slot {
  worker: Worker;
  busy: boolean;
  exited: Promise<void>;
}

/** How long close() waits for a worker to stop by itself before terminating it (it finishes its current step first). */
const CLOSE_GRACE_MS = 30_000;

interface Pending {
  message: StackJobMessage;
  resolve: (r: StackResultMessage) => void;
  reject: (e: unknown) => void;
  onProgress?: (p: StackProgress) => void;
}

export class StackTrainingPool {
  readonly size: number;
  readonly #slots: Slot[] = [];
  readonly #queue: Pending[] = [];
  readonly #inFlight = new Map<number, Pending & { slot: Slot }>();
  #nextId = 0;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(size: number = defaultStackWorkers()) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`StackTrainingPool: size must be a whole number >= 1, got ${size}`);
    this.size = size;
  }

  /**
   * Trains one stack in a worker (and scores `job.score` with each member); resolves after
   * replaying the recorded steps through `onStep`. `onProgress` hears the worker as it goes.
   */
  async train(
    job: StackJob,
    onStep?: (member: number, step: number, loss: number, accuracy: number) => void,
    onProgress?: (p: StackProgress) => void,
  ): Promise<TrainedStack> {
    if (this.#closed) throw new Error("StackTrainingPool: train() after close()");
    const { padToken, ...options } = job.options ?? {};
    const message: StackJobMessage = {
      id: this.#nextId++,
      config: job.config,
      data: job.data,
      members: job.members,
      options: { ...options, ...(padToken === undefined ? {} : { padToken }) },
      ...(job.score ? { score: job.score } : {}),
      ...(job.trunk
        ? {
            trunk: {
              config: job.trunk.config,
              prefix: job.trunk.prefix,
              params: job.trunk.store.list().map((p) => [p.name, p.value] as [string, Float32Array]), // copied by postMessage
            },
          }
        : {}),
    };
    const result = await new Promise<StackResultMessage>((resolve, reject) => {
      this.#queue.push({ message, resolve, reject, ...(onProgress ? { onProgress } : {}) });
      this.#pump();
    });
    if (!result.ok) throw new Error(result.error);
    const s = result.steps!;
    for (let i = 0; i < s.length; i += 4) onStep?.(s[i]!, s[i + 1]!, s[i + 2]!, s[i + 3]!);
    const members = result.members!.map((m, i) => {
      const model = new RewardModel(job.config, { seed: job.members[i]!.seed });
      for (const [name, values] of m.params) model.store.set(name, values);
      return { model, steps: m.steps, finalLoss: m.finalLoss, finalAccuracy: m.finalAccuracy };
    });
    return { members, ...(job.score ? { scores: result.members!.map((m) => m.scores!) } : {}) };
  }

  /**
   * Stops the workers; jobs still queued or running reject at once. A worker inside a job stops
   * at its next training step (never terminated mid-call: that aborts the process natively) and
   * ends by itself; resolves when every worker has exited. Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    const err = new Error("StackTrainingPool closed");
    for (const p of this.#queue.splice(0)) p.reject(err);
    for (const p of this.#inFlight.values()) p.reject(err);
    this.#inFlight.clear();
    await Promise.all(
      this.#slots.map(async (slot) => {
        slot.worker.postMessage({ type: "cancel" } satisfies StackControlMessage);
        slot.worker.postMessage({ type: "close" } satisfies StackControlMessage);
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), CLOSE_GRACE_MS)));
        if ((await Promise.race([slot.exited, late])) === "late") await slot.worker.terminate();
        clearTimeout(timer);
      }),
    );
    this.#slots.length = 0;
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      const slot = this.#slots.find((s) => !s.busy) ?? (this.#slots.length < this.size ? this.#spawn() : undefined);
      if (!slot) return;
      const job = this.#queue.shift()!;
      slot.busy = true;
      this.#inFlight.set(job.message.id, { ...job, slot });
      slot.worker.postMessage({ type: "job", job: job.message } satisfies StackControlMessage);
    }
  }

  #spawn(): Slot {
    const worker = new Worker(bootstrap, { workerData: { entry }, name: `goodhart-rm-stack-${this.#slots.length}` });
    const slot: Slot = { worker, busy: false, exited: new Promise((resolve) => worker.once("exit", () => resolve())) };
    worker.on("message", (r: StackResultMessage | StackProgressMessage) => {
      if ("progress" in r) return this.#inFlight.get(r.id)?.onProgress?.(r.progress);
      const pending = this.#inFlight.get(r.id);
      this.#inFlight.delete(r.id);
      slot.busy = false;
      pending?.resolve(r);
      this.#pump();
    });
    const fail = (e: unknown) => {
      for (const [id, p] of this.#inFlight)
        if (p.slot === slot) {
          this.#inFlight.delete(id);
          p.reject(e);
        }
      const at = this.#slots.indexOf(slot);
      if (at >= 0) this.#slots.splice(at, 1);
    };
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (!this.#closed) fail(new Error(`stack-training worker exited with code ${code}`));
    });
    this.#slots.push(slot);
    return slot;
  }
}
