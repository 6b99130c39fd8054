// Issue 18's memory planning at the start of a run: every study kind refuses, within seconds and
// before any work, a config whose models cannot fit, naming the numbers and the field to lower.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, type Runtime } from "@goodhart/engine";
import { memorySink, type ExperimentContext } from "../src/experiments/sink.ts";
import {
  assertStudyFits,
  bonStudyPhases,
  daaStudyPhases,
  dmoermStudyPhases,
  planPhase,
  rlStudyPhases,
  type MemoryPhase,
} from "../src/experiments/memory-check.ts";
import { kindRegistry } from "../src/kinds/registry.ts";
import type { RlStudyConfig } from "../src/kinds/rl/schema.ts";

// 64 layers x d8192: about 52 billion parameters, 190 GB of float32 before any optimizer state.
const HUGE = { layers: 64, dModel: 8192, heads: 64, pretrainSteps: 10 };
const GB = 2 ** 30;

let runtime: Runtime;
const dirs: string[] = [];
beforeAll(async () => {
  runtime = await createRuntime({ device: "cpu", threads: 1 });
});
afterAll(async () => {
  await runtime.release();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function runKind(kindId: string, input: Record<string, unknown>) {
  const config = kindRegistry.parse(kindId, input);
  const { run } = (await import(kindRegistry.get(kindId).module)) as { run: (c: unknown, ctx: ExperimentContext) => Promise<unknown> };
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), "goodhart-memcheck-"));
  dirs.push(cacheDir);
  const sink = memorySink();
  const started = performance.now();
  const outcome = await run(config, { runtime, seed: 0, sink, cacheDir }).then(
    () => null,
    (e: unknown) => e as Error,
  );
  return { error: outcome, seconds: (performance.now() - started) / 1000, sink, cacheFiles: readdirSync(cacheDir) };
}

describe("a study whose models cannot fit is refused before it starts", () => {
  for (const kindId of ["bon-study", "rl-study", "daa", "dmoerm"]) {
    it(`${kindId}: refused in seconds, naming every number and the field to lower, with nothing done`, async () => {
      const { error, seconds, sink, cacheFiles } = await runKind(kindId, { name: "too-big", basePolicy: HUGE });
      expect(error).toBeInstanceOf(Error);
      const message = error!.message;
      expect(message).toMatch(/^too-big \(base policy pretraining\) needs about \d+\.\d\d GB \(parameters \d+\.\d\d GB, optimizer state/);
      expect(message).toMatch(/but only \d+\.\d\d GB of free RAM is left/);
      expect(message).toMatch(/base policy \(full, batch 32 x 64 tokens; sized by basePolicy\.dModel\/layers\)/);
      expect(seconds).toBeLessThan(10);
      expect(sink.runs).toEqual([]);
      expect(sink.progressLog).toEqual([]);
      expect(sink.checkpoints).toEqual([]);
      expect(cacheFiles).toEqual([]);
    });
  }
});

describe("assertStudyFits", () => {
  const rl = kindRegistry.parse<RlStudyConfig>("rl-study", {
    name: "rl-phases",
    proxySizes: [{ name: "wide", layers: 2, dModel: 1024, heads: 8 }],
    ensembleSize: 8,
  });

  it("checks the phase whose models are live together: the RL loop holds policy, reference and k members", () => {
    const phases = rlStudyPhases(rl);
    expect(phases.map((p) => p.name)).toEqual(["base policy pretraining", "training proxy wide", "RL against proxy wide"]);
    const loop = phases[2]!;
    expect(loop.models.map((m) => [m.role, m.copies ?? 1])).toEqual([
      ["policy with value head", 1],
      ["reference policy", 1],
      ["proxy RM wide", 8],
    ]);
    // Room for the pretraining and the proxy's training, but not for the RL loop's 8 members at once.
    const [pretrain, training, loop8] = phases.map((p) => planPhase(p).total.total);
    const available = Math.max(pretrain!, training!) + 0.25 * GB;
    expect(loop8!).toBeGreaterThan(available);
    expect(() => assertStudyFits("rl-phases", phases.slice(0, 2), "cpu", available)).not.toThrow();
    const refusal = () => assertStudyFits("rl-phases", phases, "cpu", available);
    expect(refusal).toThrow(/^rl-phases \(RL against proxy wide\) needs about [\d.]+ GB \(parameters [\d.]+ GB, optimizer state/);
    expect(refusal).toThrow(
      /proxy RM wide x 8 \(inference, batch 64 x 64 tokens; sized by proxySizes\[0\]\.dModel\/layers or ensembleSize\): about/,
    );
    expect(refusal).toThrow(
      /policy with value head \(full, batch 64 x 64 tokens; sized by basePolicy\.dModel\/layers or rl\.promptsPerStep x rl\.samplesPerPrompt\)/,
    );
    // With one member the same loop fits: the refusal was the ensemble's.
    const loop1 = planPhase(rlStudyPhases({ ...rl, ensembleSize: 1 })[2]!).total.total;
    expect(loop1).toBeLessThan(available);
  });

  it("lets every kind's default study through on this machine", () => {
    const phasesOf: Record<string, (c: never) => MemoryPhase[]> = {
      "bon-study": bonStudyPhases,
      "rl-study": rlStudyPhases,
      daa: daaStudyPhases,
      dmoerm: dmoermStudyPhases,
    };
    for (const [kindId, phasesFor] of Object.entries(phasesOf)) {
      const phases = phasesFor(kindRegistry.parse(kindId, { name: "defaults" }) as never);
      expect(phases.length).toBeGreaterThan(1);
      expect(() => assertStudyFits(kindId, phases, runtime.device)).not.toThrow();
    }
  });
});
