import type { CompiledProgram } from "../compile/compile.ts";
import { compile } from "../compile/compile.ts";
import type { Program } from "../compile/program.ts";
import type { DType, HostArray } from "../ir/dtype.ts";
import type { DeviceName } from "./devices.ts";
import { DEVICE_NAMES, probeDevice } from "./devices.ts";
import type { OrtSession, OrtTensor, OrtTensorType } from "./ort.ts";
import { OrtTensorClass, createOrtSession } from "./ort.ts";

/** A tensor's values on the host. */
export interface HostTensor {
  dtype: DType;
  shape: number[];
  data: HostArray;
}

/** Wraps a typed array as a host tensor, inferring the dtype from the array type. */
export function hostTensor(data: HostArray, shape: readonly number[]): HostTensor {
  const dtype: DType =
    data instanceof Float32Array ? "float32" : data instanceof Float64Array ? "float64" : data instanceof BigInt64Array ? "int64" : "bool";
  const n = shape.reduce((p, d) => p * d, 1);
  if (n !== data.length) throw new Error(`hostTensor: ${data.length} values for shape [${shape}]`);
  return { dtype, shape: [...shape], data };
}

export type RuntimeDevice = DeviceName | "auto";

export interface RuntimeOptions {
  /** Execution provider; `auto` tries GPU providers first and settles on the first that works. Default cpu. */
  device?: RuntimeDevice;
  /** Intra-op threads for CPU kernels; default lets ONNX Runtime decide. */
  threads?: number;
  /** Receives fallback messages; default console.warn. */
  log?: (message: string) => void;
  /**
   * ONNX Runtime's CPU memory arena (default on: allocations of small models are reused). Off
   * frees each intermediate when it is done, which lowers the peak of large training steps.
   */
  cpuMemArena?: boolean;
}

/** Time spent in ONNX Runtime vs on the host, accumulated over a session's runs. */
export interface RunStats {
  runs: number;
  /** Milliseconds inside session.run (kernels plus ORT's own input binding and output copies). */
  ortMs: number;
  /** Milliseconds building feeds and unwrapping outputs in JavaScript. */
  hostMs: number;
}

/** One compiled program bound to one InferenceSession. */
export interface Session {
  readonly program: CompiledProgram;
  readonly device: DeviceName;
  readonly stats: RunStats;
  /**
   * Runs with named feeds; returns every output (or only those named in `fetch`). Outputs named in
   * `into` are written into those host arrays (pre-allocated by the caller, right dtype and shape)
   * instead of fresh buffers, and are returned as those same arrays.
   */
  run(
    feeds: Readonly<Record<string, HostTensor>>,
    fetch?: readonly string[],
    into?: Readonly<Record<string, HostTensor>>,
  ): Promise<Record<string, HostTensor>>;
  release(): Promise<void>;
}

/** Where programs run; created by {@link createRuntime}. */
export interface Runtime {
  /** The provider in use after probing and fallback. */
  readonly device: DeviceName;
  readonly requested: RuntimeDevice;
  /** Why the requested device is not in use; absent when it is. */
  readonly fallbackReason?: string;
  readonly threads?: number;
  /** Whether ONNX Runtime's CPU memory arena is on (RuntimeOptions.cpuMemArena). */
  readonly cpuMemArena: boolean;
  /** Sessions open now (opened and not yet released): what a caller checks to see it releases its own. */
  readonly openSessions: number;
  /** Compiles (cached) and opens (cached per structural hash) a session for a program. */
  session(program: Program | CompiledProgram): Promise<Session>;
  /** Releases every session this runtime opened. */
  release(): Promise<void>;
}

const AUTO_ORDER: DeviceName[] = ["cuda", "dml", "coreml", "webgpu", "cpu"];

/**
 * Creates a runtime on a device. The device is probed with a tiny model first; when it fails the
 * runtime falls back to cpu, logs the reason, and reports it in `fallbackReason`.
 */
export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const requested = options.device ?? "cpu";
  const log = options.log ?? ((m: string) => console.warn(m));
  if (requested !== "auto" && !DEVICE_NAMES.includes(requested))
    throw new Error(`unknown device "${requested}"; use one of ${[...DEVICE_NAMES, "auto"].join(", ")}`);
  let device: DeviceName = "cpu";
  let fallbackReason: string | undefined;
  const candidates = requested === "auto" ? AUTO_ORDER : [requested];
  const reasons: string[] = [];
  for (const d of candidates) {
    if (d === "cpu") {
      device = "cpu";
      break;
    }
    const probe = await probeDevice(d);
    if (probe.ok) {
      device = d;
      break;
    }
    reasons.push(`${d}: ${probe.reason}`);
  }
  if (reasons.length && (requested !== "auto" || device === "cpu")) {
    fallbackReason = reasons.join("; ");
    if (requested !== "auto") log(`goodhart engine: device ${requested} unavailable (${fallbackReason}); running on cpu`);
  }
  return new OrtRuntime(device, requested, fallbackReason, options.threads, options.cpuMemArena !== false);
}

class OrtRuntime implements Runtime {
  private readonly sessions = new Map<string, Promise<Session>>();

