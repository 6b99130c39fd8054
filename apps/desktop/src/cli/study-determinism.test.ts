// Same config, seed and thread count -> bitwise-identical results (issue 11, "Determinism"): a small
// best-of-n study runs twice through `goodhart run`, each in a FRESH process with 2 ONNX Runtime
// threads and its own empty cache (so the base policy is pretrained twice too). Every stored curve
// point, fit and metric, and every safetensors file either process wrote, must be identical.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "@goodhart/storage";

const root = mkdtempSync(path.join(os.tmpdir(), "goodhart-determinism-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cliBin = fileURLToPath(new URL("../../bin/goodhart.mjs", import.meta.url));

const STUDY = `name: determinism
task: {seed: 0, prompts: {train: 200, validation: 20, test: 20}}
basePolicy: {layers: 1, dModel: 16, heads: 2, pretrainSteps: 20}
proxySizes: [{name: tiny, layers: 1, dModel: 16, heads: 2}]
trainingSizes: [96]
labelNoise: [0.25]
ensemble: {size: 2, aggregations: [mean, wco, uwo]}
bon: {poolSize: 8, evalPrompts: 6}
seeds: [1]
`;
const studyFile = path.join(root, "study.yaml");
writeFileSync(studyFile, STUDY);
// Long enough reward-model training (two grid points) for a kill to land inside it.
const LONGER_STUDY = STUDY.replace("trainingSizes: [96]", "trainingSizes: [1536]").replace("labelNoise: [0.25]", "labelNoise: [0, 0.25]");
const longerStudyFile = path.join(root, "longer-study.yaml");
writeFileSync(longerStudyFile, LONGER_STUDY);

/** `goodhart <args>` against the lab in `dir` (its own database and cache), with 2 threads. */
function cliArgs(dir: string, args: string[]): string[] {
  return [cliBin, ...args, "--db", path.join(dir, "lab.sqlite"), "--cache", path.join(dir, "cache"), "--threads", "2"];
}

/** Runs `goodhart <args>` in a new process and waits for it; throws with its stderr when it fails. */
function cliInFreshProcess(dir: string, args: string[]): void {
  const result = spawnSync(process.execPath, cliArgs(dir, args), { encoding: "utf8", timeout: 240_000 });
  if (result.status !== 0) throw new Error(`goodhart ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
}

/** Runs the study in a new process on its own database and cache; returns the lab's folder. */
function runInFreshProcess(name: string, file = studyFile): string {
  const dir = path.join(root, name);
  cliInFreshProcess(dir, ["run", file]);
  return dir;
}

/** Starts the study in a new process and kills it (SIGKILL) while it trains its first reward models. */
async function runKilledMidway(name: string): Promise<string> {
  const dir = path.join(root, name);
  const proc = spawn(process.execPath, cliArgs(dir, ["run", longerStudyFile]), { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  await new Promise<void>((resolve, reject) => {
    proc.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      // Progress lines are throttled: the first that shows reward-model training is the cue.
      if (/rm-training +\d+\/\d+ +run \d/.test(stderr)) {
        proc.kill("SIGKILL");
        resolve();
      }
    });
    proc.on("exit", (code) => reject(new Error(`the study ended (exit ${code}) before it could be killed: ${stderr}`)));
  });
  await new Promise((resolve) => proc.on("close", resolve));
  return dir;
}

/** Everything the study stored, less the times fits were written at. */
function storedResults(dir: string): unknown {
  const store = openDatabase(path.join(dir, "lab.sqlite"));
  try {
    return store.runs.list().map((run) => ({
      name: run.name,
      status: run.status,
      seed: run.seed,
      series: store.curves.series(run.id).map((s) => ({ ...s, points: store.curves.points(run.id, s.name) })),
      fits: store.fits.forRun(run.id).map(({ createdAt: _stored, ...fit }) => fit),
      metrics: store.metrics.names(run.id).map((name) => ({ name, points: store.metrics.series(run.id, name) })),
    }));
  } finally {
    store.close();
  }
}

/** The runs of the lab in `dir` that are not done (the one killed mid-way is `running` until a service opens). */
function unfinishedRuns(dir: string): number[] {
  const store = openDatabase(path.join(dir, "lab.sqlite"));
  try {
    return store.runs
      .list()
      .filter((r) => r.status !== "done")
      .map((r) => r.id);
  } finally {
    store.close();
  }
}

/** sha256 of every safetensors file under `dir`, by path relative to it. */
function checkpointHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of readdirSync(d)) {
      const full = path.join(d, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith(".safetensors"))
        out[path.relative(dir, full)] = createHash("sha256").update(readFileSync(full)).digest("hex");
    }
  };
  walk(dir);
  return out;
}

describe("a study run twice in fresh processes with 2 threads", () => {
  it("stores identical curves, fits and metrics, and writes identical checkpoint bytes", () => {
    const first = runInFreshProcess("first");
    const second = runInFreshProcess("second");
    const a = storedResults(first);
    expect(JSON.stringify(a).length).toBeGreaterThan(1000);
    expect(storedResults(second)).toEqual(a);
    const hashes = checkpointHashes(first);
    // The base policy and the proxies' members at least.
    expect(Object.keys(hashes).length).toBeGreaterThanOrEqual(3);
    expect(checkpointHashes(second)).toEqual(hashes);
  }, 600_000);

  it("a study killed mid-run and resumed in another process stores what an uninterrupted one stores", async () => {
    const uninterrupted = runInFreshProcess("uninterrupted", longerStudyFile);
    const killed = await runKilledMidway("killed");
    const unfinished = unfinishedRuns(killed);
    expect(unfinished.length).toBeGreaterThan(0);
    for (const id of unfinished) cliInFreshProcess(killed, ["runs", "resume", String(id)]);
    expect(storedResults(killed)).toEqual(storedResults(uninterrupted));
  }, 600_000);
});
