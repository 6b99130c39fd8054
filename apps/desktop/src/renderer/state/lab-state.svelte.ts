/**
 * The lab as the screens see it: lists loaded through LabApi and kept current by its events
 * (run status and progress), plus a per-run log of what happened this session.
 */
import type {
  DatasetDto,
  DeviceProbeDto,
  Dispose,
  ExperimentDto,
  KindDto,
  LabApi,
  RunDto,
  RunProgressEvent,
  SettingsDto,
} from "../../shared/index.ts";
import { CurveCache } from "./curve-cache.ts";

/** One line of a run's session log. */
export interface LogLine {
  time: string;
  text: string;
}

const MAX_LOG_LINES = 500;

export class LabState {
  // Raw (not deeply proxied): lists are replaced, never mutated in place.
  datasets = $state.raw<DatasetDto[]>([]);
  experiments = $state.raw<ExperimentDto[]>([]);
  runs = $state.raw<RunDto[]>([]);
  /** Experiment kinds with their config schema, presets and views (LabApi kinds.list). */
  kinds = $state.raw<KindDto[]>([]);
  settings = $state<SettingsDto | null>(null);
  devices = $state<DeviceProbeDto[] | null>(null);
  /** Latest progress per run id (with ETA), from events. */
  progress = $state<Record<number, RunProgressEvent>>({});
  logs = $state<Record<number, LogLine[]>>({});
  loaded = $state(false);
  /** The last failed call, shown in the status bar. */
  error = $state<string | null>(null);
  /** Bumped on every metrics event of a run, so views of that run can refetch its curves. */
  metricTicks = $state<Record<number, number>>({});

  readonly api: LabApi;
  /** Points of finished runs, fetched once. */
  readonly curves: CurveCache;

  constructor(api: LabApi) {
    this.api = api;
    this.curves = new CurveCache(api);
  }

  /** Loads every list. */
  async refresh(): Promise<void> {
    await this.guard(async () => {
      const [datasets, experiments, runs, kinds, settings] = await Promise.all([
        this.api.datasets.list(),
        this.api.experiments.list(),
        this.api.runs.list(),
        this.api.kinds.list(),
        this.api.settings.get(),
      ]);
      this.datasets = datasets;
      this.experiments = experiments;
      this.runs = runs;
      this.kinds = kinds;
      this.settings = settings;
      this.loaded = true;
    });
  }

  async refreshRuns(): Promise<void> {
    await this.guard(async () => {
      this.runs = await this.api.runs.list();
    });
  }

  async refreshDatasets(): Promise<void> {
    await this.guard(async () => {
      this.datasets = await this.api.datasets.list();
    });
  }

  async refreshExperiments(): Promise<void> {
    await this.guard(async () => {
      this.experiments = await this.api.experiments.list();
    });
  }

  /** Probes the devices (it can take a moment: each one runs a small program). */
  async probeDevices(): Promise<void> {
    await this.guard(async () => {
      this.devices = await this.api.devices.list();
    });
  }

  async updateSettings(patch: { device?: string; threads?: number; runConcurrency?: number; queueUrl?: string | null }): Promise<void> {
    await this.guard(async () => {
      this.settings = await this.api.settings.update(patch);
    });
  }

  /** Follows run events until the returned function is called. */
  listen(): Dispose {
    const offs = [
      this.api.runs.onDidChangeStatus((e) => {
        this.log(e.runId, `status: ${e.status}${e.error ? ` — ${e.error}` : ""}`);
        if (e.status === "queued" || e.status === "running") this.curves.forget(e.runId);
        void this.refreshRun(e.runId);
      }),
      this.api.runs.onDidProgress((e) => {
        this.progress = { ...this.progress, [e.runId]: e };
        if (e.message) this.log(e.runId, e.message);
      }),
      this.api.runs.onDidRecordMetrics((e) => {
        this.metricTicks = { ...this.metricTicks, [e.runId]: (this.metricTicks[e.runId] ?? 0) + 1 };
      }),
    ];
    return () => offs.forEach((off) => off());
  }

  /** Reloads one run into the list (inserting it when new). */
  async refreshRun(id: number): Promise<void> {
    await this.guard(async () => {
      const run = await this.api.runs.get({ id });
      const i = this.runs.findIndex((r) => r.id === id);
      this.runs = i < 0 ? [run, ...this.runs] : this.runs.map((r) => (r.id === id ? run : r));
    });
  }

  log(runId: number, text: string): void {
    // The Date is formatted at once, never kept: it needs no reactivity.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const lines = [...(this.logs[runId] ?? []), { time: new Date().toLocaleTimeString(), text }];
    this.logs = { ...this.logs, [runId]: lines.slice(-MAX_LOG_LINES) };
  }

  /** 1-based place in the queue of a queued run (oldest first), or null. */
  queuePosition(runId: number): number | null {
    const queued = this.runs.filter((r) => r.status === "queued").sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id);
    const i = queued.findIndex((r) => r.id === runId);
    return i < 0 ? null : i + 1;
  }

  /** Runs, newest first. */
  get recentRuns(): RunDto[] {
    return this.runs.slice().sort((a, b) => b.id - a.id);
  }

  experimentOf(run: RunDto): ExperimentDto | undefined {
    return this.experiments.find((e) => e.id === run.experimentId);
  }

  /** The experiment kind a run belongs to, when its experiment and kind are known. */
  kindOf(run: RunDto): KindDto | undefined {
    const kind = this.experimentOf(run)?.kind;
    return kind === undefined ? undefined : this.kinds.find((k) => k.id === kind);
  }

  /** Runs a call, recording its error for the status bar; rethrows nothing. */
  async guard<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      const value = await fn();
      return value;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      return undefined;
    }
  }
}
