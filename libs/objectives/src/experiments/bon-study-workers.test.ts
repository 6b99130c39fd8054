// runBonStudy with its member stacks trained in two worker threads (parallel-stacks.ts) stores
// exactly what it stores with them trained in the study's thread: same metrics in the same order,
// same curves, same results. A tiny study: two proxy sizes (two trunks), two training sizes,
// two-member ensembles, so two runs' stacks are in the pool at once.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, type Runtime } from "@goodhart/engine";
import { DEFAULT_BON_STUDY, type BonStudyConfig } from "../config/bon-study.ts";
import { runBonStudy } from "./bon-study.ts";
import { memorySink } from "./sink.ts";

const STUDY: BonStudyConfig = {
  ...DEFAULT_BON_STUDY,
  name: "workers-study",
  task: { kind: "builtin", seed: 0, prompts: { train: 200, validation: 20, test: 6 } },
  basePolicy: { preset: "builtin-tiny", layers: 1, dModel: 16, heads: 2, pretrainSteps: 20 },
  proxySizes: [
    { name: "a", layers: 1, dModel: 16, heads: 2 },
    { name: "b", layers: 1, dModel: 32, heads: 2 },
  ],
  trainingSizes: [80, 160],
  labelNoise: [0],
  ensemble: { size: 2, aggregations: [{ kind: "mean" }] },
  bon: { poolSize: 8, ns: "default", evalPrompts: 6 },
  seeds: [1],
};
const OPTIONS = { rmTraining: { epochs: 4, batchSize: 16, lr: 5e-3 }, validationPrompts: 20, saveMembers: false, bootstrapReplicates: 50 };

const dirs: string[] = [];
let runtime: Runtime;
beforeAll(async () => (runtime = await createRuntime({ device: "cpu", threads: 2 })));
afterAll(async () => {
  await runtime?.release();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function study(rmWorkers: number) {
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), "goodhart-bon-workers-"));
  dirs.push(cacheDir);
  const sink = memorySink();
  const result = await runBonStudy(STUDY, { runtime, seed: 0, sink, cacheDir }, { ...OPTIONS, rmWorkers });
  return {
    runs: result.runs,
    stored: sink.runs.map((r) => ({ id: r.id, metrics: r.metrics, curves: r.curves, fits: r.fits, status: r.status })),
  };
}

describe("runBonStudy with rmWorkers", () => {
  it("stores the same metrics, curves and results with 2 workers as with the stacks trained in its own thread", async () => {
    const sequential = await study(1);
    const parallel = await study(2);
    expect(sequential.runs).toHaveLength(4);
    expect(sequential.stored.every((r) => r.metrics.some((m) => m.name === "member.1.train_loss"))).toBe(true);
    expect(parallel.stored).toEqual(sequential.stored);
    expect(parallel.runs).toEqual(sequential.runs);
  }, 300_000);
});
