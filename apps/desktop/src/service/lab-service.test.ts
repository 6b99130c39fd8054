import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LabStore, openDatabase } from "@goodhart/storage";
import { afterEach, describe, expect, it } from "vitest";
import { LabNotFoundError, LabValidationError } from "../shared/errors.ts";
import { labEventList, labMethodNames } from "../shared/lab-api.ts";
import { counterStep } from "./experiments/diagnostic-counter.ts";
import { type LabService, createLabService } from "./lab-service.ts";
import { waitForStatus, waitForStep } from "./testing/wait-for.ts";
import { fixturePath } from "../../../../fixtures/index.ts";

const open: { service: LabService; store: LabStore }[] = [];

function workspace(): { dir: string; dbFile: string } {
  const dir = mkdtempSync(join(tmpdir(), "goodhart-service-"));
  return { dir, dbFile: join(dir, "lab.sqlite") };
}

function start(dir: string, dbFile: string, extra: Partial<Parameters<typeof createLabService>[0]> = {}) {
  const store = openDatabase(dbFile);
  const service = createLabService({ store, dataDir: join(dir, "data"), ...extra });
  open.push({ service, store });
  return { service, store };
}

afterEach(async () => {
  for (const { service, store } of open.splice(0)) {
    await service.close();
    store.close();
  }
});

function expectedAcc(seed: number, steps: number): number {
  let acc = seed;
  for (let s = 1; s <= steps; s++) acc = counterStep(acc, s);
  return acc;
}

/** A small dataset written through the storage layer (the importer is tested in libs/storage). */
function seedDataset(store: LabStore) {
  const dataset = store.datasets.create({
    name: "tiny",
    sourcePath: "/data/tiny.jsonl",
    contentHash: "ab12",
    format: "prompt-chosen-rejected",
    rowCount: 2,
  });
  const [e1, e2] = store.examples.insertMany(dataset.id, [
    {
      rowIndex: 1,
      kind: "pair",
      prompt: "2+2?",
      promptMessages: null,
      responseA: "4",
      responseB: "5",
      responses: null,
      category: "math",
      metadata: null,
    },
    {
      rowIndex: 2,
      kind: "pair",
      prompt: "Hi",
      promptMessages: null,
      responseA: "Hello!",
      responseB: "Go away.",
      responses: null,
      category: "chat",
      metadata: null,
    },
  ]);
  return { dataset, exampleIds: [e1!, e2!] };
}

