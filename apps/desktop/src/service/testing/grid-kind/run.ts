/** The grid toy's run module: one lab run per grid point, then a study-level part. */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ExperimentContext } from "@goodhart/objectives";
import { gridPointId, type GridToyConfig } from "./kind.ts";

export async function run(config: GridToyConfig, context: ExperimentContext): Promise<Record<string, unknown>> {
  const runs: { id: string; value: number; last: number }[] = [];
  for (const value of config.points) {
    const id = gridPointId(config, value);
    const sink = context.sink.beginRun({ id, name: `point ${value}`, seed: context.seed, config: { value } });
    const marker = config.markerDir === null ? null : join(config.markerDir, `grid-toy-${config.name}-p${value}.failed`);
    if (marker !== null && config.failOnce.includes(value) && !existsSync(marker)) {
      mkdirSync(config.markerDir!, { recursive: true });
      writeFileSync(marker, "");
      sink.end("failed", `point ${value} fails on its first attempt`);
      throw new Error(`point ${value} fails on its first attempt`);
    }
    const points = [];
    for (let step = 1; step <= config.steps; step++) {
      sink.metric(step, "toy.value", value * step);
      points.push({
        series: "toy:main",
        x: step,
        xKind: "step" as const,
        kl: step,
        klEstimator: "exact",
        klPrompts: "toy",
        proxyScore: value * step,
        proxyScores: null,
        goldScore: value,
      });
    }
    sink.curvePoints(points);
    const own = { id, value, last: value * config.steps };
    runs.push(own);
    sink.result?.({ study: config.name, runs: [own] });
    sink.end("done");
  }
  // Study level: a fit over every point (stored with the job's first run) and a total in every run's result.
  const studySink = context.sink.beginRun({ id: `${config.name}/study`, name: "study", seed: context.seed, config: {} });
  studySink.fit({
    series: "toy:main",
    target: "gold",
    form: "rl",
    coefficients: { a: runs.length, b: 1 },
    standardErrors: { a: 0, b: 0 },
    residual: 0,
    nPoints: runs.length,
  });
  studySink.end("done");
  return { study: config.name, runs, total: runs.reduce((s, r) => s + r.last, 0) };
}
