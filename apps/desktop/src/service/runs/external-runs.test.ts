import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RewardModel, createRuntime, rewardScores, saveModel } from "@goodhart/engine";
import { WordTokenizer, createTask } from "@goodhart/objectives";
import { type LabStore, externalRun, externalSamples, openDatabase } from "@goodhart/storage";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixturePath } from "../../../../../fixtures/index.ts";
import { externalRunsHandlers } from "./external-runs.ts";
import { RESCORE_GOLD_SERIES } from "./rescore-gold.ts";
import { runDto } from "../dto-mapping.ts";

let store: LabStore;
let handlers: ReturnType<typeof externalRunsHandlers>;
beforeEach(() => {
  store = openDatabase(":memory:");
  handlers = externalRunsHandlers(store, (id) => runDto(store.runs.get(id)!, { progress: null, checkpointStep: null }));
});
afterEach(() => store.close());

describe("rescoring an external run with the built-in task's gold judge", () => {
  it("adds a gold curve against the log's per-sequence KL: gold of every sample, recentred on the first step", async () => {
    const { run } = await handlers.import({ path: fixturePath("runs/verl-ppo-metrics.jsonl") });
    await handlers.import({ path: fixturePath("runs/verl-rollouts.jsonl"), runId: run.id });
    expect(store.curves.series(run.id).map((s) => s.name)).toEqual(["proxy:external"]);
    const result = await handlers.rescore({ runId: run.id, with: "gold" });
    expect(result).toMatchObject({ samples: 48, steps: 6, curvePoints: 6, series: RESCORE_GOLD_SERIES });

    // Recompute independently from the fixture: the judge on each sample's text, per-step means.
    const task = createTask(123);
    const samples = externalSamples(store, run.id);
    expect(samples.every((s) => s.gold === task.gold(s.prompt, s.completion).total)).toBe(true);
    const stepMean = (step: number) => {
      const g = samples.filter((s) => s.step === step).map((s) => s.gold!);
      return g.reduce((a, b) => a + b, 0) / g.length;
    };
    expect(result.goldOffset).toBeCloseTo(stepMean(1), 12);
    const cols = store.curves.readColumns(run.id, RESCORE_GOLD_SERIES)!;
    const proxy = store.curves.readColumns(run.id, "proxy:external")!;
    expect(cols.series).toMatchObject({ klEstimator: "k1", klPrompts: "train-batch", xKind: "step" });
    for (let i = 0; i < 6; i++) {
      expect(cols.goldScore[i]).toBeCloseTo(stepMean(i + 1) - stepMean(1), 12);
      expect(cols.kl[i]).toBe(proxy.kl[i]);
      expect(cols.goldSe[i]).toBeGreaterThan(0);
    }
    expect(cols.goldScore[0]).toBe(0);
    // The fixture's policy pads completions with praise: its score rises while gold falls.
    expect(cols.proxyScore[5]).toBeGreaterThan(cols.proxyScore[0]!);
    expect(cols.goldScore[5]).toBeLessThan(-1);
    expect(externalRun(store, run.id)).toMatchObject({ rescoredSamples: 48, mapping: { rescored: { gold: { samples: 48 } } } });
    // Rescoring again replaces, it does not add.
    await handlers.rescore({ runId: run.id, with: "gold" });
    expect(store.curves.readColumns(run.id, RESCORE_GOLD_SERIES)!.x.length).toBe(6);
  });

  it("a rollout dump alone has no KL: gold is stored as metrics and the answer says why there is no curve", async () => {
    const { run } = await handlers.import({ path: fixturePath("runs/verl-rollouts.jsonl") });
    const result = await handlers.rescore({ runId: run.id, with: "gold" });
    expect(result).toMatchObject({ curvePoints: 0, samples: 48 });
    expect(result.note).toMatch(/no per-sequence KL/);
    expect(store.metrics.series(run.id, "rescore.gold").steps.length).toBe(6);
    expect(store.curves.series(run.id)).toEqual([]);
  });

  it("refuses samples the judge cannot read, naming the sample, and stores nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rescore-"));
    const dump = join(dir, "0.jsonl");
    writeFileSync(
      dump,
      '{"input": "tell me the color of the grass", "output": "the grass is green .", "score": 1, "step": 0}\n{"input": "What is 2 + 3?", "output": "5", "score": 1, "step": 0}\n',
    );
    const { run } = await handlers.import({ path: dump });
    await expect(handlers.rescore({ runId: run.id, with: "gold" })).rejects.toThrow(
      /Run \d+, step 0, sample 1: the built-in task's gold judge cannot score it/,
    );
    expect(externalRun(store, run.id)!.rescoredSamples).toBe(0);
    expect(store.metrics.names(run.id)).not.toContain("rescore.gold");
  });

  it("refuses runs of the lab itself and runs without samples", async () => {
    const lab = store.runs.create({ name: "lab run", seed: 1 });
    await expect(handlers.rescore({ runId: lab.id, with: "gold" })).rejects.toThrow(/not imported from another tool/);
    const { run } = await handlers.import({ path: fixturePath("runs/trl-kto-trainer_state.json") });
    await expect(handlers.rescore({ runId: run.id, with: "gold" })).rejects.toThrow(/no rollout samples/);
  });

  it("a malformed log is a validation error naming file and line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "import-"));
    const file = join(dir, "metrics.jsonl");
    writeFileSync(file, '{"step": 1, "data": {"actor/kl_loss": 0.1}}\nnot json\n');
    await expect(handlers.import({ path: file })).rejects.toThrow(/metrics\.jsonl, line 2: invalid JSON/);
    expect(store.runs.list()).toEqual([]);
  });
});

