import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@goodhart/objectives";
import { describe, expect, it } from "vitest";
import { ExperimentRegistry } from "../service/experiments/registry.ts";
import { toyKind } from "../service/testing/toy-kind/kind.ts";
import { parseSetOption, resolveRunConfig } from "./run-config.ts";

const dir = mkdtempSync(join(tmpdir(), "goodhart-run-config-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("resolveRunConfig", () => {
  it("layers kind defaults <- preset <- file <- --set, values as JSON when they parse", () => {
    const f = file("study.yaml", "preset: quick-demo\nname: mine\nbon:\n  evalPrompts: 20\n");
    const r = resolveRunConfig({
      file: f,
      set: ["bon.poolSize=64", "labelNoise=[0, 0.25]", "name=from-set", "ensemble.size=3", 'ensemble.aggregations=["mean","wco"]'],
    });
    expect(r.kind).toBe("bon-study");
    expect(r.config).toMatchObject({
      name: "from-set",
      bon: { poolSize: 64, evalPrompts: 20, ns: "default" },
      labelNoise: [0, 0.25],
      trainingSizes: [300, 1500], // from the preset
      ensemble: { size: 3, aggregations: [{ kind: "mean" }, { kind: "wco" }] },
      task: { kind: "builtin", seed: 0 }, // kind defaults
    });
    expect(r.source).toBe(`${f} + preset quick-demo + 5 --set`);
    // A preset alone: the kind comes from the preset.
    expect(resolveRunConfig({ preset: "coste-bon" }).config).toMatchObject({ name: "coste-bon", ensemble: { size: 5 } });
    expect(parseSetOption("a.b=x y")).toEqual({ path: "a.b", value: "x y" });
    expect(parseSetOption("a=null")).toEqual({ path: "a", value: null });
  });

  it("refuses unknown paths naming the nearest valid ones, and bad values naming the field", () => {
    expect(issuesOf(() => resolveRunConfig({ preset: "quick-demo", set: ["bon.poolsize=64"] }))[0]).toEqual({
      path: "bon.poolsize",
      message: expect.stringMatching(/^no such field; nearest valid: bon\.poolSize/),
    });
    expect(issuesOf(() => resolveRunConfig({ preset: "quick-demo", set: ["bon.poolSize=0"] }))[0]).toEqual({
      path: "bon.poolSize",
      message: "expected an integer in [1, 1048576], got 0",
    });
    expect(issuesOf(() => resolveRunConfig({ preset: "quick-demo", set: ["poolSize"] }))[0]!.message).toMatch(/expected --set path=value/);
    expect(issuesOf(() => resolveRunConfig({ preset: "gao" }))[0]!.path).toBe("preset");
    const f = file("other.json", '{"preset": "gao-bon"}');
    expect(issuesOf(() => resolveRunConfig({ file: f, preset: "coste-bon" }))[0]!.message).toMatch(
      /names preset "gao-bon" and --preset names "coste-bon"/,
    );
    expect(() => resolveRunConfig({ file: file("bad.yaml", "bon:\n  poolSize: -1\n") })).toThrow(
      /bad\.yaml[\s\S]*bon\.poolSize: expected an integer/,
    );
    expect(() => resolveRunConfig({ file: join(dir, "missing.yaml") })).toThrow(/missing\.yaml[\s\S]*cannot read the file: ENOENT/);
  });

  it("resolves a toy kind registered in a test (file with kind:, its preset, --set into nested objects)", () => {
    const registry = new ExperimentRegistry({ kinds: [toyKind] });
    expect(resolveRunConfig({ preset: "toy-tent", set: ["shape.height=2", 'tags=["a"]'] }, registry)).toMatchObject({
      kind: "toy.curve",
      config: { steps: 12, peak: 0.25, shape: { kind: "tent", height: 2 }, tags: ["a"] },
    });
    const f = file("toy.yaml", "kind: toy.curve\nsteps: 3\n");
    expect(resolveRunConfig({ file: f }, registry).config).toEqual({
      steps: 3,
      peak: 0.5,
      shape: { kind: "parabola", height: 1 },
      tags: [],
    });
    expect(issuesOf(() => resolveRunConfig({ file: f, preset: "quick-demo" }, registry))[0]!.message).toMatch(
      /preset "quick-demo" is for kind bon-study, not toy\.curve/,
    );
    expect(issuesOf(() => resolveRunConfig({ preset: "toy-tent", set: ["shape.kind=circle"] }, registry))[0]).toEqual({
      path: "shape.kind",
      message: 'expected one of "parabola", "tent", got "circle"',
    });
  });
});
