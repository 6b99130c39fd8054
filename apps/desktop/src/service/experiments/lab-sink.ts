/**
 * The sinks through which a libs/objectives experiment running in a job's worker reports to the
 * lab: each run it begins becomes a lab run of the job (persisted by the service's single writer),
 * and its progress becomes the job's progress. Shared by the best-of-n study, its dataset variant
 * and the generic kind adapter.
 */
import type { ExperimentSink, RunSink } from "@goodhart/objectives";
import type { ExperimentContext } from "../runs/experiment.ts";

/** Progress is reported in thousandths of the whole experiment. */
const PROGRESS_UNITS = 1000;

function formatEta(seconds: number | null): string {
  if (seconds === null) return "";
  return seconds >= 90 ? `, about ${Math.round(seconds / 60)} min left` : `, about ${Math.round(seconds)} s left`;
}

/** Begins the job's run `key` and forwards everything reported to it. */
export function labRunSink(context: ExperimentContext, key: string): RunSink {
  const r = context.run(key);
  r.begin();
  return {
    metric: (step, name, value) => r.metric(step, name, value),
    curvePoints: (points) => r.curvePoints(points),
    fit: (fit) => r.fit(fit),
    labelSet: (set) => r.labelSet(set),
    samples: (set) => r.samples(set),
    checkpoint: (model) => r.model(model),
    result: (result) => r.result(result),
    log() {},
    end: (status, error) => r.end(status, error),
  };
}

/**
 * The experiment's sink: `beginRun` picks the run sink of each run the experiment begins; progress
 * goes to the job (with the estimated time left when `showEta`); model files to the job's store.
 */
export function labExperimentSink(
  context: ExperimentContext,
  beginRun: ExperimentSink["beginRun"],
  opts: { showEta?: boolean } = {},
): ExperimentSink {
  return {
    beginRun,
    progress(p) {
      const eta = opts.showEta ? formatEta(p.etaS) : "";
      context.progress(Math.round(p.fraction * PROGRESS_UNITS), PROGRESS_UNITS, `${p.phase} ${p.done}/${p.total}${eta}`);
    },
    log() {},
    checkpoint: (model) => context.model(model),
  };
}
