import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@goodhart/storage";
import { describe, expect, it } from "vitest";
import { LabConflictError } from "../shared/errors.ts";
import { createLabService } from "./lab-service.ts";
import { RunnerLock, lockHolder, readLabEndpoint } from "./runner-lock.ts";

describe("runner lock", () => {
  it("lets one service execute runs per database, and frees the lock on close", async () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-lock-"));
    const store = openDatabase(join(dir, "lab.sqlite"));
    const first = createLabService({ store, dataDir: dir, holder: "goodhart run" });
    expect(() => RunnerLock.acquire(dir, "lab.sqlite")).toThrow(LabConflictError);
    // A second service on the same lab starts (it can read everything) but executes nothing: it
    // never touches the first one's runs, and refuses to start one, naming the process to wait for.
    const observer = createLabService({ store, dataDir: dir });
    expect(observer.runnerConflict()).toMatch(new RegExp(`goodhart run \\(pid ${process.pid} on .*\\) is running experiments`));
    const e0 = await observer.experiments.create({ name: "o", kind: "diagnostic.counter", config: {} });
    await expect(observer.runs.start({ experimentId: e0.id })).rejects.toThrow(
      new RegExp(`cannot start, resume or cancel runs now: goodhart run \\(pid ${process.pid}.*delete .*runner\\.lock`),
    );
    await observer.close();
    expect(existsSync(join(dir, "runner.lock"))).toBe(true); // the observer never held it, so never removed it
    // A reader does not need the lock, and may not start runs.
    const reader = createLabService({ store, dataDir: dir, recoverInterrupted: false });
    const e = await reader.experiments.create({ name: "r", kind: "diagnostic.counter", config: {} });
    await expect(reader.runs.start({ experimentId: e.id })).rejects.toThrow(/without executing runs/);
    await reader.close();
    await first.close();
    const second = createLabService({ store, dataDir: dir });
    await second.close();
    store.close();
  });

  it("takes over the lock of a process that is gone", () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-lock-"));
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    const deadPid = Number(dead.stdout);
    writeFileSync(join(dir, "runner.lock"), JSON.stringify({ pid: deadPid, host: hostname(), startedAt: "2026-01-01T00:00:00Z" }));
    const lock = RunnerLock.acquire(dir, "test.sqlite");
    lock.release();
    writeFileSync(join(dir, "runner.lock"), "{torn");
    RunnerLock.acquire(dir, "test.sqlite").release();
  });

  it("publishes the holder's endpoint in lab.json, readable only by the user, and removes it with the lock", () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-lock-"));
    const lock = RunnerLock.acquire(dir, "lab.sqlite", "browser mode");
    lock.publishEndpoint({ url: "http://127.0.0.1:4000", token: "t".repeat(43), dbFile: "/x/lab.sqlite" });
    const file = join(dir, "lab.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({
      pid: process.pid,
      url: "http://127.0.0.1:4000",
      holder: "browser mode",
      dbFile: "/x/lab.sqlite",
    });
    // This process is the holder: to itself there is no *other* lab to submit to.
    expect(lockHolder(dir)).toBeNull();
    expect(readLabEndpoint(dir)).toBeNull();
    lock.release();
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(dir, "runner.lock"))).toBe(false);
  });

  it("ignores a lab.json left by a dead holder", () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-lock-"));
    const dead = Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
    const info = { pid: dead, host: hostname(), startedAt: "2026-01-01T00:00:00Z" };
    writeFileSync(join(dir, "runner.lock"), JSON.stringify(info));
    writeFileSync(join(dir, "lab.json"), JSON.stringify({ ...info, url: "http://127.0.0.1:1", token: "x", dbFile: "y" }));
    expect(lockHolder(dir)).toBeNull();
    expect(readLabEndpoint(dir)).toBeNull();
  });

  it("refuses to resume a run stored by an older version (not one runnable grid point) without touching it, and still starts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-lock-"));
    const store = openDatabase(join(dir, "lab.sqlite"));
    const e = store.experiments.create({ name: "old", kind: "bon-study", config: {} });
    // The former CLI stored each grid point's expanded config, which is not a study.
    const old = store.runs.create({
      name: "old grid point",
      seed: 1,
      experimentId: e.id,
      config: { id: "x", proxy: { name: "p" }, trainingSize: 8 },
    });
    store.runs.setStatus(old.id, "running");
    store.runs.setStatus(old.id, "cancelled");
    const queued = store.runs.create({ name: "old queued", seed: 1, experimentId: e.id, config: { id: "y" } });
    const service = createLabService({ store, dataDir: dir });
    try {
      // The queued one could not be requeued: it is marked interrupted with the reason, and the lab started.
      expect(store.runs.get(queued.id)).toMatchObject({
        status: "interrupted",
        error: expect.stringMatching(
          /cannot be executed again: it was stored by an earlier Goodhart Lab \(on \d{4}-\d\d-\d\d\) and its config is no longer one runnable bon-study grid point; config no longer valid: id: unknown field/,
        ),
      });
      await expect(service.runs.resume({ id: old.id })).rejects.toThrow(
        /Run \d+ cannot be executed again: it was stored by an earlier Goodhart Lab .*config no longer valid: id: unknown field.*Start its experiment again instead/,
      );
      expect(store.runs.get(old.id)!.status).toBe("cancelled");
    } finally {
      await service.close();
      store.close();
    }
  });
});
