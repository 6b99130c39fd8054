/**
 * Curve points of finished runs, kept in the page: a finished run's points never change, so Compare
 * and Runs fetch them once per session. Runs still queued or running are always fetched fresh.
 */
import type { CurvePointDto, LabApi, RunStatus } from "../../shared/index.ts";

const FINAL: ReadonlySet<RunStatus> = new Set(["done", "failed", "cancelled", "interrupted"]);

export class CurveCache {
  readonly #api: LabApi;
  readonly #points = new Map<number, CurvePointDto[]>();

  constructor(api: LabApi) {
    this.#api = api;
  }

  /** Points of each run, in order; `statusOf` decides which results may be kept. */
  async get(
    runIds: readonly number[],
    statusOf: (id: number) => RunStatus | undefined,
  ): Promise<{ runId: number; points: CurvePointDto[] }[]> {
    return Promise.all(
      runIds.map(async (runId) => {
        const cached = this.#points.get(runId);
        if (cached) return { runId, points: cached };
        const status = statusOf(runId);
        const points = await this.#api.curves.get({ runId });
        if (status && FINAL.has(status)) this.#points.set(runId, points);
        return { runId, points };
      }),
    );
  }

  /** Forgets a run (it was resumed, so its points will grow again). */
  forget(runId: number): void {
    this.#points.delete(runId);
  }

  has(runId: number): boolean {
    return this.#points.has(runId);
  }
}
