/**
 * The best-of-n overoptimization study (libs/objectives) as a run of the application: it executes
 * in the run's worker thread and reports through the worker's context, so the service's single
 * writer persists its curves, metrics and fits. A study that expands to several grid points (proxy
 * sizes x training sizes x noise x seeds) is one application run; each grid point's series are
 * prefixed with its name so they stay apart in one run's curves.
 */
import { createRuntime, type RuntimeOptions } from "@goodhart/engine";
import { expandStudy, parseBonStudy, runBonStudy, type ExperimentSink, type RunSink } from "@goodhart/objectives";
import type { ExperimentContext } from "../runs/experiment.ts";

/** Progress is reported in thousandths of the whole study. */
const PROGRESS_UNITS = 1000;

function formatEta(seconds: number | null): string {
  if (seconds === null) return "";
  return seconds >= 90 ? `, about ${Math.round(seconds / 60)} min left` : `, about ${Math.round(seconds)} s left`;
}

export async function run(rawConfig: Record<string, unknown>, context: ExperimentContext): Promise<Record<string, unknown>> {
  const study = parseBonStudy(rawConfig);
  const several = expandStudy(study).length > 1;
  const runtime = await createRuntime({ device: context.device as RuntimeOptions["device"] });
  const sink: ExperimentSink = {
    beginRun(spec): RunSink {
      const prefix = several ? `${spec.name}/` : "";
      return {
        metric: (step, name, value) => context.metric(step, `${prefix}${name}`, value),
        curvePoints(points) {
          for (const p of points) context.curvePoint({ ...p, series: `${prefix}${p.series}` });
        },
        fit: (fit) => context.fit({ ...fit, series: `${prefix}${fit.series}` }),
        // Label sets and model files are persisted by the CLI's storage sink; in the app they stay
        // in the run's cache folder (not yet listed in the database).
        labelSet() {},
        checkpoint() {},
        log() {},
        end() {},
      };
    },
    progress(p) {
      context.progress(Math.round(p.fraction * PROGRESS_UNITS), PROGRESS_UNITS, `${p.phase} ${p.done}/${p.total}${formatEta(p.etaS)}`);
    },
    log() {},
    checkpoint() {},
  };
  const result = await runBonStudy(study, { runtime, seed: context.seed, sink, signal: context.signal, cacheDir: context.cacheDir });
  // The run's result is stored as JSON: keep the headline numbers, not the curves (stored already).
  return {
    study: result.study,
    basePolicy: result.basePolicy,
    baseGold: result.baseGold,
    timings: result.timings,
    runs: result.runs.map((r) => ({ ...r, series: r.series.map(({ curve: _curve, ...summary }) => summary) })),
  };
}
