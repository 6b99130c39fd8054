// `goodhart import` of a multi-annotator file, then `goodhart run` with agreement-based gold
// (task.dataset.goldPanel) on a real SQLite file: PandaLM's three human annotators, annotator 3
// held out, at test size. The summary line of each proxy prints its agreement with the held-out
// annotator beside gold's and the human ceiling, with 95% intervals.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "@goodhart/storage";
import { fixturePath } from "../../../../../fixtures/index.ts";
import { captureIo } from "../testing/capture-io.ts";
import { main } from "../main.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-cli-agreement-"));
const db = path.join(dir, "lab.sqlite");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TEST_SIZE = [
  "task.dataset.maxPromptTokens=48",
  "task.dataset.maxResponseTokens=48",
  'task.dataset.gold={"name": "gold-1x24", "layers": 1, "dModel": 24, "heads": 2}',
  'basePolicy={"preset": "sft-byte", "layers": 1, "dModel": 16, "heads": 2, "pretrainSteps": 10}',
  'proxySizes=[{"name": "1x16", "layers": 1, "dModel": 16, "heads": 2}]',
  "trainingSizes=[200]",
  "labelNoise=[0]",
  'bon={"poolSize": 4, "ns": [1, 2, 4], "evalPrompts": 4}',
].flatMap((s) => ["--set", s]);

const ci = String.raw`[01]\.\d{3} \[[01]\.\d{3}, [01]\.\d{3}\]`;

describe("goodhart run with a held-out annotator panel", () => {
  it("prints each proxy's, gold's and the human ceiling's agreement with the held-out annotator", async () => {
    expect(await main(["import", fixturePath("preference/pandalm_testset-v1.json.gz"), "--db", db], captureIo())).toBe(0);
    const store = openDatabase(db);
    const datasetId = store.datasets.list()[0]!.id;
    store.close();
    const panel = 'task.dataset.goldPanel={"annotators": ["annotator3"]}';
    const run = captureIo();
    const code = await main(
      ["run", "--preset", "hh-rlhf-bon", "--set", `task.dataset.datasetId=${datasetId}`, "--set", panel, ...TEST_SIZE, "--db", db],
      run,
    );
    expect(run.stderr).not.toMatch(/Error/);
    expect(code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        `^ {2}1x16 on 200 comparisons, noise 0, seed 0: .*; agreement with the held-out annotators \\(annotator3\\) on \\d+ pairs: proxy ${ci}, gold RM ${ci}, human ceiling ${ci}$`,
        "m",
      ),
    );
    // A panel naming an annotator the dataset lacks is refused before anything is stored, naming the ones it has.
    const bad = captureIo();
    const badPanel = 'task.dataset.goldPanel={"annotators": ["annotator9"]}';
    const badCode = await main(
      ["run", "--preset", "hh-rlhf-bon", "--set", `task.dataset.datasetId=${datasetId}`, "--set", badPanel, ...TEST_SIZE, "--db", db],
      bad,
    );
    expect(badCode).not.toBe(0);
    expect(bad.stderr).toMatch(
      /task\.dataset\.goldPanel: dataset \d+: goldPanel\.annotators names 'annotator9', which labelled none of its pairs; its annotators are annotator1, annotator2, annotator3/,
    );
    const after = openDatabase(db);
    expect(after.experiments.list()).toHaveLength(1);
    after.close();
  }, 120_000);
});
