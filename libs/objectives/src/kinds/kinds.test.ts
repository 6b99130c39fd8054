import { describe, expect, it } from "vitest";
import { expandGrid } from "../config/grid.ts";
import { deepMerge, nearestPaths, requirePath, schemaAt, schemaPaths, setAt } from "../config/paths.ts";
import { ConfigError, meta, num, obj, withDefault } from "../config/validate.ts";
import { loadExperiment } from "../experiments/registry.ts";
import { defineKind } from "./kind.ts";
import { KindRegistry, kindRegistry } from "./registry.ts";

const tinyKind = (id: string, presetName: string) =>
  defineKind({
    id,
    title: id,
    description: "a test kind",
    diagnostic: true,
    schema: obj({ steps: meta(withDefault(num({ integer: true, min: 1, max: 10 }), 3), { description: "Steps.", unit: "steps" }) }),
    presets: [{ name: presetName, title: "p", description: "p", papers: [], datasets: ["builtin"], overrides: { steps: 5 } }],
    series: [],
    metrics: [],
    views: { headline: { type: "curves", title: "t", group: "g", x: "x", y: "gold" }, panels: [], summaryColumns: [] },
    module: "file:///nowhere.ts",
  });

describe("the kind registry", () => {
  it("describes bon-study as JSON: every field with its description, and numbers with unit, range and default", () => {
    const d = kindRegistry.describe("bon-study");
    expect(d.diagnostic).toBe(false);
    expect(d.defaultConfig).toMatchObject({ name: "quick-demo" });
    const pool = schemaAt(d.configSchema, ["bon", "poolSize"])!;
    expect(pool).toMatchObject({ type: "integer", minimum: 1, maximum: 1 << 20, unit: "samples", default: 1024 });
    expect(pool.description).toMatch(/samples per evaluation prompt/);
    expect(schemaAt(d.configSchema, ["labelNoise"])).toMatchObject({
      type: "array",
      unit: "probability",
      items: { type: "number", minimum: 0, exclusiveMaximum: 0.5 },
    });
    expect(schemaAt(d.configSchema, ["proxySizes", 0, "heads"])).toMatchObject({ type: "integer", unit: "heads" });
    expect(schemaAt(d.configSchema, ["ensemble", "aggregations", 0, "lambda"])).toMatchObject({ type: "number", minimum: 0 });
    expect(schemaAt(d.configSchema, ["task", "kind"])).toMatchObject({ enum: ["builtin", "dataset"] });
    for (const path of schemaPaths(d.configSchema).filter((p) => !p.includes("[0]"))) {
      expect(schemaAt(d.configSchema, requirePath(d.configSchema, path))!.description, path).toBeTruthy();
    }
    // The description survives JSON (it crosses IPC and HTTP).
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });

  it("has the paper presets, each a valid config that names its papers", () => {
    const names = kindRegistry.presets("bon-study").map((p) => p.preset.name);
    expect(names).toEqual(expect.arrayContaining(["quick-demo", "gao-bon", "coste-bon", "gao-bon-small", "coste-ensemble-noise"]));
    expect(names).toContain("hh-rlhf-bon");
    for (const name of names) {
      // hh-rlhf-bon requires a dataset id: it validates with its requirement's example in place.
      const { kind, config } = kindRegistry.presetExample(name);
      expect(kind).toBe("bon-study");
      expect(config.name).toBe(name);
      expect(kindRegistry.preset(name).preset.papers.length).toBeGreaterThan(0);
    }
    expect(kindRegistry.presetConfig("coste-bon").config).toMatchObject({ labelNoise: [0, 0.25], ensemble: { size: 5 } });
    expect(kindRegistry.presetConfig("gao-bon").config.proxySizes).toHaveLength(4);
  });

  it("fills a config from the preset it names, objects merged and lists replaced, and names bad fields", () => {
    const c = kindRegistry.parse<Record<string, any>>("bon-study", { preset: "quick-demo", bon: { poolSize: 64 }, seeds: [4, 5] });
    expect(c.bon).toEqual({ poolSize: 64, ns: "default", evalPrompts: 50 });
    expect(c.seeds).toEqual([4, 5]);
    expect(() => kindRegistry.parse("bon-study", { bon: { poolSize: 0 } }, "x.yaml")).toThrow(
      /x\.yaml[\s\S]*bon\.poolSize: expected an integer in \[1, 1048576\], got 0/,
    );
    expect(() => kindRegistry.parse("nope", {})).toThrow(/unknown experiment kind "nope"; known kinds: bon-study/);
  });

  it("takes a bon-study sweep envelope {study, grid, options}, validating every grid point", () => {
    const job = kindRegistry.parse<Record<string, any>>("bon-study", {
      study: { preset: "quick-demo" },
      grid: { "bon.poolSize": [64, 128] },
      options: { rmTraining: { epochs: 2 } },
    });
    expect(job.study.name).toBe("quick-demo");
    expect(job.grid).toEqual({ "bon.poolSize": [64, 128] });
    expect(job.options).toEqual({ rmTraining: { epochs: 2 } });
    expect(() => kindRegistry.parse("bon-study", { study: {}, grid: { "bon.poolSize": [64, 0] } })).toThrow(
      /grid\.bon\.poolSize: expected an integer in \[1, 1048576\], got 0 \(sweep point/,
    );
    expect(() => kindRegistry.parse("bon-study", { study: {}, options: { rmTraining: { lr: 0 } } })).toThrow(
      /options\.rmTraining\.lr: expected a number > 0, got 0/,
    );
    expect(() => kindRegistry.parse("bon-study", { study: {}, extra: 1 })).toThrow(
      /extra: unknown field; expected one of study, grid, options/,
    );
    expect(() => kindRegistry.parse("bon-study", { study: { preset: "nope" } })).toThrow(/study\.preset: expected one of "quick-demo"/);
    // proxyInit was a study option; it is now the study's proxy.init field, and the refusal says so.
    expect(() => kindRegistry.parse("bon-study", { study: {}, options: { proxyInit: "scratch" } })).toThrow(
      /options\.proxyInit: moved to the study: set study\.proxy\.init to "scratch" instead/,
    );
    expect(kindRegistry.parse<Record<string, any>>("bon-study", { study: { proxy: { init: "scratch" } } }).study.proxy).toEqual({
      init: "scratch",
    });
  });

  it("loads every built-in kind's run module", async () => {
    for (const kind of kindRegistry.list()) expect(typeof (await loadExperiment(kind.id))).toBe("function");
    await expect(loadExperiment("toy", kindRegistry.with([tinyKind("toy", "t")]))).rejects.toThrow();
  });

  it("accepts extra kinds, and refuses a kind or a preset name twice", () => {
    const reg = kindRegistry.with([tinyKind("toy", "toy-five")]);
    expect(reg.list().map((k) => k.id)).toEqual([...kindRegistry.list().map((k) => k.id), "toy"]); // the built-in kinds, then the extra one
    expect(kindRegistry.list().map((k) => k.id)).toEqual(expect.arrayContaining(["bon-study", "daa"]));
    expect(reg.presetConfig("toy-five")).toEqual({ kind: "toy", config: { steps: 5 } });
    expect(reg.defaultConfig("toy")).toEqual({ steps: 3 });
    expect(kindRegistry.has("toy")).toBe(false);
    expect(() => reg.with([tinyKind("toy", "other")])).toThrow(/'toy' is registered twice/);
    expect(() => new KindRegistry([tinyKind("a", "same"), tinyKind("b", "same")])).toThrow(/preset 'same' of kind 'b'/);
  });
});

describe("field paths", () => {
  const schema = kindRegistry.describe("bon-study").configSchema;

  it("rejects unknown paths naming the nearest valid ones", () => {
    expect(requirePath(schema, "proxySizes[2].layers")).toEqual(["proxySizes", 2, "layers"]);
    expect(nearestPaths(schema, "bon.poolsize")[0]).toBe("bon.poolSize");
    try {
      requirePath(schema, "bon.pool");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues[0]).toMatchObject({ path: "bon.pool" });
      expect((err as ConfigError).issues[0]!.message).toMatch(/no such field; nearest valid: bon\.poolSize/);
    }
    expect(() => requirePath(schema, "bon..x")).toThrow(/not a field path/);
  });

  it("sets values at paths and layers configs", () => {
    const target: Record<string, unknown> = { a: { b: 1 }, list: [1, 2] };
    setAt(target, ["a", "c", "d"], 3);
    setAt(target, ["list", 2], 9);
    expect(target).toEqual({ a: { b: 1, c: { d: 3 } }, list: [1, 2, 9] });
    expect(() => setAt(target, ["list", 5], 0, "list[5]")).toThrow(/past the end/);
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 })).toEqual({ a: { b: 1, c: [3] }, d: 1, e: 2 });
  });
});

describe("expandGrid", () => {
  it("is the Cartesian product, last axis fastest, skipping empty axes, with labels", () => {
    const grid = expandGrid([
      { path: "a", values: [1, 2] },
      { path: "skip", values: [] },
      { path: "b", values: ["x", [0.25]] },
    ]);
    expect(grid.map((g) => g.label)).toEqual(["a=1, b=x", "a=1, b=[0.25]", "a=2, b=x", "a=2, b=[0.25]"]);
    expect(grid[3]!.values).toEqual({ a: 2, b: [0.25] });
    expect(expandGrid([])).toEqual([{ values: {}, label: "" }]);
  });
});
