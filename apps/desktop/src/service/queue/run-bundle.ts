/**
 * A run bundle: everything one grid point produced on a pool worker (config, metrics, curves, fits,
 * label sets, samples, model manifests, result, how it ended), as one JSON text. The worker
 * collects it through the same RunSink the lab's executor feeds; the lab replays it into its own
 * sink, so a pooled run is stored by the very code that stores a local one.
 *
 * JSON has no NaN, no infinities, no -0 and no typed arrays, and results carry all three (a member with
 * no score, per-prompt Float64Arrays): they travel tagged, so a bundle decodes to the same numbers
 * bit for bit. The content hash covers what the run produced, not who ran it or when, so the same
 * point run twice (a retry) hashes the same.
 */
import { createHash } from "node:crypto";
import type { JobRun, CurveSample, FitSample, LabelSetSample, MetricSample, ModelSample, SampleSetSample } from "../runs/protocol.ts";
import type { RunOutcome, RunSink } from "../runs/run-executor.ts";

export const BUNDLE_FORMAT = "goodhart-run-bundle/1";

export interface RunBundle {
  format: typeof BUNDLE_FORMAT;
  /** The grid point: the submitting lab's run, its key, kind, seed and resolved config. */
  point: { lab: string; runId: number; key: string; kind: string; seed: number; config: Record<string, unknown> };
  status: "done" | "failed" | "cancelled";
  error: string | null;
  metrics: MetricSample[];
  /** Curve points in the batches the experiment reported (a batch is stored whole). */
  curves: CurveSample[][];
  fits: FitSample[];
  labelSets: LabelSetSample[];
  samples: SampleSetSample[];
  /** Model manifests; `shared` for files of the whole job (the base policy). */
  models: { shared: boolean; model: ModelSample }[];
  /** The result the run reported itself, and the one its module returned (the lab prefers the first). */
  ownResult: Record<string, unknown> | null;
  jobResult: Record<string, unknown> | null;
  /** Not part of the content hash. */
  execution: { worker: string; attempts: number; startedAt: string; endedAt: string; resumedFromStep: number | null };
}

type Tagged = { $num: "NaN" | "Infinity" | "-Infinity" | "-0" } | { $typed: string; values: unknown[] };

function encodeValue(value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value))
    return { $num: String(value) as "NaN" | "Infinity" | "-Infinity" } satisfies Tagged;
  // JSON writes -0 as 0; a bitwise copy keeps the sign.
  if (Object.is(value, -0)) return { $num: "-0" } satisfies Tagged;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const values = Array.from(value as unknown as ArrayLike<number | bigint>, (v) =>
      typeof v === "bigint" ? v.toString() : encodeValue(v),
    );
    return { $typed: value.constructor.name, values } satisfies Tagged;
  }
  if (Array.isArray(value)) return value.map(encodeValue);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeValue(v);
    return out;
  }
  return value;
}

const TYPED: Record<string, (values: number[]) => unknown> = {
  Float64Array: (v) => Float64Array.from(v),
  Float32Array: (v) => Float32Array.from(v),
  Int32Array: (v) => Int32Array.from(v),
  Uint32Array: (v) => Uint32Array.from(v),
  Int16Array: (v) => Int16Array.from(v),
  Uint16Array: (v) => Uint16Array.from(v),
  Int8Array: (v) => Int8Array.from(v),
  Uint8Array: (v) => Uint8Array.from(v),
  Uint8ClampedArray: (v) => Uint8ClampedArray.from(v),
};

function decodeValue(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => decodeValue(v, `${path}[${i}]`));
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if ("$num" in o && Object.keys(o).length === 1) {
      if (o.$num === "NaN") return Number.NaN;
      if (o.$num === "Infinity") return Number.POSITIVE_INFINITY;
      if (o.$num === "-Infinity") return Number.NEGATIVE_INFINITY;
      if (o.$num === "-0") return -0;
      throw new BundleError(`${path}: unknown number tag ${JSON.stringify(o.$num)}`);
    }
    if ("$typed" in o && Array.isArray(o.values) && Object.keys(o).length === 2) {
      const make = TYPED[String(o.$typed)];
      if (!make) throw new BundleError(`${path}: unknown typed array ${JSON.stringify(o.$typed)}`);
      return make(o.values.map((v, i) => decodeValue(v, `${path}.values[${i}]`) as number));
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = decodeValue(v, `${path}.${k}`);
    return out;
  }
  return value;
}

