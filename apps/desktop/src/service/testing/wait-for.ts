/** Test helpers: wait for a run to reach a status through the real event stream. */
import type { RunStatus } from "../../shared/dto.ts";
import type { LabApi } from "../../shared/lab-api.ts";

/** Resolves when `runId` reports one of `statuses` (checks the stored state first). */
export async function waitForStatus(api: LabApi, runId: number, statuses: RunStatus[], timeoutMs = 30_000): Promise<RunStatus> {
  return new Promise<RunStatus>((resolve, reject) => {
    const timer = setTimeout(() => {
      dispose();
      reject(new Error(`run ${runId} did not reach ${statuses.join("/")} within ${timeoutMs} ms`));
    }, timeoutMs);
    const dispose = api.runs.onDidChangeStatus((e) => {
      if (e.runId === runId && statuses.includes(e.status)) {
        clearTimeout(timer);
        dispose();
        resolve(e.status);
      }
    });
    void api.runs.get({ id: runId }).then((r) => {
      if (statuses.includes(r.status)) {
        clearTimeout(timer);
        dispose();
        resolve(r.status);
      }
    }, reject);
  });
}

/** Resolves when `runId` reported progress at or beyond `step`. */
export async function waitForStep(api: LabApi, runId: number, step: number, timeoutMs = 30_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      dispose();
      reject(new Error(`run ${runId} did not reach step ${step} within ${timeoutMs} ms`));
    }, timeoutMs);
    const dispose = api.runs.onDidProgress((e) => {
      if (e.runId === runId && e.step >= step) {
        clearTimeout(timer);
        dispose();
        resolve();
      }
    });
  });
}
