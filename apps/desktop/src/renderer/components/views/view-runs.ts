/**
 * Loads what a result view draws for some runs: their curve points (the page's cache of finished
 * runs), metric series, stored fits and results, all through LabApi. A direct alignment study stores
 * its family-level fits on one run and a constrained study its proxy points on its components run,
 * so their views read every run of the study's experiment, not only the runs picked.
 */
import type { RunDto } from "../../../shared/index.ts";
import type { ViewRun } from "../../../shared/charts/result-views.ts";
import type { LabState } from "../../state/lab-state.svelte.ts";

/** Kinds whose views need the runs of the whole experiment (their fits and proxy points span runs). */
const STUDY_WIDE: ReadonlySet<string> = new Set(["daa", "constrained-rlhf"]);

/** The runs a view of `runs` reads: for study-wide kinds, every run of their experiments. */
export function viewRunsOf(lab: LabState, runs: readonly RunDto[]): RunDto[] {
  const out = new Map(runs.map((r) => [r.id, r]));
  for (const run of runs) {
    const kind = lab.kindOf(run)?.id;
    if (!kind || !STUDY_WIDE.has(kind) || run.experimentId === null) continue;
    for (const sibling of lab.runs) if (sibling.experimentId === run.experimentId) out.set(sibling.id, sibling);
  }
  return [...out.values()].sort((a, b) => a.id - b.id);
}

/** Curve points, metric series and fits of each run, in order. */
export async function loadViewRuns(lab: LabState, runs: readonly RunDto[]): Promise<ViewRun[]> {
  const statusOf = (id: number) => lab.runs.find((r) => r.id === id)?.status ?? runs.find((r) => r.id === id)?.status;
  const ids = runs.map((r) => r.id);
  const [curves, metrics, fits, results] = await Promise.all([
    lab.curves.get(ids, statusOf),
    Promise.all(ids.map((runId) => lab.api.runs.metrics({ runId }))),
    Promise.all(ids.map((runId) => lab.api.runs.fits({ runId }))),
    Promise.all(ids.map((runId) => lab.api.runs.result({ runId }))),
  ]);
  return runs.map((run, i) => ({
    runId: run.id,
    label: `#${run.id} ${run.name}`,
    points: curves[i]?.points ?? [],
    metrics: metrics[i] ?? [],
    fits: fits[i] ?? [],
    result: results[i] ?? null,
  }));
}
