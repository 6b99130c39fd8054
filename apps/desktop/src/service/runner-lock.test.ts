import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@goodhart/storage";
import { describe, expect, it } from "vitest";
import { LabConflictError } from "../shared/errors.ts";
import { createLabService } from "./lab-service.ts";
import { RunnerLock } from "./runner-lock.ts";

describe("runner lock", () => {
  it("lets one service execute runs per database, and frees the lock on close", async () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-lock-"));
    const store = openDatabase(join(dir, "lab.sqlite"));
    const first = createLabService({ store, dataDir: dir });
    expect(() => createLabService({ store, dataDir: dir })).toThrow(LabConflictError);
    expect(() => createLabService({ store, dataDir: dir })).toThrow(new RegExp(`pid ${process.pid}.*delete .*runner\\.lock`));
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
});
