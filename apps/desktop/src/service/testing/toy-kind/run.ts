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
    points.push({
      series: "toy:main",
      x: step,
      xKind: "step" as const,
      kl: step / config.steps,
      klEstimator: "exact",
      klPrompts: "toy",
      proxyScore: step,
      proxyScores: null,
      goldScore: gold,
    });
    context.sink.progress({ phase: "toy", done: step, total: config.steps, fraction: step / config.steps, elapsedS: 0, etaS: null });
  }
  sink.curvePoints(points);
  // A fitted law and a small sample set, stored as a real kind's are, so the UI's fits and Samples
  // views have data in tests (the toy's numbers are made up, not fitted).
  const h = config.shape.height;
  sink.fit({
    series: "toy:main",
    target: "gold",
    form: "bon",
    coefficients: { a: 2 * h, b: h, peakD: 1, peakValue: h },
    standardErrors: { a: 0.1, b: 0.05 },
    residual: 0,
    nPoints: config.steps,
    intervals: { peakD: { low: 0.8, high: 1.2, level: 0.95, replicates: 100, resampled: "prompts" } },
  });
  // Per prompt 4 completions; scores per completion: toy:main, then 2 members. The proxy's pick
  // (completion 3) is the gold's worst: what overoptimization looks like.
  sink.samples?.({
    name: "toy-pool",
    series: ["toy:main"],
    members: 2,
    poolSize: 4,
    pools: ["first prompt", "second prompt"].map((prompt, i) => ({
      prompt,
      completions: [0, 1, 2, 3].map((k) => `${prompt} completion ${k}`),
      gold: Float64Array.from([1, 0.5, 0.2, -1 - i]),
      logProb: null,
      scores: Float64Array.from([0, 0.1, 0, 1, 0.2, 0.1, 2, 0.3, 0.2, 3 + i, 0.9, 0.8]),
    })),
  });
  sink.end("done");
  return { peakStep: best.step, tags: config.tags, seed: context.seed };
}
