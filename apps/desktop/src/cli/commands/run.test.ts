// `goodhart run`, `runs list` and `curves` on a real SQLite file, with a real (tiny) study: the
// policy is pretrained, proxies are trained by the engine, and everything lands in the store.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@goodhart/storage";
import { captureIo } from "../testing/capture-io.ts";
import { main } from "../main.ts";
import { studyResultOf } from "./run.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-cli-run-"));
const db = path.join(dir, "lab.sqlite");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = `# a study small enough for a test
name: cli-test
task: {seed: 0, prompts: {train: 200, validation: 20, test: 20}}
basePolicy: {layers: 1, dModel: 16, heads: 2, pretrainSteps: 20}
proxySizes: [{name: tiny, layers: 1, dModel: 16, heads: 2}]
trainingSizes: [64]
labelNoise: [0.25]
ensemble: {size: 2, aggregations: [mean, wco, uwo]}
bon: {poolSize: 8, evalPrompts: 4}
seeds: [1]
`;

let runIo: ReturnType<typeof captureIo>;
let code: number;

beforeAll(async () => {
  const file = path.join(dir, "study.yaml");
  writeFileSync(file, CONFIG);
  runIo = captureIo();
  code = await main(["run", file, "--db", db], runIo);
}, 180_000);

describe("goodhart run", () => {
  it("runs the study, prints a summary per objective and says where the results are", () => {
    expect(runIo.stderr).not.toMatch(/Error/);
    expect(code).toBe(0);
    expect(runIo.stdout).toMatch(
      /^proxy +data +noise +objective +seeds +val acc +peak gold \(at d\) +fit d\* \[95% CI\] +gold@maxN +vs single @maxN \[95% CI\]$/m,
    );
    for (const objective of ["mean", "wco", "uwo-0.5", "single \\(avg member\\)"])
      expect(runIo.stdout).toMatch(new RegExp(`^tiny +64 +0.25 +${objective} `, "m"));
    expect(runIo.stdout).toContain(`in ${db}`);
    expect(runIo.stdout).toMatch(/Curves: goodhart curves 1 --format csv --db /);
    expect(runIo.stderr).toMatch(/\[ *\d+%\] \S+ .*elapsed \d+:\d\d {2}ETA/);
  });

  it("stores the run, curves with the analytic KL, fits, label sets and checkpoints", () => {
    const store = openDatabase(db);
    try {
      const [run] = store.runs.list();
      expect(run!.status).toBe("done");
      expect(
        store.curves
          .series(run!.id)
          .map((s) => s.name)
          .sort(),
      ).toEqual(["member:0", "member:1", "proxy:mean", "proxy:uwo-0.5", "proxy:wco"]);
      const points = store.curves.points(run!.id, "proxy:wco");
      expect(points.map((p) => p.x)).toEqual([1, 2, 4, 8]);
      expect(points[3]!.kl).toBeCloseTo(Math.log(8) - 7 / 8, 12);
      expect(points[3]!.proxyScores).toHaveLength(2);
      expect(store.curves.series(run!.id)[0]!.klEstimator).toBe("analytic-bon");
      // The training label set holds exactly the labels trained on: gold flipped where noise hit.
      const sets = store.labelSets.list(store.datasets.list()[0]!.id);
      expect(sets.map((s) => s.name.replace(/^run \d+: /, ""))).toEqual([`${run!.name}/labels/gold`, `${run!.name}/labels/train`]);
      const gold = store.labelSets.members(sets[0]!.id).filter((m) => m.preferred !== "tie");
      const train = store.labelSets.members(sets[1]!.id);
      expect(train).toHaveLength(gold.length);
      const flips = train.filter((m, i) => m.preferred !== gold[i]!.preferred).length;
      expect(flips).toBe(store.metrics.latest(run!.id, "labels.flipped")!.value);
      expect(flips).toBeGreaterThan(0);
      const checkpoints = store.models.list().map((m) => m.kind);
      expect(checkpoints.filter((k) => k === "reward")).toHaveLength(2);
      expect(checkpoints.filter((k) => k === "policy")).toHaveLength(1);
    } finally {
      store.close();
    }
  });

  it("refuses an invalid config naming the field, and adds no run", async () => {
    const bad = path.join(dir, "bad.yaml");
    writeFileSync(bad, "labelNoise: [0.7]\nproxySizes: [{name: x, layers: 0, dModel: 16, heads: 2}]\n");
    const io = captureIo();
    expect(await main(["run", bad, "--db", db], io)).toBe(2);
    expect(io.stderr).toMatch(/bad\.yaml/);
    expect(io.stderr).toMatch(/labelNoise\[0\]: expected a number in \[0, 0\.5\)/);
    expect(io.stderr).toMatch(/proxySizes\[0\]\.layers/);
    const store = openDatabase(db);
    expect(store.runs.list()).toHaveLength(1);
    store.close();
  });
});

