// A library kind with grid points (`plan`, as rl-study and daa declare) through the real service and
// a real worker: one lab run per grid point, each with its own curves, metrics and result; the
// study-level part (here a total; for DAA its findings) stored with every run of the study; a
// study-level fit with the job's first run; a grid point executed again alone (resume) as the
// same run.
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { gridToyKind } from "../testing/grid-kind/kind.ts";
import { tempLabs } from "../testing/temp-labs.ts";
import { waitForStatus } from "../testing/wait-for.ts";
import { withStudyPart } from "./kind-adapter.ts";
import { ExperimentRegistry } from "./registry.ts";

const openLab = tempLabs("grid-kind");
const open = () => openLab({ registry: new ExperimentRegistry({ kinds: [gridToyKind] }) });

describe("a kind's grid points as runs", () => {
  it("stores one run per grid point with its own curves, metrics and result plus the study's part", async () => {
    const { service, store } = open();
    const experiment = await service.experiments.create({
      name: "g",
      kind: "toy.grid",
      config: { name: "g", points: [1, 2, 3], steps: 3 },
    });
    const first = await service.runs.start({ experimentId: experiment.id, seed: 4 });
    const runs = (await service.runs.list({ experimentId: experiment.id })).sort((a, b) => a.id - b.id);
    expect(runs.map((r) => r.name)).toEqual(["point 1", "point 2", "point 3"]);
    expect(runs[0]!.id).toBe(first.id);
    for (const r of runs) expect(await waitForStatus(service, r.id, ["done", "failed"], 60_000)).toBe("done");
    // A run reads done with its own result; the study's part follows when the job's module returns.
    const studyPartStored = async (runId: number) =>
      vi.waitFor(async () => expect(await service.runs.result({ runId })).toHaveProperty("studyGridPoints"), { timeout: 30_000 });
    for (const r of runs) await studyPartStored(r.id);
    const ids = ["g/p1", "g/p2", "g/p3"];
    for (const [i, r] of runs.entries()) {
      const value = i + 1;
      // Each run's config is the study narrowed to its point: it executes alone.
      expect(store.runs.get(r.id)!.config).toMatchObject({ name: "g", points: [value] });
      const points = await service.curves.get({ runId: r.id });
      expect(points.map((p) => p.goldScore)).toEqual([value, value, value]);
      const [metric] = await service.runs.metrics({ runId: r.id, name: "toy.value" });
      expect(metric!.values).toEqual([value, 2 * value, 3 * value]);
      expect(await service.runs.result({ runId: r.id })).toEqual({
        study: "g",
        runs: [{ id: ids[i], value, last: 3 * value }],
        total: 18,
        studyGridPoints: ids,
      });
    }
    // The study-level fit is stored once, with the job's first run.
    await vi.waitFor(async () => expect((await service.runs.fits({ runId: runs[0]!.id })).map((f) => f.nPoints)).toEqual([3]), {
      timeout: 10_000,
    });
    expect(await service.runs.fits({ runId: runs[1]!.id })).toEqual([]);

    expect(await service.runs.fits({ runId: runs[2]!.id })).toEqual([]);
  }, 120_000);

  it("a grid point that failed resumes alone as the same run; its study part covers it alone", async () => {
    const { service, store, dir } = open();
    const experiment = await service.experiments.create({
      name: "f",
      kind: "toy.grid",
      config: { name: "f", points: [1, 2, 3], steps: 2, failOnce: [2], markerDir: join(dir, "markers") },
    });
    await service.runs.start({ experimentId: experiment.id, seed: 4 });
    const runs = (await service.runs.list({ experimentId: experiment.id })).sort((a, b) => a.id - b.id);
    expect(await waitForStatus(service, runs[1]!.id, ["done", "failed"], 60_000)).toBe("failed");
    expect(await waitForStatus(service, runs[2]!.id, ["interrupted", "done", "failed"], 60_000)).toBe("interrupted"); // never reached
    expect(store.runs.get(runs[0]!.id)!.status).toBe("done");
    await service.runs.resume({ id: runs[1]!.id });
    expect(await waitForStatus(service, runs[1]!.id, ["done", "failed"], 60_000)).toBe("done");
    await vi.waitFor(async () => expect(await service.runs.result({ runId: runs[1]!.id })).toHaveProperty("studyGridPoints"), {
      timeout: 30_000,
    });
    expect(await service.runs.result({ runId: runs[1]!.id })).toEqual({
      study: "f",
      runs: [{ id: "f/p2", value: 2, last: 4 }],
      total: 4,
      studyGridPoints: ["f/p2"],
    });
    expect((await service.curves.get({ runId: runs[1]!.id })).map((p) => p.goldScore)).toEqual([2, 2]);
    // The run that finished before the failure kept its own result (no study part: the study never ended).
    expect(await service.runs.result({ runId: runs[0]!.id })).toEqual({ study: "f", runs: [{ id: "f/p1", value: 1, last: 2 }] });
  }, 120_000);

  it("withStudyPart keeps the run's own entry when the study's list lacks it", () => {
    const own = { study: "s", runs: [{ id: "a", v: 1 }] };
    expect(withStudyPart(own, { study: "s", runs: [{ id: "b" }], findings: { x: 1 } }, "a")).toEqual({
      study: "s",
      runs: [{ id: "a", v: 1 }],
      findings: { x: 1 },
      studyGridPoints: ["b"],
    });
  });
});