describe("LabService on a real SQLite file", () => {
  it("datasets: list, get, examples, remove", async () => {
    const { dir, dbFile } = workspace();
    const { service, store } = start(dir, dbFile);
    const { dataset } = seedDataset(store);
    expect((await service.datasets.list()).map((d) => d.name)).toEqual(["tiny"]);
    expect(await service.datasets.get({ id: dataset.id })).toMatchObject({ id: dataset.id, rowCount: 2, format: "prompt-chosen-rejected" });
    const page = await service.datasets.examples({ id: dataset.id, afterRow: 1, limit: 10 });
    expect(page.map((e) => e.prompt)).toEqual(["Hi"]);
    await expect(service.datasets.get({ id: 999 })).rejects.toBeInstanceOf(LabNotFoundError);
    expect(await service.datasets.remove({ id: dataset.id })).toEqual({ ok: true });
    expect(await service.datasets.list()).toEqual([]);
    await expect(service.datasets.remove({ id: dataset.id })).rejects.toThrow(/Dataset \d+ does not exist/);
  });

  it("datasets.import reads a real preference file through libs/storage, and refuses a duplicate or a bad file", async () => {
    const { dir, dbFile } = workspace();
    const { service } = start(dir, dbFile);
    const fixture = fixturePath("preference/stack_exchange_paired_tiny.json");
    const dataset = await service.datasets.import({ path: fixture, name: "se-tiny" });
    expect(dataset).toMatchObject({ name: "se-tiny", rowCount: 25, sourcePath: fixture });
    expect((await service.datasets.examples({ id: dataset.id, limit: 3 })).map((e) => e.rowIndex)).toEqual([1, 2, 3]);
    expect((await service.labels.stats({ datasetId: dataset.id })).total).toBe(25);
    await expect(service.datasets.import({ path: fixture })).rejects.toThrow(
      /already imported as dataset \d+ \('se-tiny'\); nothing was added/,
    );
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, '{"prompt": "a", "chosen": "b", "rejected": "c"}\n{"prompt": 3\n');
    await expect(service.datasets.import({ path: bad })).rejects.toThrow(/bad\.jsonl/);
    expect((await service.datasets.list()).length).toBe(1);
  });

  it("datasets.detect reports format and column roles without importing; an explicit mapping is honoured on import", async () => {
    const { dir, dbFile } = workspace();
    const { service } = start(dir, dbFile);
    const fixture = fixturePath("preference/stack_exchange_paired_tiny.json");
    const detected = await service.datasets.detect({ path: fixture });
    expect(detected).toMatchObject({ container: "json", format: "stack-exchange-paired", columns: { prompt: "question" } });
    expect(detected.sourceColumns).toEqual(expect.arrayContaining(["question", "response_j", "response_k"]));
    expect(await service.datasets.list()).toEqual([]);
    const renamed = join(dir, "renamed.jsonl");
    writeFileSync(renamed, '{"q": "2+2?", "good": "4", "bad": "5"}\n{"q": "3+3?", "good": "6", "bad": "7"}\n');
    await expect(service.datasets.detect({ path: renamed })).rejects.toThrow(/renamed\.jsonl/);
    const mapping = { prompt: "q", chosen: "good", rejected: "bad" };
    expect((await service.datasets.detect({ path: renamed, mapping })).columns).toMatchObject({
      prompt: "q",
      chosen: "good",
      rejected: "bad",
    });
    const dataset = await service.datasets.import({ path: renamed, mapping });
    expect(dataset.rowCount).toBe(2);
    expect((await service.datasets.examples({ id: dataset.id }))[1]).toMatchObject({ prompt: "3+3?", responseA: "6", responseB: "7" });
  });

  it("labels: add, list, stats", async () => {
    const { dir, dbFile } = workspace();
    const { service, store } = start(dir, dbFile);
    const { dataset, exampleIds } = seedDataset(store);
    const label = await service.labels.add({ exampleId: exampleIds[0]!, preferred: "a", annotator: "me" });
    expect(label).toMatchObject({ exampleId: exampleIds[0], preferred: "a", source: "human", dimension: "overall", annotator: "me" });
    await service.labels.add({ exampleId: exampleIds[1]!, preferred: "b", source: "gold", dimension: "helpfulness" });
    expect((await service.labels.list({ datasetId: dataset.id })).map((l) => l.id)).toEqual([label.id]);
    expect(
      (await service.labels.list({ datasetId: dataset.id, dimension: "helpfulness", source: "gold" })).map((l) => l.preferred),
    ).toEqual(["b"]);
    expect(await service.labels.list({ datasetId: dataset.id, dimension: "helpfulness", source: "human" })).toEqual([]);
    const stats = await service.labels.stats({ datasetId: dataset.id });
    expect(stats.total).toBe(2);
    expect(stats.counts).toEqual(
      expect.arrayContaining([
        { source: "human", dimension: "overall", count: 1 },
        { source: "gold", dimension: "helpfulness", count: 1 },
      ]),
    );
    await expect(service.labels.add({ exampleId: 9999, preferred: "a" })).rejects.toThrow(/Example 9999 does not exist/);
  });

  it("labels: comparisons to label, agreement between two annotators, undo of a person's label", async () => {
    const { dir, dbFile } = workspace();
    const { service } = start(dir, dbFile);
    const dataset = await service.labels.createComparisons({ name: "to label", count: 6, seed: 1 });
    expect(dataset.rowCount).toBe(6);
    const examples = await service.datasets.examples({ id: dataset.id, limit: 6 });
    expect(examples).toHaveLength(6);
    // Two annotators who agree on 5 of 6 pairs.
    const ann = ["a", "b", "a", "b", "a", "b"] as const;
    for (const [i, e] of examples.entries()) {
      await service.labels.add({ exampleId: e.id, preferred: ann[i]!, annotator: "ann" });
      await service.labels.add({ exampleId: e.id, preferred: i === 5 ? "a" : ann[i]!, annotator: "bob" });
    }
    const agreement = await service.labels.agreement({ datasetId: dataset.id });
    expect(agreement.items).toBe(6);
    expect(agreement.raterNames).toHaveLength(2);
    expect(agreement.raw.estimate).toBeCloseTo(5 / 6, 10);
    expect(agreement.cohen?.estimate).toBeLessThan(1);
    const mine = await service.labels.list({ datasetId: dataset.id });
    expect(mine).toHaveLength(12);
    await service.labels.remove({ id: mine[0]!.id });
    expect(await service.labels.list({ datasetId: dataset.id })).toHaveLength(11);
    await expect(service.labels.agreement({ datasetId: dataset.id, dimension: "fluency" })).rejects.toThrow(/agreement needs at least 2/);
    // The LLM judge's jobs (full coverage in labels-llm.test.ts): an estimate sends nothing; without a key nothing starts.
    expect(await service.labels.estimateLlm({ datasetId: dataset.id, template: "fluency", model: "m" })).toMatchObject({
      comparisons: 6,
      requests: 12,
    });
    const job = { datasetId: dataset.id, template: "fluency", model: "m", baseUrl: "http://127.0.0.1:9/v1", name: "judge" };
    await expect(service.labels.startLlm(job)).rejects.toThrow(/No API key/);
    await expect(service.labels.llmJob({ id: 1 })).rejects.toThrow(/does not exist/);
    await expect(service.labels.cancelLlm({ id: 1 })).rejects.toThrow(/does not exist/);
  });

  it("runs record the lab version that created them; a stored config that no longer parses names that version", async () => {
    const { dir, dbFile } = workspace();
    const { service, store } = start(dir, dbFile);
    const root = JSON.parse(readFileSync(new URL("../../../../package.json", import.meta.url), "utf8")) as { version: string };
    const app = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    // The packaged app ships only its own package.json: it must carry the repository's version.
    expect(app.version).toBe(root.version);
    const e = await service.experiments.create({ name: "versioned", kind: "diagnostic.counter", config: { steps: 3 } });
    const run = await service.runs.start({ experimentId: e.id });
    expect(store.runs.get(run.id)!.labVersion).toBe(root.version);
    expect(await waitForStatus(service, run.id, ["done", "failed"])).toBe("done");
    // A grid point an older lab stored in a shape this one no longer reads.
    const study = store.experiments.create({ name: "old", kind: "bon-study", config: {} });
    const old = store.runs.create({ name: "old point", seed: 1, experimentId: study.id, config: { id: "x" }, labVersion: "0.0.7" });
    store.runs.setStatus(old.id, "running");
    store.runs.setStatus(old.id, "cancelled");
    await expect(service.runs.resume({ id: old.id })).rejects.toThrow(
      new RegExp(
        `Run ${old.id} cannot be executed again: it was stored by Goodhart Lab 0\\.0\\.7 \\(on \\d{4}-\\d\\d-\\d\\d; this is ${root.version.replace(/\./g, "\\.")}\\) and its config is no longer one runnable bon-study grid point; config no longer valid: id: unknown field`,
      ),
    );
    expect(store.runs.get(old.id)!.status).toBe("cancelled");
  });

  it("labels: the synthetic labeler stores one noisy label set per dimension; bad input is a validation error that adds nothing", async () => {
    const { dir, dbFile } = workspace();
    const { service, store } = start(dir, dbFile);
    const dataset = await service.labels.createComparisons({ name: "pairs", count: 20, seed: 3 });
    const sets = await service.labels.createSynthetic({
      datasetId: dataset.id,
      name: "syn",
      dimensions: ["overall", "length"],
      noise: 0.3,
      seed: 5,
    });
    expect(sets.map((s) => [s.name, s.dimension, s.source, s.size, s.flipP, s.seed])).toEqual([
      ["syn/overall", "overall", "synthetic", 20, 0.3, 5],
      ["syn/length", "length", "synthetic", 20, 0.3, 5],
    ]);
    expect(sets[0]!.flippedCount).toBeGreaterThan(0);
    expect((await service.labels.stats({ datasetId: dataset.id })).total).toBe(40);
    const taken = service.labels.createSynthetic({ datasetId: dataset.id, name: "syn" });
    await expect(taken).rejects.toMatchObject({ name: "ValidationError", message: expect.stringMatching(/'syn\/overall' already exists/) });
    await expect(service.labels.createSynthetic({ datasetId: dataset.id, name: "x", dimensions: ["charm"] })).rejects.toThrow(
      /unknown dimension 'charm'/,
    );
    await expect(service.labels.createSynthetic({ datasetId: dataset.id, name: "x", noise: 1 })).rejects.toThrow(/noise/);
    expect(store.labelSets.list(dataset.id).map((s) => s.name)).toEqual(["syn/overall", "syn/length"]);
  });

  it("models: registers a Hugging Face folder once, lists it, offers it as an initialisation; a folder without config.json is refused", async () => {
    const { dir, dbFile } = workspace();
    const { service } = start(dir, dbFile);
    expect(await service.models.list()).toEqual([]);
    const folder = fixturePath("models/tiny-llama");
    const model = await service.models.import({ path: folder });
    expect(model).toMatchObject({ name: "tiny-llama", architecture: "llama", path: folder });
    expect(model.parameters).toBeGreaterThan(0);
    // An unchanged folder registered again is the same entry.
    expect((await service.models.import({ path: folder })).id).toBe(model.id);
    expect((await service.models.list()).map((m) => m.id)).toEqual([model.id]);
    expect((await service.models.initChoices()).map((c) => c.value)).toEqual(["builtin", `model:${model.id}`]);
    await expect(service.models.import({ path: dir })).rejects.toThrow(/config\.json/);
    expect(await service.models.list()).toHaveLength(1);
  });

  it("runs.import / runs.rescore: a verl run and its rollout dump become an external run with a gold curve, beside the lab's runs", async () => {
    const { dir, dbFile } = workspace();
    const { service } = start(dir, dbFile);
    const imported = await service.runs.import({ path: fixturePath("runs/verl-ppo-metrics.jsonl") });
    expect(imported).toMatchObject({ format: "verl", duplicate: false, curvePoints: 6, run: { status: "done", experimentId: null } });
    expect(imported.run.config.external).toMatchObject({ tool: "verl" });
    await service.runs.import({ path: fixturePath("runs/verl-rollouts.jsonl"), runId: imported.run.id });
    const rescored = await service.runs.rescore({ runId: imported.run.id });
    expect(rescored).toMatchObject({ scorer: "gold", samples: 48, steps: 6, curvePoints: 6, note: null });
    const compare = await service.compare.runs({ runIds: [imported.run.id] });
    expect(compare.curves[0]!.points.filter((p) => p.series === "rescore:gold" && p.goldScore !== null)).toHaveLength(6);
    expect((await service.runs.list()).map((r) => r.id)).toContain(imported.run.id);
    await expect(service.runs.rescore({ runId: imported.run.id, with: "rm-7" })).rejects.toThrow(/No scorer 'rm-7'/);
  });

  it("experiments: kinds, create with a validated config, list, get", async () => {
    const { dir, dbFile } = workspace();
    const { service } = start(dir, dbFile);
    const kinds = await service.experiments.kinds();
    expect(kinds.find((k) => k.kind === "diagnostic.counter")).toMatchObject({ diagnostic: true, defaultConfig: { steps: 100 } });
    // The registry's full descriptions (experiment-kinds.md; kinds.test.ts covers them in depth).
    expect((await service.kinds.list()).find((k) => k.id === "diagnostic.counter")?.configSchema).toMatchObject({ type: "object" });
    expect(await service.presets.list({ kind: "diagnostic.counter" })).toEqual([]);
    expect(await service.kinds.expand({ kind: "diagnostic.counter", axes: [{ path: "steps", values: [1, 2] }] })).toHaveLength(2);
    const e = await service.experiments.create({ name: "c", kind: "diagnostic.counter", config: { steps: 5 } });
    expect(e.config).toMatchObject({ steps: 5, stepMs: 10, checkpointEvery: 10 });
    expect((await service.experiments.list()).map((x) => x.id)).toEqual([e.id]);
    expect(await service.experiments.get({ id: e.id })).toEqual(e);
    await expect(service.experiments.create({ name: "bad", kind: "diagnostic.counter", config: { steps: -1 } })).rejects.toThrow(
      /Invalid config for experiment kind 'diagnostic\.counter': steps:/,
    );
    await expect(service.experiments.create({ name: "bad", kind: "nope", config: {} })).rejects.toBeInstanceOf(LabValidationError);
  });

  it("runs, curves, compare and reports: two runs complete and persist, with exports", async () => {
    const { dir, dbFile } = workspace();
    const { service, store } = start(dir, dbFile, { runConcurrency: 2 });
    const e = await service.experiments.create({
      name: "pair",
      kind: "diagnostic.counter",
      config: { steps: 20, stepMs: 2, checkpointEvery: 5 },
    });
    const progress: number[] = [];
    service.runs.onDidProgress((p) => p.runId === 1 && progress.push(p.step));
    const metricEvents: number[] = [];
    service.runs.onDidRecordMetrics((m) => metricEvents.push(m.points.length));
    const statuses: string[] = [];
    service.runs.onDidChangeStatus((e) => e.runId === 1 && statuses.push(e.status));
    const [a, b] = await Promise.all([
      service.runs.start({ experimentId: e.id, seed: 1 }),
      service.runs.start({ experimentId: e.id, seed: 2, name: "second" }),
    ]);
    expect(a.status).toMatch(/queued|running/);
    expect(await Promise.all([waitForStatus(service, a.id, ["done", "failed"]), waitForStatus(service, b.id, ["done", "failed"])])).toEqual(
      ["done", "done"],
    );
    expect(progress).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(metricEvents.reduce((s, n) => s + n, 0)).toBe(80);
    expect(statuses).toEqual(["queued", "running", "done"]);

    const runA = await service.runs.get({ id: a.id });
    expect(runA).toMatchObject({ status: "done", seed: 1, device: "cpu", checkpointStep: 20, progress: { step: 20, totalSteps: 20 } });
    expect((await service.runs.list({ experimentId: e.id })).map((r) => r.name)).toEqual(["pair (seed 1)", "second"]);
    expect((await service.runs.list({ status: "done" })).length).toBe(2);

    const [value] = await service.runs.metrics({ runId: a.id, name: "counter.value" });
    expect(value!.steps).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(value!.values.at(-1)).toBeCloseTo(expectedAcc(1, 20) / 0x80000000, 12);
    const all = await service.runs.metrics({ runId: a.id });
    expect(all.map((m) => [m.name, m.steps.length])).toEqual([
      ["counter.step", 20],
      ["counter.value", 20],
    ]);
    const newer = await service.runs.metrics({ runId: a.id, name: "counter.step", afterStep: 17 });
    expect(newer).toEqual([{ runId: a.id, name: "counter.step", steps: [18, 19, 20], values: [18, 19, 20] }]);

    const curve = await service.curves.get({ runId: a.id });
    expect(curve.length).toBe(20);
    expect(curve[0]).toMatchObject({ series: "diagnostic", xKind: "step", klEstimator: "exact", x: 1 });
    // A run without fits or best-of-n pools answers with empty lists (bon-study.test.ts covers full ones).
    expect(await service.runs.fits({ runId: a.id })).toEqual([]);
    expect(await service.runs.result({ runId: a.id })).toEqual(store.runs.get(a.id)!.result);
    expect(await service.runs.samples({ runId: a.id })).toEqual({ runId: a.id, sets: [], set: null, series: null, n: null, picks: [] });
    await expect(service.runs.samples({ runId: a.id, set: "bon-pool" })).rejects.toThrow(/has no sample set 'bon-pool'; it has none/);
    const csv = await service.curves.export({ runIds: [a.id, b.id], format: "csv" });
    expect(csv.mimeType).toBe("text/csv");
    expect(csv.text.split("\r\n")[0]).toBe("runId,series,x,xKind,kl,sqrtKl,klEstimator,proxyScore,goldScore");
    expect(csv.text.trim().split("\r\n").length).toBe(41);
    const json = JSON.parse((await service.curves.export({ runIds: [b.id], format: "json" })).text) as unknown[];
    expect(json.length).toBe(20);

    const cmp = await service.compare.runs({ runIds: [a.id, b.id] });
    expect(cmp.runs.map((r) => r.id)).toEqual([a.id, b.id]);
    expect(cmp.curves.map((c) => c.points.length)).toEqual([20, 20]);
    expect(cmp.metrics.find((m) => m.name === "counter.step")?.values).toEqual([20, 20]);
    expect(cmp.configDiff).toEqual([]); // same experiment, same config: the seed is not config
    const other = await service.experiments.create({
      name: "other",
      kind: "diagnostic.counter",
      config: { steps: 3, stepMs: 2, checkpointEvery: 5 },
    });
    const c = await service.runs.start({ experimentId: other.id });
    await waitForStatus(service, c.id, ["done"]);
    const cmp3 = await service.compare.runs({ runIds: [a.id, c.id] });
    expect(cmp3.configDiff).toEqual([{ path: "steps", values: [20, 3] }]);
    expect(cmp3.experiments.map((x) => x.name)).toEqual(["pair", "other"]);
    expect((await service.compare.runs({ runIds: [a.id, b.id], curves: false })).curves).toEqual([]);
    await expect(service.compare.runs({ runIds: [a.id, 999] })).rejects.toThrow(/Run 999 does not exist/);

    store.fits.create({
      runId: a.id,
      series: "diagnostic",
      target: "gold",
      form: "bon: d(a - b d)",
      coefficients: { a: 1, b: 0.5 },
      nPoints: 20,
    });
    const report = await service.reports.create({ runIds: [a.id, b.id], title: "Two <counters>" });
    expect(report.html).toContain("<h2>Fits</h2>");
    expect(report.html).toContain("<h2>Metrics over steps</h2>");
    expect(report.html).toMatch(/^<!doctype html>/);
    expect(report.html).toContain("<title>Two &lt;counters&gt;</title>");
    expect(report.html).toMatch(/<svg[^>]*>.*run 1 diagnostic gold.*<\/svg>/s);
    expect(report.html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect((await service.reports.list()).map((r) => r.id)).toEqual([report.id]);
    expect((await service.reports.get({ id: report.id })).html).toBe(report.html);
    expect(store.integrityCheck()).toBe("ok");
  });

  it("cancels a running run within 2 s, stores it cancelled, and resumes it from its checkpoint", async () => {
    const { dir, dbFile } = workspace();
    const { service } = start(dir, dbFile);
    const e = await service.experiments.create({
      name: "long",
      kind: "diagnostic.counter",
      config: { steps: 60, stepMs: 15, checkpointEvery: 5 },
    });
    const run = await service.runs.start({ experimentId: e.id, seed: 11 });
    await waitForStep(service, run.id, 12);
    const t0 = performance.now();
    const cancelled = await service.runs.cancel({ id: run.id });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.checkpointStep).toBeGreaterThanOrEqual(10);
    await expect(service.runs.cancel({ id: run.id })).rejects.toThrow(/is cancelled; only queued or running runs can be cancelled/);

    const resumed = await service.runs.resume({ id: run.id });
    expect(resumed.status).toMatch(/queued|running/);
    expect(await waitForStatus(service, run.id, ["done", "failed"])).toBe("done");
    const [values] = await service.runs.metrics({ runId: run.id, name: "counter.value" });
    expect(values!.steps).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(values!.values.at(-1)).toBeCloseTo(expectedAcc(11, 60) / 0x80000000, 12);
    await expect(service.runs.resume({ id: run.id })).rejects.toThrow(/is done; only interrupted, cancelled or failed runs can be resumed/);
  });

  it("stores a failing run as failed with its error", async () => {
    const { dir, dbFile } = workspace();
    const { service } = start(dir, dbFile);
    const e = await service.experiments.create({
      name: "fails",
      kind: "diagnostic.counter",
      config: { steps: 10, stepMs: 1, failAtStep: 3 },
    });
    const run = await service.runs.start({ experimentId: e.id });
    expect(await waitForStatus(service, run.id, ["done", "failed"])).toBe("failed");
    expect((await service.runs.get({ id: run.id })).error).toBe("Error: diagnostic failure requested at step 3");
  });

  it("a worker killed mid-run leaves the run interrupted and resumable, and the database intact", async () => {
    const { dir, dbFile } = workspace();
    const { service, store } = start(dir, dbFile);
    const crashing = await service.experiments.create({
      name: "crash",
      kind: "diagnostic.counter",
      config: { steps: 30, stepMs: 2, checkpointEvery: 10, crashAtStep: 17 },
    });
    const run = await service.runs.start({ experimentId: crashing.id, seed: 5 });
    expect(await waitForStatus(service, run.id, ["done", "failed", "interrupted"])).toBe("interrupted");
    const stored = await service.runs.get({ id: run.id });
    expect(stored.error).toMatch(/worker stopped unexpectedly \(exit code 70\)/);
    expect(stored.checkpointStep).toBe(10);
    expect(store.integrityCheck()).toBe("ok");
    // The run keeps the config it was started with (crashAtStep included), so it would crash again
    // at 17; resuming must still restart from step 10 and end interrupted again, not failed or done.
    await service.runs.resume({ id: run.id });
    expect(await waitForStatus(service, run.id, ["done", "failed", "interrupted"])).toBe("interrupted");
    const [steps] = await service.runs.metrics({ runId: run.id, name: "counter.step" });
    expect(steps!.steps).toEqual(Array.from({ length: 16 }, (_, i) => i + 1)); // it dies at 17, before logging it
  });

  it("fails a run whose results cannot be stored, naming why", async () => {
    const { dir, dbFile } = workspace();
    const { service, store } = start(dir, dbFile);
    const e = await service.experiments.create({
      name: "nan",
      kind: "diagnostic.counter",
      config: { steps: 500, stepMs: 5, badCurveAtStep: 3 },
    });
    const run = await service.runs.start({ experimentId: e.id });
    expect(await waitForStatus(service, run.id, ["done", "failed", "cancelled"])).toBe("failed");
    expect((await service.runs.get({ id: run.id })).error).toMatch(/results could not be stored: .*x and kl must be finite/);
    expect(store.integrityCheck()).toBe("ok");
  });

  it("a process killed mid-run leaves the run interrupted and resumable, and the database intact", async () => {
    const { dir, dbFile } = workspace();
    const dataDir = join(dir, "data");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", new URL("./testing/run-until-killed.ts", import.meta.url).pathname, dbFile, dataDir],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    await new Promise<void>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (/step 2[3-9]\b/.test(out)) resolve();
      });
      child.on("exit", (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));

    const { service, store } = start(dir, dbFile);
    expect(store.integrityCheck()).toBe("ok");
    expect(service.interruptedAtStart).toEqual([1]);
    const run = await service.runs.get({ id: 1 });
    expect(run.status).toBe("interrupted");
    expect(run.error).toMatch(/stopped while the run was running/);
    expect(run.checkpointStep).toBeGreaterThanOrEqual(20);
    // Resume, check it continues the sequence from the checkpoint, then cancel (the full 1000 steps would be slow).
    await service.runs.resume({ id: 1 });
    await waitForStep(service, 1, run.checkpointStep! + 2);
    const [values] = await service.runs.metrics({ runId: 1, name: "counter.value" });
    const lastStep = values!.steps.at(-1)!;
    // The resumed run continues the same deterministic sequence from the checkpoint.
    expect(values!.values.at(-1)).toBeCloseTo(expectedAcc(3, lastStep) / 0x80000000, 12);
    await service.runs.cancel({ id: 1 });
    expect(store.integrityCheck()).toBe("ok");
  });

  it("settings: defaults, update (persisted, applied to the run queue), validation", async () => {
    const { dir, dbFile } = workspace();
    const first = start(dir, dbFile);
    expect(await first.service.settings.get()).toEqual({
      device: "cpu",
      threads: 2,
      runConcurrency: 1,
      llmEndpoint: null,
      llmApiKeySet: false,
      queueUrl: null,
    });
    await expect(first.service.settings.update({ runConcurrency: 0 })).rejects.toThrow(/Invalid input for settings\.update/);
    const updated = await first.service.settings.update({ runConcurrency: 3, llmEndpoint: "https://api.example.com/v1" });
    expect(updated).toMatchObject({ runConcurrency: 3, llmEndpoint: "https://api.example.com/v1" });
    expect(JSON.parse(readFileSync(join(dir, "data", "settings.json"), "utf8"))).toMatchObject({ runConcurrency: 3 });
    await first.service.close();
    const again = start(dir, dbFile);
    expect((await again.service.settings.get()).runConcurrency).toBe(3);
    // No keychain here (the desktop app's main process answers these itself): the LLM key is refused.
    await expect(again.service.settings.setLlmApiKey({ key: "sk-x" })).rejects.toThrow(/only be kept by the desktop app/);
    await expect(again.service.settings.clearLlmApiKey()).rejects.toThrow(/only be kept by the desktop app/);
    // A worker pool's URL is kept without credentials; without a keychain a password is refused.
    await expect(again.service.settings.update({ queueUrl: "redis://:pw@pool.example:6380" })).rejects.toThrow(
      /password cannot be kept here/,
    );
    expect(await again.service.settings.update({ queueUrl: "rediss://pool.example:6380/2" })).toMatchObject({
      queueUrl: "rediss://pool.example:6380/2",
    });
    expect(JSON.parse(readFileSync(join(dir, "data", "settings.json"), "utf8"))).toMatchObject({
      queueUrl: "rediss://pool.example:6380/2",
    });
    expect((await again.service.settings.update({ queueUrl: "" })).queueUrl).toBeNull();
  });

  it("devices: probes ONNX Runtime execution providers; cpu works", async () => {
    const { dir, dbFile } = workspace();
    const { service } = start(dir, dbFile);
    const devices = await service.devices.list();
    expect(devices[0]).toMatchObject({ device: "cpu", ok: true });
  });
});

describe("service test coverage", () => {
  it("calls every LabApi method and event somewhere in this file", () => {
    const text = readFileSync(new URL(import.meta.url), "utf8");
    const missing = [...labMethodNames, ...labEventList.map((e) => `${e.service}.${e.name}`)].filter(
      (m) => !text.includes(`service.${m}(`),
    );
    expect(missing).toEqual([]);
  });
});
