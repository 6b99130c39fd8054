import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@goodhart/storage";
import { describe, expect, it } from "vitest";
import { LabNotFoundError } from "../../shared/errors.ts";
import { waitForStatus, waitForStep } from "../testing/wait-for.ts";
import { forkServiceHost } from "./fork-host.ts";

describe("service host process", () => {
  it("serves LabApi and events from its own process, and shuts down leaving the database intact", async () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-host-"));
    const dbFile = join(dir, "lab.sqlite");
    const host = forkServiceHost(dbFile);
    expect(await host.ready).toEqual({ interruptedAtStart: [], dbFile });
    const { api } = host;
    const progress: number[] = [];
    api.runs.onDidProgress((e) => progress.push(e.step));
    const e = await api.experiments.create({ name: "hosted", kind: "diagnostic.counter", config: { steps: 12, stepMs: 2 } });
    const [a, b] = await Promise.all([api.runs.start({ experimentId: e.id, seed: 1 }), api.runs.start({ experimentId: e.id, seed: 2 })]);
    await waitForStatus(api, a.id, ["done"]);
    await waitForStatus(api, b.id, ["done"]);
    expect(progress.length).toBe(24);
    await expect(api.runs.get({ id: 99 })).rejects.toBeInstanceOf(LabNotFoundError);
    await host.shutdown();
    expect(await host.exited).toBe("exit code 0");
    await expect(api.runs.list()).rejects.toThrow(/lab service is not running \(exit code 0\)/);
    const store = openDatabase(dbFile);
    expect(store.integrityCheck()).toBe("ok");
    expect(store.runs.list().map((r) => r.status)).toEqual(["done", "done"]);
    store.close();
  });

  it("a killed host fails pending calls clearly; the next host marks its run interrupted and resumes it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-host-"));
    const dbFile = join(dir, "lab.sqlite");
    const first = forkServiceHost(dbFile);
    await first.ready;
    const e = await first.api.experiments.create({
      name: "long",
      kind: "diagnostic.counter",
      config: { steps: 40, stepMs: 20, checkpointEvery: 5 },
    });
    const run = await first.api.runs.start({ experimentId: e.id, seed: 9 });
    await waitForStep(first.api, run.id, 12);
    first.kill("SIGKILL");
    expect(await first.exited).toBe("killed by SIGKILL");
    await expect(first.api.runs.get({ id: run.id })).rejects.toThrow(/killed by SIGKILL/);

    const second = forkServiceHost(dbFile);
    expect((await second.ready).interruptedAtStart).toEqual([run.id]);
    const stored = await second.api.runs.get({ id: run.id });
    expect(stored.status).toBe("interrupted");
    expect(stored.checkpointStep).toBeGreaterThanOrEqual(10);
    await second.api.runs.resume({ id: run.id });
    await waitForStatus(second.api, run.id, ["done"]);
    expect((await second.api.runs.metrics({ runId: run.id, name: "counter.step" }))[0]!.steps).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    await second.shutdown();
  });
});
