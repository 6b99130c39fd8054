// Every front door on one pipeline, with real processes: a CLI study (a child process running
// bin/goodhart.mjs) and browser mode (a child running the launcher) on one SQLite file, real
// workers and ONNX Runtime. Checks the runner lock (a service opening during a CLI study touches
// nothing), kill -9 from each door with a resume from the other, and clean Ctrl-C / SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { openDatabase } from "@goodhart/storage";
import { fixturePath } from "../../../../fixtures/index.ts";
import { createHttpLabClient } from "../shared/http-client.ts";
import { createLabService } from "../service/lab-service.ts";
import { waitForStatus } from "../service/testing/wait-for.ts";
import { captureIo } from "./testing/capture-io.ts";
import { main } from "./main.ts";

const root = mkdtempSync(path.join(os.tmpdir(), "goodhart-doors-"));
// One cache for every process: the base policy is pretrained once.
const cache = path.join(root, "cache");
const env = { ...process.env, GOODHART_CACHE: cache };
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cliBin = fileURLToPath(new URL("../../bin/goodhart.mjs", import.meta.url));
const browserLab = fileURLToPath(new URL("./testing/browser-lab.ts", import.meta.url));

// Two grid points (label noise 0 and 0.25) with enough reward-model training to interrupt: the
// CLI prints progress at most every 2 s, and a run must still be training when it does.
const STUDY = `name: doors
task: {seed: 0, prompts: {train: 400, validation: 20, test: 20}}
basePolicy: {layers: 1, dModel: 16, heads: 2, pretrainSteps: 20}
proxySizes: [{name: tiny, layers: 1, dModel: 16, heads: 2}]
trainingSizes: [1536]
labelNoise: [0, 0.25]
ensemble: {size: 3, aggregations: [mean, wco]}
bon: {poolSize: 8, evalPrompts: 4}
seeds: [1]
`;
const studyFile = path.join(root, "study.yaml");
writeFileSync(studyFile, STUDY);

let dbCount = 0;
function freshDb(): { db: string; dataDir: string } {
  const dir = path.join(root, `lab-${++dbCount}`);
  return { db: path.join(dir, "lab.sqlite"), dataDir: path.join(dir, "data") };
}

