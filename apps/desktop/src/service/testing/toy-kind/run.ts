/** The toy kind's run module: `run(config, context)` against libs/objectives' ExperimentContext. */
import type { ExperimentContext } from "@goodhart/objectives";
import type { ToyConfig } from "./kind.ts";

/** Gold of the toy at a step: peaks at `peak * steps` with the configured height. */
export function toyGold(config: ToyConfig, step: number): number {
  const at = config.peak * config.steps;
  const u = (step - at) / config.steps;
  return config.shape.kind === "tent" ? config.shape.height * (1 - Math.abs(u)) : config.shape.height * (1 - u * u);
}

export async function run(config: ToyConfig, context: ExperimentContext): Promise<{ peakStep: number; tags: string[]; seed: number }> {
  const sink = context.sink.beginRun({ id: "", name: "toy", seed: context.seed, config: config as unknown as Record<string, unknown> });
  let best = { step: 0, gold: -Infinity };
  const points = [];
  for (let step = 1; step <= config.steps; step++) {
    context.signal?.throwIfAborted();
    const gold = toyGold(config, step);
    if (gold > best.gold) best = { step, gold };
    sink.metric(step, "toy.gold", gold);
    points.push({ series: "toy:main", x: step, xKind: "step" as const, kl: step / config.steps, klEstimator: "exact", klPrompts: "toy", proxyScore: step, proxyScores: null, goldScore: gold });
    context.sink.progress({ phase: "toy", done: step, total: config.steps, fraction: step / config.steps, elapsedS: 0, etaS: null });
  }
  sink.curvePoints(points);
  sink.end("done");
  return { peakStep: best.step, tags: config.tags, seed: context.seed };
}
