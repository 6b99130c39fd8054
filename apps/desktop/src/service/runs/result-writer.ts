/**
 * The single writer of run results: workers stream metrics and curve points, this buffers them
 * and commits them in batched transactions (one per flush), so a chatty run costs few fsyncs and
 * the database only ever holds whole batches.
 */
import type { CurvePoint, LabStore, MetricPoint } from "@goodhart/storage";

export class ResultWriter {
  #metrics = new Map<number, MetricPoint[]>();
  #curves: CurvePoint[] = [];
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: LabStore,
    private readonly flushMs = 100,
    private readonly onError: (err: unknown) => void = (err) => console.error("Goodhart Lab: writing results failed:", err),
  ) {}

  addMetrics(runId: number, points: readonly MetricPoint[]): void {
    let list = this.#metrics.get(runId);
    if (!list) this.#metrics.set(runId, (list = []));
    for (const p of points) list.push(p);
    this.#schedule();
  }

  addCurvePoints(points: readonly CurvePoint[]): void {
    for (const p of points) this.#curves.push(p);
    this.#schedule();
  }

  /** Commits everything buffered in one transaction. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#metrics.size === 0 && this.#curves.length === 0) return;
    const metrics = this.#metrics;
    const curves = this.#curves;
    this.#metrics = new Map();
    this.#curves = [];
    try {
      this.store.transaction(() => {
        for (const [runId, points] of metrics) this.store.metrics.append(runId, points);
        if (curves.length > 0) this.store.curves.append(curves);
      });
    } catch (err) {
      this.onError(err);
    }
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => this.flush(), this.flushMs);
  }
}
