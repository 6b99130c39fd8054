/**
 * The curve points of one run, refetched while it records new ones. Metric events arrive far more
 * often than a screen can use them, so at most one fetch is in flight and the updates that arrive
 * meanwhile collapse into a single follow-up fetch.
 */
import type { CurvePointDto, LabApi } from "../../shared/index.ts";

export class LiveCurves {
  /** Raw state: thousands of points are replaced wholesale, never edited, so no deep proxy. */
  points = $state.raw<CurvePointDto[]>([]);
  runId = $state<number | null>(null);
  fetches = 0;
  /** performance.now() when the last points arrived (the live-frame benchmark measures from it). */
  arrivedAt = 0;

  readonly #api: LabApi;
  readonly #minGapMs: number;
  #inFlight = false;
  #again = false;

  constructor(api: LabApi, minGapMs = 100) {
    this.#api = api;
    this.#minGapMs = minGapMs;
  }

  /** Shows a run (loading its points) or nothing. */
  show(runId: number | null): void {
    if (runId === this.runId) return;
    this.runId = runId;
    this.points = [];
    if (runId !== null) this.update();
  }

  /** Asks for fresh points (call it on each metrics event of the run). */
  update(): void {
    if (this.runId === null) return;
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    void this.#fetch(this.runId);
  }

  async #fetch(runId: number): Promise<void> {
    this.#inFlight = true;
    this.fetches++;
    try {
      const points = await this.#api.curves.get({ runId });
      if (runId === this.runId) {
        this.arrivedAt = performance.now();
        this.points = points;
      }
    } catch {
      // The next event retries; the status bar shows persistent failures through other calls.
    } finally {
      this.#inFlight = false;
      if (this.#again) {
        this.#again = false;
        setTimeout(() => this.update(), this.#minGapMs);
      }
    }
  }
}