describe("rescoring an external run with a reward model the lab trained", () => {
  it("scores each sample with the engine's rewardScores and adds the curve rescore:model:<id>, with the gold once rescored", async () => {
    const task = createTask(5);
    const tokenizer = new WordTokenizer(task.vocabulary);
    const dir = mkdtempSync(join(tmpdir(), "rm-"));
    // A reward model as a best-of-n study saves its proxy members (random weights: what matters is the path they take).
    const rm = new RewardModel({ vocab: tokenizer.vocabSize, maxSeq: 64, dModel: 16, nHeads: 2, nLayers: 1 }, { seed: 11 });
    await saveModel(join(dir, "member-0"), rm);
    const model = store.models.create({ name: "proxy:member:0", kind: "reward", path: join(dir, "member-0") });
    const { run } = await handlers.import({ path: fixturePath("runs/verl-ppo-metrics.jsonl") });
    await handlers.import({ path: fixturePath("runs/verl-rollouts.jsonl"), runId: run.id });
    await handlers.rescore({ runId: run.id, with: "gold" });
    const result = await handlers.rescore({ runId: run.id, with: `model:${model.id}` });
    expect(result).toMatchObject({
      scorer: `model:${model.id}`,
      samples: 48,
      steps: 6,
      curvePoints: 6,
      series: `rescore:model:${model.id}`,
      note: null,
    });

    const samples = externalSamples(store, run.id);
    const runtime = await createRuntime({ device: "cpu" });
    let expected: Float32Array;
    try {
      const sequences = samples.map((s) => tokenizer.sequenceIds(task.parsePrompt(s.prompt).words, s.completion.split(" ")));
      expected = await rewardScores(runtime, rm, sequences, { padToken: tokenizer.special.pad });
    } finally {
      await runtime.release();
    }
    const cols = store.curves.readColumns(run.id, `rescore:model:${model.id}`)!;
    const gold = store.curves.readColumns(run.id, RESCORE_GOLD_SERIES)!;
    for (let step = 1; step <= 6; step++) {
      const idx = samples.flatMap((s, i) => (s.step === step ? [i] : []));
      const mean = idx.reduce((a, i) => a + expected[i]!, 0) / idx.length;
      expect(cols.proxyScore[step - 1]).toBeCloseTo(mean, 5);
      expect(cols.goldScore[step - 1]).toBe(gold.goldScore[step - 1]);
      expect(cols.kl[step - 1]).toBe(gold.kl[step - 1]);
    }
    expect(externalRun(store, run.id)!.mapping).toMatchObject({ rescored: { gold: {}, [`model:${model.id}`]: { normalised: false } } });
  });

  it("refuses a model that is not a lab reward model, and an unknown scorer", async () => {
    const { run } = await handlers.import({ path: fixturePath("runs/verl-rollouts.jsonl") });
    const lm = store.models.create({ name: "pythia", kind: "hf-lm", path: "/models/pythia" });
    await expect(handlers.rescore({ runId: run.id, with: `model:${lm.id}` })).rejects.toThrow(
      /is a hf-lm model, not a reward model trained by the lab/,
    );
    await expect(handlers.rescore({ runId: run.id, with: "model:99" })).rejects.toThrow(/Model 99 does not exist/);
    await expect(handlers.rescore({ runId: run.id, with: "rm-7" })).rejects.toThrow(/No scorer 'rm-7'/);
    expect(store.metrics.names(run.id).filter((n) => n.startsWith("rescore."))).toEqual([]);
  });
});

describe("runs.import from a page", () => {
  it("takes only a file grant, like datasets.import, and releases it once imported", async () => {
    const { createLabService } = await import("../lab-service.ts");
    const { FileGrants, withFileGrants } = await import("../file-grants.ts");
    const dir = mkdtempSync(join(tmpdir(), "grants-"));
    const service = createLabService({ store, dataDir: join(dir, "data") });
    try {
      const grants = new FileGrants();
      const page = withFileGrants(service, grants);
      await expect(page.runs.import({ path: fixturePath("runs/verl-ppo-metrics.jsonl") })).rejects.toThrow(
        /is not a file dropped, chosen or uploaded/,
      );
      expect(store.runs.list()).toEqual([]);
      const ref = grants.grant(fixturePath("runs/verl-ppo-metrics.jsonl"));
      const imported = await page.runs.import({ path: ref });
      expect(imported).toMatchObject({ format: "verl", duplicate: false });
      expect(grants.size).toBe(0);
    } finally {
      await service.close();
    }
  });
});
