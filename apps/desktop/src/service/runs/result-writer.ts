/**
 * The single writer of run results: workers stream metrics and curve points, this buffers them
 * and commits them in batched transactions, one per run per flush, so a chatty run costs few
 * fsyncs, the database only ever holds whole batches, and one run's bad data cannot lose another
 * run's results.
 */
import type { CurvePoint, LabStore, MetricPoint, NewFit } from "@goodhart/storage";

interface Pending {
  metrics: MetricPoint[];
  curves: CurvePoint[];
  fits: NewFit[];
}

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
    if (!p) this.#pending.set(runId, (p = { metrics: [], curves: [], fits: [] }));
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
        });
      } catch (err) {
        this.onError(runId, err);
      }
    }
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => this.flush(), this.flushMs);
  }
}