export class BundleError extends Error {
  override name = "BundleError";
}

export function encodeBundle(bundle: RunBundle): string {
  return JSON.stringify(encodeValue(bundle));
}

/** Parses and checks a bundle's shape; errors name the field. */
export function decodeBundle(text: string): RunBundle {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BundleError(`run bundle is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const b = decodeValue(raw, "bundle") as Record<string, unknown>;
  if (b === null || typeof b !== "object" || b.format !== BUNDLE_FORMAT)
    throw new BundleError(`bundle.format: expected '${BUNDLE_FORMAT}', got ${JSON.stringify((b as { format?: unknown } | null)?.format)}`);
  const point = b.point as RunBundle["point"] | undefined;
  if (
    !point ||
    !Number.isInteger(point.runId) ||
    typeof point.key !== "string" ||
    typeof point.kind !== "string" ||
    typeof point.lab !== "string"
  )
    throw new BundleError("bundle.point: expected {lab, runId, key, kind, seed, config}");
  if (!["done", "failed", "cancelled"].includes(b.status as string))
    throw new BundleError(`bundle.status: expected done, failed or cancelled, got ${JSON.stringify(b.status)}`);
  for (const field of ["metrics", "curves", "fits", "labelSets", "samples", "models"])
    if (!Array.isArray(b[field])) throw new BundleError(`bundle.${field}: expected a list`);
  (b.metrics as MetricSample[]).forEach((m, i) => {
    if (!Number.isInteger(m?.step) || typeof m.name !== "string" || typeof m.value !== "number")
      throw new BundleError(`bundle.metrics[${i}]: expected {step, name, value}`);
  });
  (b.curves as unknown[]).forEach((batch, i) => {
    if (!Array.isArray(batch)) throw new BundleError(`bundle.curves[${i}]: expected a batch (a list of points)`);
  });
  return b as unknown as RunBundle;
}

/** sha256 of what the run produced (everything but `execution`), hex. */
export function bundleHash(bundle: RunBundle): string {
  const { execution: _execution, ...content } = bundle;
  return createHash("sha256")
    .update(JSON.stringify(encodeValue(content)))
    .digest("hex");
}

/**
 * Replays a bundle into the lab's RunSink for run `runId`, in the order a local job reports: the
 * run starts (unless it already has), its points, entities and result, then its end. The sink's
 * `finished` commits everything before the status changes.
 */
export function replayBundle(bundle: RunBundle, sink: RunSink, run: JobRun, options: { begun: boolean }): void {
  const { runId } = run;
  if (!options.begun) sink.started(runId);
  if (bundle.metrics.length > 0) sink.metrics(runId, bundle.metrics);
  for (const batch of bundle.curves) sink.curve(runId, batch);
  if (bundle.fits.length > 0) sink.fits(runId, bundle.fits);
  for (const set of bundle.labelSets) sink.labelSet(runId, set);
  for (const set of bundle.samples) sink.samples(runId, set);
  for (const { shared, model } of bundle.models) sink.model(shared ? null : runId, model);
  if (bundle.ownResult) sink.runResult(runId, bundle.ownResult);
  if (bundle.jobResult) sink.result([run], bundle.jobResult);
  const outcome: RunOutcome =
    bundle.status === "done"
      ? { status: "done", result: bundle.jobResult ?? bundle.ownResult ?? {} }
      : bundle.status === "cancelled"
        ? { status: "cancelled" }
        : { status: "failed", error: { name: "Error", message: bundle.error ?? "the run failed on a pool worker" } };
  sink.finished(runId, outcome, true);
}

/** What a worker collects for one run while the executor streams it (everything but the end). */
export type BundleContent = Pick<RunBundle, "metrics" | "curves" | "fits" | "labelSets" | "samples" | "models" | "ownResult" | "jobResult">;

export function emptyContent(): BundleContent {
  return { metrics: [], curves: [], fits: [], labelSets: [], samples: [], models: [], ownResult: null, jobResult: null };
}
