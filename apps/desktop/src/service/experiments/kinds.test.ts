// Experiment kinds as plug-ins, through the real service: a toy kind from a test-only folder,
// registered with the registry's constructor option, is listed with its schema and presets,
// validated at submission, expanded into sweep points, and run in a real worker thread (through
// the adapter that gives library-style kinds their context) on a real SQLite file.
import { describe, expect, it } from "vitest";
import { LabValidationError } from "../../shared/errors.ts";
import { toyKind } from "../testing/toy-kind/kind.ts";
import { toyGold } from "../testing/toy-kind/run.ts";
import { tempLabs } from "../testing/temp-labs.ts";
import { waitForStatus } from "../testing/wait-for.ts";
import { ExperimentRegistry } from "./registry.ts";

const openLab = tempLabs("kinds");
const open = (registry = new ExperimentRegistry({ kinds: [toyKind] })) => openLab({ registry });

describe("experiment kinds through the service", () => {
  it("lists every kind with its JSON schema (units, ranges, enums, nested objects, lists), presets and views", async () => {
    const { service } = open();
    const kinds = await service.kinds.list();
    expect(kinds.map((k) => k.id)).toEqual(expect.arrayContaining(["bon-study", "diagnostic.counter", "toy.curve"]));
    const toy = kinds.find((k) => k.id === "toy.curve")!;
    const props = toy.configSchema.properties as Record<string, any>;
    expect(props.steps).toMatchObject({ type: "integer", minimum: 1, maximum: 1000, default: 8, unit: "steps" });
    expect(props.shape.properties.kind).toMatchObject({ enum: ["parabola", "tent"], default: "parabola" });
    expect(props.tags).toMatchObject({ type: "array", items: { type: "string" }, uniqueItems: true });
    expect(toy.defaultConfig).toEqual({ steps: 12, peak: 0.25, shape: { kind: "tent", height: 1 }, tags: [] });
    expect(toy.views.headline).toMatchObject({ type: "bar-at-max-x", series: "toy:*" });
    const bon = kinds.find((k) => k.id === "bon-study")!;
    expect(bon.views.headline).toMatchObject({ type: "bar-at-max-x", y: "gold", errorBars: "se", baseline: "member:*" });
    expect(bon.series.map((s) => s.group)).toEqual(["gold/proxy", "gold/proxy"]);

    const presets = await service.presets.list({ kind: "toy.curve" });
    expect(presets).toEqual([expect.objectContaining({ name: "toy-tent", kind: "toy.curve", config: toy.defaultConfig })]);
    expect((await service.presets.list()).map((p) => p.name)).toEqual(
      expect.arrayContaining(["quick-demo", "gao-bon", "coste-bon", "toy-tent"]),
    );
    // The older flat listing still works (the Experiment screen reads it).
    const flat = (await service.experiments.kinds()).find((k) => k.kind === "toy.curve")!;
    expect(flat.parameters).toContainEqual({ path: "shape.height", description: "Gold at the peak. (reward)" });
  });

  it("a default registry knows nothing of the toy: adding a kind touched no shared code", async () => {
    const { service } = open(new ExperimentRegistry());
    expect((await service.kinds.list()).map((k) => k.id)).not.toContain("toy.curve");
    await expect(service.experiments.create({ name: "t", kind: "toy.curve", config: {} })).rejects.toThrow(
      /Unknown experiment kind 'toy\.curve'.*bon-study/,
    );
  });

  it("validates at submission naming the field, and expands sweeps checking their paths", async () => {
    const { service } = open();
    await expect(service.experiments.create({ name: "bad", kind: "toy.curve", config: { shape: { kind: "circle" } } })).rejects.toThrow(
      LabValidationError,
    );
    await expect(service.experiments.create({ name: "bad", kind: "toy.curve", config: { shape: { kind: "circle" } } })).rejects.toThrow(
      /Invalid config for experiment kind 'toy\.curve': shape\.kind: expected one of "parabola", "tent", got "circle"/,
    );
    await expect(service.experiments.create({ name: "bad", kind: "toy.curve", config: { preset: "nope" } })).rejects.toThrow(
      /preset: expected one of "toy-tent"/,
    );
    const points = await service.kinds.expand({
      kind: "toy.curve",
      axes: [
        { path: "steps", values: [4, 6] },
        { path: "shape.kind", values: ["tent", "parabola"] },
      ],
    });
    expect(points.map((p) => p.label)).toEqual([
      "steps=4, shape.kind=tent",
      "steps=4, shape.kind=parabola",
      "steps=6, shape.kind=tent",
      "steps=6, shape.kind=parabola",
    ]);
    await expect(service.kinds.expand({ kind: "toy.curve", axes: [{ path: "shape.hieght", values: [1] }] })).rejects.toThrow(
      /shape\.hieght: no such field; nearest valid: shape\.height/,
    );
  });

  it("runs the toy in a worker: curve, metrics and result stored", async () => {
    const { service, store } = open();
    const experiment = await service.experiments.create({
      name: "toy",
      kind: "toy.curve",
      config: { preset: "toy-tent", steps: 6, tags: ["x"] },
    });
    expect(experiment.config).toEqual({ steps: 6, peak: 0.25, shape: { kind: "tent", height: 1 }, tags: ["x"] });
    const run = await service.runs.start({ experimentId: experiment.id, seed: 5 });
    await waitForStatus(service, run.id, ["done", "failed"], 60_000);
    const done = await service.runs.get({ id: run.id });
    expect(done.error).toBeNull();
    expect(done.status).toBe("done");
    // The tent peaks at 0.25 x 6 = 1.5: steps 1 and 2 tie and the first wins.
    expect(store.runs.get(run.id)!.result).toEqual({ peakStep: 1, tags: ["x"], seed: 5 });
    const points = (await service.curves.get({ runId: run.id })).sort((a, b) => a.x - b.x);
    expect(points.map((p) => p.x)).toEqual([1, 2, 3, 4, 5, 6]);
    const config = experiment.config as unknown as Parameters<typeof toyGold>[0];
    for (const p of points) expect(p.goldScore).toBeCloseTo(toyGold(config, p.x), 12);
    const [metric] = await service.runs.metrics({ runId: run.id, name: "toy.gold" });
    expect(metric!.steps).toEqual([1, 2, 3, 4, 5, 6]);
  }, 70_000);
});