describe("goodhart runs list and curves", () => {
  it("runs list shows the run as done with its series count", async () => {
    const io = captureIo();
    expect(await main(["runs", "list", "--db", db], io)).toBe(0);
    expect(io.stdout).toMatch(/^id +status +seed +device +time +series +created +name$/m);
    expect(io.stdout).toMatch(/^1 +done +0 +cpu +[\d.]+s +5 +.* cli-test\/tiny-c64-noise0\.25-seed1-[0-9a-f]{8}$/m);
    const json = captureIo();
    expect(await main(["runs", "list", "--db", db, "--json", "--status", "done"], json)).toBe(0);
    expect((JSON.parse(json.stdout) as { series: string[] }[])[0]!.series).toContain("proxy:uwo-0.5");
    // The run records the lab version that created it (the app's package.json).
    const { version } = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
    expect((JSON.parse(json.stdout) as { labVersion: string | null }[])[0]!.labVersion).toBe(version);
    const show = captureIo();
    expect(await main(["runs", "show", "1", "--db", db], show)).toBe(0);
    expect(show.stdout).toContain(` by Goodhart Lab ${version}`);
  });

  it("curves --format csv prints one row per point with d = sqrt(kl)", async () => {
    const io = captureIo();
    expect(await main(["curves", "1", "--format", "csv", "--db", db], io)).toBe(0);
    const lines = io.stdout.trim().split("\n");
    expect(lines[0]).toBe("run,series,x_kind,x,kl,d,kl_estimator,kl_prompts,proxy,gold,proxy_members");
    expect(lines).toHaveLength(1 + 5 * 4);
    const row = lines.find((l) => l.startsWith("1,proxy:mean,n,4,"))!.split(",");
    expect(Number(row[5])).toBeCloseTo(Math.sqrt(Number(row[4])), 12);
    expect(row[6]).toBe("analytic-bon");
    expect(row[7]).toBe("test:4x8");
    expect(row[10]!.split(";")).toHaveLength(2);
  });

  it("curves --format json holds the points and the fits, by run name too", async () => {
    const list = captureIo();
    await main(["runs", "list", "--db", db, "--json"], list);
    const name = (JSON.parse(list.stdout) as { name: string }[])[0]!.name;
    const io = captureIo();
    expect(await main(["curves", name, "--format", "json", "--series", "proxy:mean", "--db", db], io)).toBe(0);
    const parsed = JSON.parse(io.stdout) as { series: { name: string; points: { x: number; gold: number }[]; fits: { form: string }[] }[] };
    expect(parsed.series.map((s) => s.name)).toEqual(["proxy:mean"]);
    expect(parsed.series[0]!.points.map((p) => p.x)).toEqual([1, 2, 4, 8]);
    expect(parsed.series[0]!.points[0]!.gold).toBeCloseTo(0, 12);
    for (const f of parsed.series[0]!.fits) expect(f.form).toBe("bon: d(a - b d)");
  });

  it("names what is wrong: unknown run, series or format", async () => {
    let io = captureIo();
    expect(await main(["curves", "99", "--db", db], io)).toBe(2);
    expect(io.stderr).toMatch(/no run '99'/);
    io = captureIo();
    expect(await main(["curves", "1", "--series", "gold", "--db", db], io)).toBe(2);
    expect(io.stderr).toMatch(/has no series 'gold'; it has member:0, member:1/);
    io = captureIo();
    expect(await main(["curves", "1", "--format", "xml", "--db", db], io)).toBe(2);
    expect(io.stderr).toMatch(/--format must be csv or json/);
  });
});