  constructor(
    readonly device: DeviceName,
    readonly requested: RuntimeDevice,
    readonly fallbackReason: string | undefined,
    readonly threads: number | undefined,
    readonly cpuMemArena: boolean,
  ) {}

  get openSessions(): number {
    return this.sessions.size;
  }

  session(program: Program | CompiledProgram): Promise<Session> {
    const compiled = "model" in program ? program : compile(program);
    let s = this.sessions.get(compiled.hash);
    if (!s) {
      s = openSession(compiled, this.device, this.threads, this.cpuMemArena, () => this.sessions.delete(compiled.hash));
      this.sessions.set(compiled.hash, s);
      s.catch(() => this.sessions.delete(compiled.hash));
    }
    return s;
  }

  async release(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) await (await s).release();
  }
}

async function openSession(
  program: CompiledProgram,
  device: DeviceName,
  threads: number | undefined,
  cpuMemArena: boolean | undefined,
  onRelease: () => void,
): Promise<Session> {
  let ortSession: OrtSession;
  try {
    ortSession = await createOrtSession(program.model, {
      executionProviders: [device],
      graphOptimizationLevel: "all",
      logSeverityLevel: 3,
      // ORT's CPU arena keeps the largest set of intermediates a run ever held; without it a
      // 124M-parameter training step peaks 0.6 GB lower at about the same CPU time (docs/models.md).
      ...(cpuMemArena === false ? { enableCpuMemArena: false } : {}),
      ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    });
  } catch (err) {
    throw new Error(
      `ONNX Runtime rejected compiled program ${program.hash} (${program.nodeCount} nodes): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return new OrtBoundSession(program, device, ortSession, onRelease);
}

class OrtBoundSession implements Session {
  readonly stats: RunStats = { runs: 0, ortMs: 0, hostMs: 0 };
  private readonly specs: Map<string, CompiledProgram["inputs"][number]>;

  constructor(
    readonly program: CompiledProgram,
    readonly device: DeviceName,
    private readonly ort: OrtSession,
    private readonly onRelease: () => void,
  ) {
    this.specs = new Map(program.inputs.map((s) => [s.name, s]));
  }

  async run(
    feeds: Readonly<Record<string, HostTensor>>,
    fetch?: readonly string[],
    into?: Readonly<Record<string, HostTensor>>,
  ): Promise<Record<string, HostTensor>> {
    if (this.released) throw new Error(`program ${this.program.hash}: session already released`);
    const t0 = performance.now();
    const ortFeeds: Record<string, OrtTensor> = {};
    for (const spec of this.program.inputs) {
      const f = feeds[spec.name];
      if (!f) throw new Error(`program ${this.program.hash}: missing input "${spec.name}" (${spec.dtype}[${spec.shape}])`);
      if (f.dtype !== spec.dtype) throw new Error(`input "${spec.name}": expected ${spec.dtype}, got ${f.dtype}`);
      if (f.shape.length !== spec.shape.length || spec.shape.some((d, i) => typeof d === "number" && d !== f.shape[i]))
        throw new Error(`input "${spec.name}": expected shape [${spec.shape}], got [${f.shape}]`);
      ortFeeds[spec.name] = new OrtTensorClass(f.dtype as OrtTensorType, f.data as never, f.shape);
    }
    for (const name of Object.keys(feeds))
      if (!this.specs.has(name)) throw new Error(`program ${this.program.hash}: unknown input "${name}"`);
    const fetches = into ? this.preallocatedFetches(fetch, into) : fetch;
    const t1 = performance.now();
    const out = fetches ? await this.ort.run(ortFeeds, fetches as never) : await this.ort.run(ortFeeds);
    const t2 = performance.now();
    const result: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(out)) {
      // ORT wrote a pre-allocated output in place; hand back the caller's own array.
      const mine = into?.[name];
      result[name] = mine ?? {
        dtype: t.type === "bool" ? "bool" : (t.type as DType),
        shape: t.dims.map(Number),
        data: t.data as HostArray,
      };
    }
    const t3 = performance.now();
    this.stats.runs++;
    this.stats.ortMs += t2 - t1;
    this.stats.hostMs += t1 - t0 + (t3 - t2);
    return result;
  }

  private released = false;

  /** onnxruntime-node's fetches object: null for outputs it allocates, a tensor over the caller's array for the rest. */
  private preallocatedFetches(
    fetch: readonly string[] | undefined,
    into: Readonly<Record<string, HostTensor>>,
  ): Record<string, OrtTensor | null> {
    const names = fetch ?? this.program.outputs.map((o) => o.name);
    const fetches: Record<string, OrtTensor | null> = {};
    for (const name of names) fetches[name] = null;
    for (const [name, t] of Object.entries(into)) {
      if (!(name in fetches))
        throw new Error(
          `program ${this.program.hash}: pre-allocated output "${name}" is not an output${fetch ? " fetched" : ""} of this program`,
        );
      fetches[name] = new OrtTensorClass(t.dtype as OrtTensorType, t.data as never, t.shape);
    }
    return fetches;
  }

  /** Frees the native session; idempotent. The runtime forgets it, so the next request reopens. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.onRelease();
    await this.ort.release();
  }
}
