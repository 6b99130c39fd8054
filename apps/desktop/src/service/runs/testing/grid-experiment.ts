/**
 * Test experiment module (worker contract): executes one run per key of its job, in order, each
 * `steps` steps of `stepMs`, reporting through `context.run(key)`: begin, a metric per step, a
 * batch of curve points, its result, end. `crashAtKey` ends the worker abruptly when that run
 * begins (an interrupted job).
 */
import type { ExperimentContext } from "../experiment.ts";

interface GridConfig {
  steps: number;
  stepMs: number;
  crashAtKey?: string;
}

export async function run(raw: Record<string, unknown>, context: ExperimentContext): Promise<Record<string, unknown>> {
  const config = raw as unknown as GridConfig;
  for (const key of context.runKeys) {
    const r = context.run(key);
    r.begin();
    if (config.crashAtKey === key) process.exit(70);
    for (let step = 1; step <= config.steps; step++) {
      context.throwIfCancelled();
      await new Promise((resolve) => setTimeout(resolve, config.stepMs));
      r.metric(step, "step", step);
      context.progress(step, config.steps, key);
    }
    r.curvePoints(
      Array.from({ length: 3 }, (_, i) => ({
        series: "s",
        x: i + 1,
        xKind: "n" as const,
        kl: i,
        klEstimator: "exact",
        proxyScore: i,
        goldScore: -i,
      })),
    );
    r.result({ key, steps: config.steps });
    r.end("done");
  }
  return { runs: context.runKeys.map((id) => ({ id })) };
}
