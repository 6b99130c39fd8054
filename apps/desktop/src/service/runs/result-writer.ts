/**
 * The single writer of run results: workers stream metrics, curve points, fits, label sets and
 * model files; this buffers them and commits them in batched transactions, one per run per flush,
 * so a chatty run costs few fsyncs, the database only ever holds whole batches, and one run's bad
 * data cannot lose another run's results.
 */
import type { CurvePoint, LabStore, MetricPoint, NewFit } from "@goodhart/storage";
import { storeLabelSet, storeModel } from "./entity-store.ts";
import type { LabelSetSample, ModelSample, SampleSetSample } from "./protocol.ts";

interface Pending {
  metrics: MetricPoint[];
  curves: CurvePoint[];
  fits: NewFit[];
  labelSets: LabelSetSample[];
  sampleSets: SampleSetSample[];
  models: ModelSample[];
}

/** Key of the models shared by a job's runs (no run of their own). */
const SHARED = 0;

export class ResultWriter {
  #pending = new Map<number, Pending>();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: LabStore,
    /** Called when a run's batch could not be stored (its points are dropped). */
    private readonly onError: (runId: number, err: unknown) => void,
    private readonly flushMs = 100,
  ) {}

  #of(runId: number): Pending {
    let p = this.#pending.get(runId);
    if (!p) this.#pending.set(runId, (p = { metrics: [], curves: [], fits: [], labelSets: [], sampleSets: [], models: [] }));
    return p;
  }

  addMetrics(runId: number, points: readonly MetricPoint[]): void {
    const p = this.#of(runId);
    for (const point of points) p.metrics.push(point);
    this.#schedule();
  }

  addCurvePoints(runId: number, points: readonly CurvePoint[]): void {
    const p = this.#of(runId);
    for (const point of points) p.curves.push(point);
    this.#schedule();
  }

  addFits(fits: readonly NewFit[]): void {
    for (const fit of fits) this.#of(fit.runId).fits.push(fit);
    this.#schedule();
  }

  addLabelSet(runId: number, set: LabelSetSample): void {
    this.#of(runId).labelSets.push(set);
    this.#schedule();
  }

  /** The best-of-n pools behind a run's curves. */
  addSamples(runId: number, set: SampleSetSample): void {
    this.#of(runId).sampleSets.push(set);
    this.#schedule();
  }

  /** A model file of a run, or (runId null) one shared by a job's runs. */
  addModel(runId: number | null, model: ModelSample): void {
    this.#of(runId ?? SHARED).models.push(model);
    this.#schedule();
  }

  /** Commits everything buffered: one transaction per run. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const pending = this.#pending;
    this.#pending = new Map();
    for (const [runId, p] of pending) {
      try {
        this.store.transaction(() => {
          if (p.metrics.length > 0) this.store.metrics.append(runId, p.metrics);
          if (p.curves.length > 0) this.store.curves.append(p.curves);
          for (const fit of p.fits) this.store.fits.create(fit);
          for (const set of p.labelSets) storeLabelSet(this.store, runId, set);
          for (const set of p.sampleSets) this.store.samples.create({ runId, ...set });
          for (const model of p.models) storeModel(this.store, runId === SHARED ? null : runId, model);
        });
      } catch (err) {
        if (runId === SHARED) console.error("Goodhart Lab: a shared model file could not be recorded:", err);
        else this.onError(runId, err);
      }
    }
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => this.flush(), this.flushMs);
  }
}
