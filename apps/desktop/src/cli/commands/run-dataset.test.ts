// `goodhart import` then `goodhart run --preset hh-rlhf-bon --set task.dataset.datasetId=<id>` on
// a real SQLite file: the HH-RLHF harmless fixture, the dataset task at test size (one proxy on 200
// comparisons, N = 8 on 8 prompts) run by the lab's worker; the stored run names the dataset.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "@goodhart/storage";
import { fixturePath } from "../../../../../fixtures/index.ts";
import { captureIo } from "../testing/capture-io.ts";
import { main } from "../main.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-cli-dataset-"));
const db = path.join(dir, "lab.sqlite");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The preset shrunk to test size (the preset's own numbers are for a ten-minute run). */
const TEST_SIZE = [
  "task.dataset.maxPromptTokens=64",
  "task.dataset.maxResponseTokens=32",
  'task.dataset.gold={"name": "gold-1x48", "layers": 1, "dModel": 48, "heads": 2}',
  'basePolicy={"preset": "sft-byte", "layers": 1, "dModel": 32, "heads": 2, "pretrainSteps": 40}',
  'proxySizes=[{"name": "1x32", "layers": 1, "dModel": 32, "heads": 2}]',
  "trainingSizes=[200]",
  "labelNoise=[0]",
  'bon={"poolSize": 8, "ns": [1, 2, 4, 8], "evalPrompts": 8}',
].flatMap((s) => ["--set", s]);

describe("goodhart run --preset hh-rlhf-bon on an imported dataset", () => {
  it("asks for the dataset id, refuses an unknown one, and runs the dataset task on an imported one", async () => {
    const imported = captureIo();
    expect(await main(["import", fixturePath("preference/hh-rlhf_harmless-base_test.jsonl.gz"), "--db", db], imported)).toBe(0);
    const store = openDatabase(db);
    const datasetId = store.datasets.list()[0]!.id;
    store.close();

    // The preset alone: the resolver asks for the field it cannot fill, and nothing is stored.
    const missing = captureIo();
    expect(await main(["run", "--preset", "hh-rlhf-bon", "--db", db], missing)).toBe(2);
    expect(missing.stderr).toMatch(
      /task\.dataset\.datasetId: preset "hh-rlhf-bon" needs the id of an imported pairwise dataset \(goodhart datasets list\)/,
    );
    // An id the lab does not have is refused naming the field and the id.
    const unknown = captureIo();
    expect(
      await main(["run", "--preset", "hh-rlhf-bon", "--set", "task.dataset.datasetId=999", ...TEST_SIZE, "--db", db], unknown),
    ).not.toBe(0);
    expect(unknown.stderr).toMatch(/task\.dataset\.datasetId: no dataset 999/);

    const run = captureIo();
    const code = await main(
      ["run", "--preset", "hh-rlhf-bon", "--set", `task.dataset.datasetId=${datasetId}`, ...TEST_SIZE, "--db", db],
      run,
    );
    expect(run.stderr).not.toMatch(/Error/);
    expect(code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Dataset ${datasetId}: gold RM accuracy on the held-out labels 0\\.\\d{3}`, "m"));
    expect(run.stdout).toMatch(
      /^ {2}1x32 on 200 comparisons, noise 0, seed 0: held-out accuracy 0\.\d{3}, agrees with gold on [01]\.\d{3}; at n = 8 proxy -?\d+\.\d{3}, gold -?\d+\.\d{3}$/m,
    );
    const after = openDatabase(db);
    try {
      expect(after.experiments.list()).toHaveLength(1);
      const [stored] = after.runs.list();
      expect(stored!.status).toBe("done");
      expect((stored!.config as { study: { task: unknown } }).study.task).toMatchObject({ kind: "dataset", dataset: { datasetId } });
      expect((after.runs.get(stored!.id)!.result as { datasetId?: number } | null)?.datasetId).toBe(datasetId);
      expect(after.curves.points(stored!.id, "proxy:mean").map((p) => p.x)).toEqual([1, 2, 4, 8]);
    } finally {
      after.close();
    }
  }, 170_000);
});