interface Child {
  proc: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stdout+stderr match `pattern`; rejects if the child exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

function child(args: string[]): Child {
  const proc = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    out: () => out,
    err: () => err,
    exited,
    waitFor: (pattern, timeoutMs = 120_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}\nstdout: ${out}\nstderr: ${err}`)), timeoutMs);
        const check = () => {
          if (pattern.test(out + err)) {
            clearTimeout(timer);
            resolve();
          }
        };
        proc.stdout!.on("data", check);
        proc.stderr!.on("data", check);
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          if (pattern.test(out + err)) resolve();
          else reject(new Error(`child exited (${code ?? signal}) before ${pattern}\nstdout: ${out}\nstderr: ${err}`));
        });
        check();
      }),
  };
}

const cliStudy = (db: string) => child([cliBin, "run", studyFile, "--db", db]);
const browserMode = (db: string) => child(["--import", "tsx", browserLab, db]);

function runsOf(db: string) {
  const store = openDatabase(db);
  try {
    return store.runs.list().map((r) => ({
      id: r.id,
      status: r.status,
      error: r.error,
      series: store.curves.series(r.id).length,
      labelSets: store.datasets.list().filter((d) => d.name.startsWith(`run ${r.id}: `)).length,
      result: r.result !== null,
    }));
  } finally {
    store.close();
  }
}

/** The lab's endpoint as browser mode publishes it beside the runner lock. */
function endpointOf(dataDir: string): { url: string; token: string; pid: number } {
  return JSON.parse(readFileSync(path.join(dataDir, "lab.json"), "utf8")) as { url: string; token: string; pid: number };
}

describe("one pipeline, every door", () => {
  it("a CLI study while a LabService starts on the same database: nothing interrupted or lost", async () => {
    const { db, dataDir } = freshDb();
    const cli = cliStudy(db);
    await cli.waitFor(/Started 2 runs/);
    const store = openDatabase(db);
    const service = createLabService({ store, dataDir });
    try {
      // The app opens, reads the CLI's runs, and leaves them alone.
      expect(service.interruptedAtStart).toEqual([]);
      expect(service.runnerConflict()).toMatch(
        new RegExp(`goodhart run \\(command line\\) \\(pid ${cli.proc.pid} on .*\\) is running experiments`),
      );
      expect((await service.runs.list()).map((r) => r.status).every((s) => s === "queued" || s === "running")).toBe(true);
      // Another command that would execute or cancel runs is refused, naming the CLI's process and what to do.
      const refused = captureIo();
      expect(await main(["runs", "cancel", "1", "--db", db], refused)).toBe(2);
      expect(refused.stderr).toMatch(
        new RegExp(
          `goodhart run \\(command line\\) \\(pid ${cli.proc.pid} on .*\\) is running experiments on .*Ctrl-C in its terminal, or kill ${cli.proc.pid}`,
        ),
      );
      const e = await service.experiments.create({ name: "while the CLI runs", kind: "diagnostic.counter", config: { steps: 3 } });
      await expect(service.runs.start({ experimentId: e.id })).rejects.toThrow(/cannot start, resume or cancel runs now: goodhart run/);
      expect((await cli.exited).code).toBe(0);
      expect(cli.err()).not.toMatch(/terminate called|Napi/);
      expect(runsOf(db)).toEqual([
        { id: 1, status: "done", error: null, series: 5, labelSets: 1, result: true },
        { id: 2, status: "done", error: null, series: 5, labelSets: 1, result: true },
      ]);
      // The CLI is gone: the app takes the lock on its next start and runs what it is given.
      const run = await service.runs.start({ experimentId: e.id });
      expect(await waitForStatus(service, run.id, ["done", "failed"])).toBe("done");
    } finally {
      await service.close();
      store.close();
    }
  }, 300_000);

  it("kill -9 of the CLI mid-run; the app's service resumes the study", async () => {
    const { db, dataDir } = freshDb();
    const cli = cliStudy(db);
    await cli.waitFor(/rm-training +\d+\/\d+ +run 1/);
    cli.proc.kill("SIGKILL");
    await cli.exited;
    const store = openDatabase(db);
    const service = createLabService({ store, dataDir });
    try {
      expect(store.integrityCheck()).toBe("ok");
      // The grid point being trained is interrupted; the one not reached yet is queued again by the new owner.
      expect(service.interruptedAtStart).toEqual([1]);
      expect((await service.runs.get({ id: 1 })).status).toBe("interrupted");
      await service.runs.resume({ id: 1 });
      for (const id of [1, 2]) expect(await waitForStatus(service, id, ["done", "failed", "cancelled"], 240_000)).toBe("done");
    } finally {
      await service.close();
      store.close();
    }
    // The restarted grid point's cut-off attempt left nothing behind: one label set, fresh curves.
    expect(runsOf(db)).toEqual([
      { id: 1, status: "done", error: null, series: 5, labelSets: 1, result: true },
      { id: 2, status: "done", error: null, series: 5, labelSets: 1, result: true },
    ]);
    expect(existsSync(path.join(dataDir, "runner.lock"))).toBe(false);
  }, 300_000);

  it("kill -9 of browser mode mid-run; the CLI resumes its runs (and submits to a running lab)", async () => {
    const { db, dataDir } = freshDb();
    const lab = browserMode(db);
    await lab.waitFor(/\?token=/);
    const endpoint = endpointOf(dataDir);
    expect(endpoint.pid).toBe(lab.proc.pid);
    // The CLI finds the running lab through lab.json and submits there (its runs execute in the lab).
    const submitted = captureIo();
    const cliDone = main(["run", studyFile, "--db", db], submitted);
    const client = createHttpLabClient({ baseUrl: endpoint.url, token: endpoint.token });
    try {
      for (;;) {
        const runs = await client.api.runs.list();
        if (runs.some((r) => r.status === "running" && (r.progress?.step ?? 0) > 0)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      client.close();
    }
    // A dataset import goes to the running lab too (uploaded, then imported by its service).
    const imported = captureIo();
    expect(await main(["import", fixturePath("preference/stack_exchange_paired_tiny.json"), "--db", db], imported)).toBe(0);
    expect(imported.stdout).toMatch(/as dataset \d+ "stack_exchange_paired_tiny.json" in the running lab Goodhart Lab in browser mode/);
    lab.proc.kill("SIGKILL");
    await lab.exited;
    expect(await cliDone).toBe(1);
    expect(submitted.stderr).toMatch(/goodhart run: lost the running lab .* while following runs 1, 2/);
    expect(submitted.stderr).toMatch(/in the running lab Goodhart Lab in browser mode \(pid \d+/);
    // The dead lab's lock and endpoint are ignored; the CLI takes over and resumes both runs.
    for (const id of [1, 2]) {
      const io = captureIo();
      expect(await main(["runs", "resume", String(id), "--db", db], io)).toBe(0);
      expect(io.stdout).toMatch(new RegExp(`run ${id} done`));
      expect(io.stderr).toMatch(/in this process/);
    }
    expect(runsOf(db).map((r) => [r.status, r.labelSets, r.result])).toEqual([
      ["done", 1, true],
      ["done", 1, true],
    ]);
    const show = captureIo();
    expect(await main(["runs", "show", "1", "--db", db], show)).toBe(0);
    expect(show.stdout).toMatch(/status +done/);
    expect(show.stdout).toMatch(/rm\.val_accuracy\.mean/);
    expect(existsSync(path.join(dataDir, "runner.lock"))).toBe(false);
  }, 300_000);

  it("Ctrl-C stops a CLI study cleanly, five times in fresh processes: exit 130, runs cancelled, lock released", async () => {
    const { db, dataDir } = freshDb();
    for (let attempt = 0; attempt < 5; attempt++) {
      const cli = cliStudy(db);
      // Interrupt at a different point each time: sampling, or while reward models train.
      await cli.waitFor(attempt % 2 === 0 ? /Started 2 runs/ : /rm-training/);
      if (attempt % 2 === 0) await new Promise((r) => setTimeout(r, 300 * attempt));
      cli.proc.kill("SIGINT");
      const { code, signal } = await cli.exited;
      expect({ attempt, code, signal }).toEqual({ attempt, code: 130, signal: null });
      expect(cli.err()).not.toMatch(/terminate called|Napi::Error|Aborted/);
      expect(existsSync(path.join(dataDir, "runner.lock"))).toBe(false);
      const mine = runsOf(db).slice(2 * attempt);
      expect(mine.map((r) => r.status)).toEqual(["cancelled", "cancelled"]);
    }
  }, 600_000);

  it("Ctrl-C and SIGTERM stop browser mode cleanly: exit 130 / 143, its runs cancelled, lock and lab.json removed", async () => {
    for (const how of ["SIGINT", "SIGTERM", "goodhart runs cancel, then SIGINT"] as const) {
      const sig = how === "SIGTERM" ? "SIGTERM" : "SIGINT";
      const { db, dataDir } = freshDb();
      const lab = browserMode(db);
      await lab.waitFor(/\?token=/);
      const endpoint = endpointOf(dataDir);
      const client = createHttpLabClient({ baseUrl: endpoint.url, token: endpoint.token });
      try {
        const e = await client.api.experiments.create({
          name: "signal",
          kind: "bon-study",
          config: { study: parseYaml(STUDY) as Record<string, unknown> },
        });
        await client.api.runs.start({ experimentId: e.id });
        for (;;) {
          const runs = await client.api.runs.list();
          if (runs.some((r) => r.status === "running" && (r.progress?.step ?? 0) > 0)) break;
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        client.close();
      }
      if (how !== sig) {
        // Cancelling one grid point through the running lab stops its study: both runs end cancelled.
        const io = captureIo();
        expect(await main(["runs", "cancel", "2", "--db", db], io)).toBe(0);
        expect(io.stdout).toMatch(/run 2 is cancelled \(in the running lab Goodhart Lab in browser mode/);
        const client2 = createHttpLabClient({ baseUrl: endpoint.url, token: endpoint.token });
        expect((await client2.api.runs.list()).map((r) => r.status)).toEqual(["cancelled", "cancelled"]);
        client2.close();
      }
      lab.proc.kill(sig);
      const { code } = await lab.exited;
      expect({ how, code }).toEqual({ how, code: sig === "SIGINT" ? 130 : 143 });
      expect(lab.err()).not.toMatch(/terminate called|Napi::Error|Aborted/);
      expect(runsOf(db).map((r) => r.status)).toEqual(["cancelled", "cancelled"]);
      expect(existsSync(path.join(dataDir, "runner.lock"))).toBe(false);
      expect(existsSync(path.join(dataDir, "lab.json"))).toBe(false);
    }
  }, 300_000);
});
