import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixturePath } from "../../../../fixtures/index.ts";
import { type LabStore, openDatabase } from "../store.ts";
import { connectionOf } from "../store.ts";
import { EXTERNAL_PROXY_SERIES, importRunLog } from "./import-run-log.ts";
import { externalRun, externalSamples } from "./external-runs.ts";
import { parsePythonJson } from "./python-json.ts";
import { RunLogError } from "./run-log.ts";

let store: LabStore;
let dir: string;
beforeEach(() => {
  store = openDatabase(":memory:");
  dir = mkdtempSync(path.join(tmpdir(), "run-import-"));
});
afterEach(() => store.close());

/** Row counts of every table an import writes: equal before and after a refused import. */
function snapshot(s: LabStore): Record<string, number> {
  const db = connectionOf(s);
  const tables = [
    "runs",
    "metric_chunks",
    "metric_names",
    "curve_series",
    "curve_chunks",
    "external_runs",
    "external_files",
    "external_samples",
  ];
  return Object.fromEntries(tables.map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n]));
}

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe("importRunLog on real and documented logs", () => {
  it("TRL trainer_state.json (a real KTO run): metrics under the lab's names, its KL kept as a metric but not curved (not on-policy)", () => {
    const r = importRunLog(store, fixturePath("runs/trl-kto-trainer_state.json"));
    expect(r).toMatchObject({ format: "trl", duplicate: false, curvePoints: 0 });
    const run = store.runs.get(r.runId)!;
    expect(run.status).toBe("done");
    expect(run.experimentId).toBeNull();
    expect(run.config.external).toEqual({ tool: "trl", trainer: "KTO", format: "trl", file: "trl-kto-trainer_state.json" });
    expect(run.config).toMatchObject({ global_step: 500, logging_steps: 10, train_batch_size: 16 });
    const loss = store.metrics.series(r.runId, "train.loss");
    expect(loss.steps.length).toBe(51); // steps 1, 10, 20, ..., 500
    expect(loss.values[loss.values.length - 1]).toBeCloseTo(0.0821, 6);
    expect(store.metrics.latest(r.runId, "train.implicit_reward_margin")?.value).toBeCloseTo(7.212374687194824, 9);
    expect(store.metrics.series(r.runId, "train.kl").values[1]).toBeCloseTo(0.03288877755403519, 12);
    expect(store.curves.series(r.runId)).toEqual([]);
    const ext = externalRun(store, r.runId)!;
    expect(ext.tool).toBe("trl");
    expect(ext.files.map((f) => [f.format, f.fileName])).toEqual([["trl", "trl-kto-trainer_state.json"]]);
    expect(ext.mapping).toMatchObject({
      trainer: "KTO",
      names: { "rewards/margins": "train.implicit_reward_margin", loss: "train.loss" },
      kl: { key: "kl", estimator: "k1", aggregation: "per-sequence-sum", onPolicy: false, perSequence: false, clip: ">= 0 (batch value)" },
    });
  });

  it("verl metric log: per-token KL in the reward times the mean response length gives the per-sequence curve", () => {
    const r = importRunLog(store, fixturePath("runs/verl-ppo-metrics.jsonl"));
    expect(r).toMatchObject({ format: "verl", curvePoints: 6 });
    const [series] = store.curves.series(r.runId);
    expect(series).toMatchObject({ name: EXTERNAL_PROXY_SERIES, xKind: "step", klEstimator: "k1", klPrompts: "train-batch", points: 6 });
    const cols = store.curves.readColumns(r.runId, EXTERNAL_PROXY_SERIES)!;
    const lines = readFileSync(fixturePath("runs/verl-ppo-metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).data);
    lines.forEach((d, i) => {
      expect(cols.kl[i]).toBeCloseTo(d["actor/reward_kl_penalty"] * d["response_length/mean"], 12);
      expect(cols.proxyScore[i]).toBe(d["critic/score/mean"]);
      expect(Number.isNaN(cols.goldScore[i]!)).toBe(true);
    });
    expect(store.metrics.latest(r.runId, "train.completion_tokens")?.value).toBe(lines[5]["response_length/mean"]);
    expect(store.metrics.names(r.runId)).toContain("ext.timing_s/gen");
    expect(externalRun(store, r.runId)!.mapping).toMatchObject({
      kl: { key: "actor/reward_kl_penalty", aggregation: "per-token-mean", perSequence: true, lengthKey: "response_length/mean" },
    });
  });

  it("verl console output (a real log from verl's quickstart): step lines read as the file logger's records", () => {
    const file = fixturePath("runs/verl-quickstart-console.log");
    const r = importRunLog(store, file);
    expect(r).toMatchObject({ format: "verl", curvePoints: 2 });
    expect(store.runs.get(r.runId)!.config.external).toMatchObject({ tool: "verl", trainer: "PPO (GAE)", format: "verl" });
    expect(Array.from(store.metrics.series(r.runId, "train.completion_tokens").values)).toEqual([239.133, 232.242]);
    expect(Array.from(store.metrics.series(r.runId, "train.reward").steps)).toEqual([0, 1]);
    // Keys verl does not name for the lab keep their own name, parentheses included.
    expect(store.metrics.latest(r.runId, "ext.critic/lr(1e-4)")?.value).toBe(0.1);
    // Step 1 prints actor/reward_kl_penalty twice (0.000, then 0.001 where step 0 has the
    // coefficient): the first is kept and the repeat is reported, not silently merged.
    expect(Array.from(store.metrics.series(r.runId, "train.kl").values)).toEqual([0, 0]);
    expect(Array.from(store.metrics.series(r.runId, "train.kl_coef").steps)).toEqual([0]);
    const mapping = externalRun(store, r.runId)!.mapping as { skipped: Record<string, number> };
    expect(mapping.skipped).toEqual({ "actor/reward_kl_penalty (printed again in one line)": 1 });
    const cols = store.curves.readColumns(r.runId, EXTERNAL_PROXY_SERIES)!;
    expect(Array.from(cols.proxyScore)).toEqual([0.004, 0]);
  });

  it("OpenRLHF metric log: train/ keys, per-token k1 converted with response_length", () => {
    const r = importRunLog(store, fixturePath("runs/openrlhf-ppo-metrics.jsonl"));
    expect(r).toMatchObject({ format: "openrlhf", curvePoints: 8 });
    const cols = store.curves.readColumns(r.runId, EXTERNAL_PROXY_SERIES)!;
    expect(cols.kl[2]).toBeCloseTo(0.0135 * 67, 10);
    expect(store.metrics.latest(r.runId, "train.value_loss")?.step).toBe(8);
    expect(store.runs.get(r.runId)!.config.external).toMatchObject({ tool: "openrlhf", trainer: "PPO" });
  });

  it("W&B chart export of a TRL PPO run: the tool is told by its keys, KL is already per sequence, empty cells are absent", () => {
    const r = importRunLog(store, fixturePath("runs/wandb-trl-ppo-export.csv"));
    expect(r).toMatchObject({ format: "wandb", curvePoints: 6 });
    expect(store.runs.get(r.runId)!.config).toMatchObject({
      external: { tool: "trl", trainer: "PPO/RLOO", format: "wandb" },
      wandbRun: "ppo-tldr-pythia-1b",
    });
    const cols = store.curves.readColumns(r.runId, EXTERNAL_PROXY_SERIES)!;
    expect(Array.from(cols.x)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(cols.kl[0]).toBe(0.35);
    expect(cols.proxyScore[0]).toBe(-0.7);
    expect(Array.from(store.metrics.series(r.runId, "train.approx_kl").steps)).toEqual([10, 20, 40, 50, 60]);
    expect(externalRun(store, r.runId)!.mapping).toMatchObject({ kl: { conversion: "none: logged per sequence" } });
  });

  it("a verl rollout dump imports as samples, alone or added to the run its metric log made", () => {
    const alone = importRunLog(store, fixturePath("runs/verl-rollouts.jsonl"));
    expect(alone).toMatchObject({ format: "verl-rollouts", samples: 48 });
    expect(externalSamples(store, alone.runId)).toHaveLength(48);
    store.close();
    store = openDatabase(":memory:");
    const metrics = importRunLog(store, fixturePath("runs/verl-ppo-metrics.jsonl"));
    const added = importRunLog(store, fixturePath("runs/verl-rollouts.jsonl"), { runId: metrics.runId });
    expect(added.runId).toBe(metrics.runId);
    const samples = externalSamples(store, metrics.runId);
    expect(samples.filter((s) => s.step === 3).map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(samples[0]).toMatchObject({
      step: 1,
      index: 0,
      prompt: "tell me the color of the grass",
      completion: "the grass is green .",
      score: 0,
      gold: null,
    });
    expect(externalRun(store, metrics.runId)).toMatchObject({ samples: 48, rescoredSamples: 0 });
    expect(store.metrics.series(metrics.runId, "train.rollout_score").steps.length).toBe(6);
  });
});

describe("importRunLog refuses malformed logs and repeats", () => {
  it("importing the same content twice adds nothing and names the first run", () => {
    const first = importRunLog(store, fixturePath("runs/verl-ppo-metrics.jsonl"));
    const before = snapshot(store);
    const copy = write("renamed.jsonl", readFileSync(fixturePath("runs/verl-ppo-metrics.jsonl"), "utf8"));
    const again = importRunLog(store, copy);
    expect(again).toEqual({ runId: first.runId, format: "verl", duplicate: true, metrics: 0, curvePoints: 0, samples: 0 });
    expect(snapshot(store)).toEqual(before);
  });

  const cases: [string, string, RegExp][] = [
    [
      "trainer_state.json",
      '{\n  "log_history": [\n    {\n      "loss": 0.5,\n      "step": 1\n    },\n    {\n      "loss": "oops",\n      "step": 2\n    }\n  ]\n}\n',
      /trainer_state\.json, line 7, field "loss": log_history entry 2: expected a number, got "oops"/,
    ],
    [
      "trainer_state.json",
      '{\n  "log_history": [\n    {"loss": 0.5, "step": 1},\n    {"loss": 0.4 "step": 2}\n  ]\n}\n',
      /trainer_state\.json, line 4: invalid JSON/,
    ],
    ["trainer_state.json", '{\n  "log_history": [\n    {"loss": 0.5}\n  ]\n}\n', /line 3, field "step": log_history entry 1 has no step/],
    [
      "m.jsonl",
      '{"step": 1, "data": {"actor/kl_loss": 0.1}}\n{"step": 2, "data": {"actor/kl_loss": 0.1}\n',
      /m\.jsonl, line 2: invalid JSON/,
    ],
    [
      "m.jsonl",
      '{"step": 1, "data": {"actor/kl_loss": 0.1}}\n\n{"step": -3, "data": {"actor/kl_loss": 0.1}}\n',
      /m\.jsonl, line 3, field "step": the step must be a whole number >= 0, got -3/,
    ],
    ["o.jsonl", '{"train/kl": 0.1, "train/global_step": 1}\n{"train/kl": 0.2}\n', /o\.jsonl, line 2, field "global_step": no step/],
    [
      "w.csv",
      '"Step","r - train/objective/kl"\n"1","0.1"\n"2","abc"\n',
      /w\.csv, line 3, field "objective\/kl": expected a number, got "abc"/,
    ],
    [
      "w.csv",
      '"Step","a - train/objective/kl","b - train/objective/kl"\n"1","0.1","0.2"\n',
      /w\.csv, line 1: the export holds 2 runs \(a, b\)/,
    ],
    [
      "r.jsonl",
      '{"input": "p", "output": "c", "score": 1, "step": 1}\n{"input": "p", "output": 7, "score": 1, "step": 1}\n',
      /r\.jsonl, line 2, field "output": expected the output text/,
    ],
    ["x.jsonl", '{"hello": 1}\n', /x\.jsonl, line 1: cannot tell which tool wrote this log/],
    [
      "console.log",
      "(main_task pid=7) step:1 - actor/kl_loss:0.1 - critic/score/mean:0.5\n(main_task pid=7) step:2 - actor/kl_loss 0.2\n",
      /console\.log, line 2: expected key:value between ' - ', got 'actor\/kl_loss 0\.2'/,
    ],
    [
      "console.log",
      "(main_task pid=7) epoch 0, step 1\n(main_task pid=7) done\n",
      /console\.log, line 1: cannot tell which tool wrote this log/,
    ],
  ];
  for (const [name, text, error] of cases) {
    it(`${name}: ${error.source.slice(0, 60)}`, () => {
      importRunLog(store, fixturePath("runs/openrlhf-ppo-metrics.jsonl"));
      const before = snapshot(store);
      const file = write(name, text);
      expect(() => importRunLog(store, file)).toThrow(RunLogError);
      expect(() => importRunLog(store, file)).toThrow(error);
      expect(snapshot(store)).toEqual(before);
    });
  }

  it("a rollout dump is only added to an imported run", () => {
    const lab = store.runs.create({ name: "lab run", seed: 1 });
    const before = snapshot(store);
    expect(() => importRunLog(store, fixturePath("runs/verl-rollouts.jsonl"), { runId: lab.id })).toThrow(/run \d+ is not an imported run/);
    expect(snapshot(store)).toEqual(before);
  });
});

describe("parsePythonJson", () => {
  it("reads Python's NaN and Infinity outside strings only", () => {
    expect(parsePythonJson('{"a": NaN, "b": -Infinity, "c": "NaN here", "d": [Infinity]}')).toEqual({
      a: Number.NaN,
      b: -Infinity,
      c: "NaN here",
      d: [Infinity],
    });
  });
});
