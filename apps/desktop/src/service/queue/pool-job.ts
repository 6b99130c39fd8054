/**
 * One grid point as a job on the worker pool's queue. Generic over kinds: the kind id (the worker
 * resolves it in its own registry and never imports a module a job names), the point's key, its
 * resolved config and seed. The submitting lab and run identify where the bundle goes back.
 */
/** The BullMQ queue every lab and worker of a pool share. */
export const POOL_QUEUE = "goodhart-runs";

/** Progress payloads a worker publishes (BullMQ job progress), read live by the submitting lab. */
export type PoolProgress =
  | { type: "started"; worker: string; attempt: number; resumedFromStep: number | null }
  | { type: "progress"; step: number; totalSteps: number; message: string | null };

export interface PoolJob {
  format: 1;
  /** Which lab submitted it (a hash of its host and database path; several labs may share a pool). */
  lab: string;
  runId: number;
  /** The grid point's key ("" for a single-run kind). */
  key: string;
  kind: string;
  name: string;
  config: Record<string, unknown>;
  seed: number;
  /** The device the lab asked for; a worker started with --device overrides it. */
  device: string;
  threads?: number;
  /**
   * What else the lab's job carries for the run's worker thread (it has no lab database): the
   * labelled pairs of imported datasets the config reads, and any other input the lab adds to
   * its jobs (registered model folders travel as paths, so they need a folder workers share).
   */
  inputs?: Record<string, unknown>;
}

export class PoolJobError extends Error {
  override name = "PoolJobError";
}

/** Checks a job's data as a worker receives it; errors name the field. */
export function parsePoolJob(data: unknown, jobId: string): PoolJob {
  const d = data as Partial<PoolJob> | null;
  const fail = (field: string, expected: string): never => {
    throw new PoolJobError(`job ${jobId}: ${field}: expected ${expected}`);
  };
  if (d === null || typeof d !== "object") fail("data", "an object");
  if (d!.format !== 1) fail("format", "1 (a job from another Goodhart Lab version?)");
  if (typeof d!.lab !== "string" || d!.lab === "") fail("lab", "the submitting lab's id");
  if (!Number.isInteger(d!.runId) || d!.runId! < 1) fail("runId", "a positive integer");
  if (typeof d!.key !== "string") fail("key", "a string");
  if (typeof d!.kind !== "string" || d!.kind === "") fail("kind", "an experiment kind id");
  if (typeof d!.name !== "string") fail("name", "a string");
  if (d!.config === null || typeof d!.config !== "object" || Array.isArray(d!.config)) fail("config", "an object");
  if (!Number.isInteger(d!.seed)) fail("seed", "an integer");
  if (typeof d!.device !== "string" || d!.device === "") fail("device", "a device name");
  if (d!.threads !== undefined && (!Number.isInteger(d!.threads) || d!.threads! < 1)) fail("threads", "a positive integer");
  if (d!.inputs !== undefined && (d!.inputs === null || typeof d!.inputs !== "object" || Array.isArray(d!.inputs)))
    fail("inputs", "an object");
  return d as PoolJob;
}

/** The job id of a run's submission: lab, run and a per-submission suffix (a resumed run gets a new job). */
export function poolJobId(lab: string, runId: number, submission: string): string {
  return `${lab}-r${runId}-${submission}`;
}