describe("goodhart run --sweep", () => {
  it("multiplies the study by a grid, stored as one sweep holding every run", async () => {
    const file = path.join(dir, "study.yaml");
    const io = captureIo();
    expect(await main(["run", file, "--db", db, "--sweep", "bon.poolSize=[4, 8]"], io)).toBe(0);
    const store = openDatabase(db);
    try {
      const runs = store.runs.list().slice(1);
      expect(runs).toHaveLength(2);
      expect(runs.every((r) => r.sweepId !== null && r.sweepId === runs[0]!.sweepId && r.status === "done")).toBe(true);
      expect(store.curves.points(runs[0]!.id, "proxy:mean").map((p) => p.x)).toEqual([1, 2, 4]);
      expect(store.curves.points(runs[1]!.id, "proxy:mean").map((p) => p.x)).toEqual([1, 2, 4, 8]);
      expect(store.sweeps.get(runs[0]!.sweepId!)!.grid).toEqual({ "bon.poolSize": [4, 8] });
    } finally {
      store.close();
    }
  }, 120_000);

  it("refuses a bad grid before writing anything", async () => {
    const file = path.join(dir, "study.yaml");
    let io = captureIo();
    expect(await main(["run", file, "--db", db, "--sweep", "bon.poolSize=[0]"], io)).toBe(2);
    expect(io.stderr).toMatch(/bon\.poolSize: expected an integer .*sweep point/);
    io = captureIo();
    expect(await main(["run", file, "--db", db, "--sweep", "bon.poolSize"], io)).toBe(2);
    expect(io.stderr).toMatch(/--sweep expects field=\[values\]/);
    const store = openDatabase(db);
    expect(store.runs.list()).toHaveLength(3);
    expect(store.experiments.list()).toHaveLength(2);
    store.close();
  });
});

describe("goodhart run --kind", () => {
  it("runs any registered kind through the same service: the diagnostic counter with --set, its result stored", async () => {
    const other = path.join(dir, "counter.sqlite");
    const io = captureIo();
    expect(await main(["run", "--kind", "diagnostic.counter", "--set", "steps=5", "--set", "stepMs=1", "--db", other], io)).toBe(0);
    expect(io.stderr).toMatch(/Started 1 run \(1\) of experiment 1 in this process/);
    // The kind's summary table (its views' summary columns, as Compare shows them), one row per run.
    const lines = io.stdout.split("\n");
    const header = lines.findIndex((l) => /^Final state\s+Steps$/.test(l));
    expect(header).toBeGreaterThanOrEqual(0);
    expect(lines[header + 1]).toMatch(/^\S+\s+5$/);
    const store = openDatabase(other);
    try {
      const [run] = store.runs.list();
      expect(run).toMatchObject({ status: "done", config: { steps: 5, stepMs: 1 } });
      expect(run!.result).toMatchObject({ steps: 5, resumedFrom: null });
      expect(store.curves.points(run!.id, "diagnostic").map((p) => p.x)).toEqual([1, 2, 3, 4, 5]);
    } finally {
      store.close();
    }
    const none = captureIo();
    expect(await main(["run", "--db", other], none)).toBe(2);
    expect(none.stderr).toMatch(/give a config file, --preset NAME/);
  });
});

describe("a study's result from its runs' stored results", () => {
  it("joins the runs, skips runs without a result, and takes the study's timings from the most complete", () => {
    const part = (id: string, timings: Record<string, number>) => ({
      study: "s",
      basePolicy: { hash: "h", cached: true, path: "p" },
      baseGold: 0.1,
      timings,
      runs: [{ id }],
    });
    const result = studyResultOf([
      part("a", { pretrain: 1, sampling: 2 }),
      null,
      part("b", { pretrain: 1, sampling: 2, "rm-training": 5 }),
      { acc: 1 },
    ])!;
    expect(result.runs.map((r) => r.id)).toEqual(["a", "b"]);
    expect(result.timings).toEqual({ pretrain: 1, sampling: 2, "rm-training": 5 });
    expect(result.basePolicy.cached).toBe(true);
    expect(studyResultOf([null, { acc: 1 }])).toBeNull();
  });
});
