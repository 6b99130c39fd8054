/**
 * Submits an experiment through a lab door and follows its runs to the end: progress lines on
 * stderr, Ctrl-C / SIGTERM handled (the runs are stopped after their current step and stored
 * `cancelled`, the lock released, exit code 130 / 143), and the runs' final states. The same code
 * serves the in-process service and a running lab.
 */
import type { RunDto } from "../shared/dto.ts";
import type { CliIo } from "./command.ts";
import type { LabDoor } from "./lab-door.ts";

const TERMINAL = new Set(["done", "failed", "cancelled", "interrupted"]);

export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

export interface Submission {
  experimentId: number;
  runIds: number[];
  /** The runs as they ended (or as they were when a signal stopped the wait). */
  runs: RunDto[];
  /** Set when Ctrl-C / SIGTERM stopped the wait. */
  signal: StopSignal | null;
  wallS: number;
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** One progress line: `[ 42%] rm-training  12/48  run 3  elapsed 1:02  ETA 1:25`. */
export function submissionProgressLine(
  p: { runId: number; step: number; totalSteps: number; etaSeconds: number | null; message: string | null },
  elapsedS: number,
): string {
  const pct = p.totalSteps > 0 ? Math.round((100 * p.step) / p.totalSteps) : 0;
  // The study's message is "<phase>[:<detail>] <done>/<total>[, about ...]".
  const [phasePart = "running", counts = `${p.step}/${p.totalSteps}`] = (p.message ?? "").split(",")[0]!.split(" ");
  const phase = phasePart.split(":")[0]!;
  const eta = p.etaSeconds === null ? "ETA --:--" : `ETA ${clock(p.etaSeconds)}`;
  return `[${String(pct).padStart(3)}%] ${phase.padEnd(11)} ${counts}  run ${p.runId}  elapsed ${clock(elapsedS)}  ${eta}`;
}

/** Resolves with the first of SIGINT / SIGTERM; `dispose` removes the handlers (Node's default exit comes back). */
export function stopSignals(): { signalled: Promise<StopSignal>; dispose(): void } {
  let resolve!: (s: StopSignal) => void;
  const signalled = new Promise<StopSignal>((r) => (resolve = r));
  const onInt = () => resolve("SIGINT");
  const onTerm = () => resolve("SIGTERM");
  // `on`, not `once`: a second Ctrl-C while the runs stop must not fall back to Node's immediate
  // exit, which would kill workers inside ONNX Runtime calls.
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return {
    signalled,
    dispose() {
      process.removeListener("SIGINT", onInt);
      process.removeListener("SIGTERM", onTerm);
    },
  };
}

export interface Followed {
  runs: RunDto[];
  signal: StopSignal | null;
}

/**
 * Waits until every run in `runIds` has ended, printing progress lines on stderr. On a signal,
 * stops them through the door (stored `cancelled`) and returns with `signal` set.
 */
export async function followRuns(
  door: LabDoor,
  runIds: readonly number[],
  io: CliIo,
  options: { progressEveryS?: number; signals: { signalled: Promise<StopSignal> }; t0?: number },
): Promise<Followed> {
  const t0 = options.t0 ?? performance.now();
  const { api } = door;
  let lastLine = 0;
  const offProgress = api.runs.onDidProgress((p) => {
    if (!runIds.includes(p.runId)) return;
    const now = performance.now();
    if (now - lastLine < (options.progressEveryS ?? 2) * 1000 && p.step < p.totalSteps) return;
    lastLine = now;
    io.err(submissionProgressLine(p, (now - t0) / 1000));
  });
  const current = () =>
    Promise.all(runIds.map((id) => api.runs.get({ id }))).catch((err: unknown) => {
      // A running lab that went away (killed, closed) takes the runs' fate with it: say so.
      if (door.mode === "remote")
        throw new Error(
          `lost ${door.executor} while following runs ${runIds.join(", ")} (${err instanceof Error ? err.message : String(err)}); see goodhart runs list --db ${door.dbFile}`,
        );
      throw err;
    });
  try {
    let signal: StopSignal | null = null;
    void options.signals.signalled.then((s) => (signal = s));
    for (;;) {
      const runs = await current();
      if (runs.every((r) => TERMINAL.has(r.status))) return { runs, signal };
      if (signal) {
        io.err(`${signal}: stopping the runs after their current step (they will read cancelled)...`);
        await door.stopRuns(runIds);
        return { runs: await current(), signal };
      }
      await Promise.race([new Promise((r) => setTimeout(r, 250)), options.signals.signalled]);
    }
  } finally {
    offProgress();
  }
}

/**
 * Creates the experiment, starts it (one run per grid point) and waits for every run to end.
 * On a signal: a local door stops its service with the runs cancelled; a remote one asks the lab
 * to cancel this submission's runs. Either way the wait ends and `signal` says which.
 */
export async function submitAndFollow(
  door: LabDoor,
  experiment: { name: string; kind: string; config: Record<string, unknown> },
  io: CliIo,
  options: { progressEveryS?: number; signals: { signalled: Promise<StopSignal> } },
): Promise<Submission> {
  const t0 = performance.now();
  const { api } = door;
  const created = await api.experiments.create(experiment);
  await api.runs.start({ experimentId: created.id, seed: 0 });
  const runIds = (await api.runs.list({ experimentId: created.id })).map((r) => r.id);
  io.err(
    `Started ${runIds.length} run${runIds.length === 1 ? "" : "s"} (${runIds.join(", ")}) of experiment ${created.id} in ${door.executor}.`,
  );
  const followed = await followRuns(door, runIds, io, { ...options, t0 });
  return { experimentId: created.id, runIds, runs: followed.runs, signal: followed.signal, wallS: (performance.now() - t0) / 1000 };
}
