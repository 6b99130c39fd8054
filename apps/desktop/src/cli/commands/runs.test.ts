import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "@goodhart/storage";
import { captureIo } from "../testing/capture-io.ts";
import { main } from "../main.ts";
import { fixturePath } from "../../../../../fixtures/index.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-cli-runs-"));
const db = path.join(dir, "lab.sqlite");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function counts(): { runs: number; metrics: number; files: number } {
  const store = openDatabase(db);
  try {
    return {
      runs: store.runs.list().length,
      metrics: store.runs.list().reduce((n, r) => n + store.metrics.names(r.id).length, 0),
      files: store.runs.list().reduce((n, r) => n + (r.config.external ? 1 : 0), 0),
    };
  } finally {
    store.close();
  }
}

describe("goodhart runs import / rescore", () => {
  it("imports a real TRL trainer_state.json, lists it marked external, shows its KL reading; a second import adds nothing", async () => {
    const io = captureIo();
    expect(await main(["runs", "import", fixturePath("runs/trl-kto-trainer_state.json"), "--db", db], io)).toBe(0);
    expect(io.stdout).toMatch(
      /Imported .*trl-kto-trainer_state\.json \(trl\) as run 1 "trl KTO: trl-kto-trainer_state\.json": [\d,]+ metric points, 0 curve points/,
    );
    expect(io.stdout).toMatch(/no KL-vs-score curve/);
    const list = captureIo();
    expect(await main(["runs", "list", "--db", db], list)).toBe(0);
    expect(list.stdout).toMatch(/^1 +done .*\[external trl\] trl KTO: trl-kto-trainer_state\.json$/m);
    const json = captureIo();
    expect(await main(["runs", "list", "--db", db, "--json"], json)).toBe(0);
    expect(JSON.parse(json.stdout)[0]).toMatchObject({ id: 1, status: "done", external: { tool: "trl", trainer: "KTO", format: "trl" } });
    const show = captureIo();
    expect(await main(["runs", "show", "1", "--db", db], show)).toBe(0);
    expect(show.stdout).toMatch(/external +trl KTO: trl-kto-trainer_state\.json \(trl, imported /);
    expect(show.stdout).toMatch(
      /KL +kl: k1-clipped, per-sequence-sum, clamp >= 0 \(batch value\); conversion: not a KL of the policy's own samples/,
    );
    const before = counts();
    const again = captureIo();
    expect(await main(["runs", "import", fixturePath("runs/trl-kto-trainer_state.json"), "--db", db], again)).toBe(0);
    expect(again.stdout).toMatch(/imported before into run 1 .*nothing was added/);
    expect(counts()).toEqual(before);
  });

  it("imports verl metrics and its rollout dump, then rescoring with gold adds the gold curve", async () => {
    const io = captureIo();
    expect(await main(["runs", "import", fixturePath("runs/verl-ppo-metrics.jsonl"), "--db", db, "--name", "verl ppo", "--json"], io)).toBe(
      0,
    );
    const imported = JSON.parse(io.stdout) as { run: { id: number; name: string }; format: string; curvePoints: number };
    expect(imported).toMatchObject({ run: { name: "verl ppo" }, format: "verl", curvePoints: 6 });
    const dump = captureIo();
    expect(
      await main(["runs", "import", fixturePath("runs/verl-rollouts.jsonl"), "--run", String(imported.run.id), "--db", db], dump),
    ).toBe(0);
    expect(dump.stdout).toMatch(/48 rollout samples/);
    expect(dump.stdout).toMatch(new RegExp(`goodhart runs rescore ${imported.run.id} --with gold`));
    const rescore = captureIo();
    expect(await main(["runs", "rescore", String(imported.run.id), "--with", "gold", "--db", db], rescore)).toBe(0);
    expect(rescore.stdout).toMatch(/Rescored run \d+ with gold: 48 samples over 6 steps; 6 points on curve rescore:gold/);
    const curves = captureIo();
    expect(await main(["curves", String(imported.run.id), "--format", "json", "--db", db], curves)).toBe(0);
    const out = JSON.parse(curves.stdout) as {
      series: { name: string; klEstimator: string; points: { gold: number | null; proxy: number | null }[] }[];
    };
    const gold = out.series.find((s) => s.name === "rescore:gold")!;
    expect(gold.klEstimator).toBe("k1");
    expect(gold.points).toHaveLength(6);
    expect(gold.points[0]!.gold).toBe(0);
    expect(gold.points[5]!.gold).toBeLessThan(0);
    expect(gold.points[5]!.proxy).toBeGreaterThan(gold.points[0]!.proxy!);
  });

  it("refuses a malformed log naming its line and stores nothing; refuses an unknown format and scorer", async () => {
    const bad = path.join(dir, "trainer_state.json");
    writeFileSync(bad, '{\n  "log_history": [\n    {"loss": 0.5, "step": 1},\n    {"loss": "diverged", "step": 2}\n  ]\n}\n');
    const before = counts();
    const io = captureIo();
    expect(await main(["runs", "import", bad, "--db", db], io)).toBe(2);
    expect(io.stderr).toMatch(/trainer_state\.json, line 4, field "loss": log_history entry 2: expected a number, got "diverged"/);
    expect(counts()).toEqual(before);
    const format = captureIo();
    expect(await main(["runs", "import", bad, "--format", "mlflow", "--db", db], format)).toBe(2);
    expect(format.stderr).toMatch(/--format must be one of trl, openrlhf, verl, wandb, verl-rollouts/);
    const scorer = captureIo();
    expect(await main(["runs", "rescore", "2", "--with", "rm-7", "--db", db], scorer)).toBe(2);
    expect(scorer.stderr).toMatch(/No scorer 'rm-7'/);
    const model = captureIo();
    expect(await main(["runs", "rescore", "2", "--with", "model:99", "--db", db], model)).toBe(2);
    expect(model.stderr).toMatch(/Model 99 does not exist/);
  });
});
