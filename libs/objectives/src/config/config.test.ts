import { describe, expect, it } from "vitest";
import { ConfigError } from "./validate.ts";
import { DEFAULT_BON_STUDY } from "../kinds/bon-study/schema.ts";
import { BON_STUDY_PRESET_NAMES, bonStudyPreset } from "../kinds/bon-study/presets.ts";
import { parseBonStudy, parseBonStudyText } from "./parse.ts";
import { kindRegistry } from "../kinds/registry.ts";
import { hash64 } from "@goodhart/engine";
import { canonicalJson, expandStudy, sweep } from "./sweep.ts";

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("parseBonStudy", () => {
  it("fills every missing field with the documented defaults", () => {
    expect(parseBonStudy({})).toEqual(DEFAULT_BON_STUDY);
    const s = parseBonStudy({ ensemble: { size: 5 }, bon: { poolSize: 64 } });
    expect(s.ensemble).toEqual({ size: 5, aggregations: [{ kind: "mean" }] });
    expect(s.bon).toEqual({ poolSize: 64, ns: "default", evalPrompts: 100 });
    // Defaults are copies: editing a parsed config does not change the defaults.
    s.proxySizes[0].layers = 99;
    expect(DEFAULT_BON_STUDY.proxySizes[0].layers).toBe(1);
  });

  it("names the field path and what was expected for each problem", () => {
    const issues = issuesOf(() =>
      parseBonStudy({
        proxySizes: [
          { name: "a", layers: 1, dModel: 32, heads: 2 },
          { name: "b", layers: 0, dModel: 30, heads: 4 },
        ],
        labelNoise: [0, 0.7],
        bon: { poolSize: 16, ns: [1, 4, 32] },
        seeds: "one",
        ensemble: { size: 2, aggregations: ["mean", { kind: "uwo" }, { kind: "max" }] },
        tpyo: 1,
      }),
    );
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(byPath["proxySizes[1].layers"]).toBe("expected an integer in [1, 64], got 0");
    expect(byPath["labelNoise[1]"]).toBe("expected a number in [0, 0.5), got 0.7");
    expect(byPath["seeds"]).toBe('expected a list, got "one"');
    expect(byPath["ensemble.aggregations[1].lambda"]).toBe("required field is missing");
    expect(byPath["ensemble.aggregations[2].kind"]).toMatch(/expected "mean", "wco" or "uwo", got "max"/);
    expect(byPath["tpyo"]).toMatch(/unknown field; expected one of experiment, name/);
    // The cross-field checks run once the fields themselves are valid.
    expect(issuesOf(() => parseBonStudy({ bon: { poolSize: 16, ns: [1, 4, 32] } }))).toEqual([
      { path: "bon.ns[2]", message: "expected n <= bon.poolSize (16), got 32" },
    ]);
    expect(issuesOf(() => parseBonStudy({ proxySizes: [{ name: "x", layers: 1, dModel: 30, heads: 4 }] }))).toEqual([
      { path: "proxySizes[0].heads", message: "expected a divisor of dModel (30), got 4" },
    ]);
    const k1 = issuesOf(() => parseBonStudy({ ensemble: { size: 1, aggregations: ["wco"] } }));
    expect(k1[0].path).toBe("ensemble.aggregations");
    expect(k1[0].message).toMatch(/only "mean" with ensemble.size 1/);
  });

  it("takes proxy.init (default pretrained) and seeds as a count, naming a bad value by its path", () => {
    expect(parseBonStudy({}).proxy).toEqual({ init: "pretrained" });
    expect(parseBonStudy({ proxy: { init: "scratch" } }).proxy).toEqual({ init: "scratch" });
    expect(issuesOf(() => parseBonStudy({ proxy: { init: "random" } }))).toEqual([
      {
        path: "proxy.init",
        message: 'expected "pretrained", "scratch" or "model:<id>" of a registered model (goodhart models list), got "random"',
      },
    ]);
    expect(issuesOf(() => parseBonStudy({ proxy: { init: "scratch", from: "gpt2" } }))[0]!.path).toBe("proxy.from");
    expect(parseBonStudy({ seeds: 3 }).seeds).toEqual([1, 2, 3]);
    expect(parseBonStudy({ seeds: [4, 9] }).seeds).toEqual([4, 9]);
    expect(issuesOf(() => parseBonStudy({ seeds: 0 }))).toEqual([{ path: "seeds", message: "expected an integer in [1, 1000], got 0" }]);
    expect(issuesOf(() => parseBonStudy({ seeds: 2.5 }))[0]!.path).toBe("seeds");
    // The form's description offers both spellings, and proxy.init's choices with its default.
    const described = kindRegistry.get("bon-study").schema.describe() as {
      properties: Record<string, { anyOf?: unknown[]; properties?: Record<string, { enum?: string[]; default?: unknown }> }>;
    };
    expect(described.properties.seeds!.anyOf).toHaveLength(2);
    // proxy.init: the kind's own starts, or a registered model offered by the form's model picker.
    expect(described.properties.proxy!.properties!.init).toMatchObject({
      anyOf: [{ picker: "model" }, { enum: ["pretrained", "scratch"] }],
      default: "pretrained",
    });
  });

  it("a scratch study's runs carry the init and get ids of their own; pretrained ids are unchanged by the field", () => {
    const base = parseBonStudy({ proxySizes: [{ name: "tiny", layers: 1, dModel: 32, heads: 2 }], trainingSizes: [100], seeds: 1 });
    const [pre] = expandStudy(base);
    const [scratch] = expandStudy({ ...base, proxy: { init: "scratch" } });
    expect(pre!.proxyInit).toBe("pretrained");
    expect(scratch!.proxyInit).toBe("scratch");
    expect(scratch!.id).not.toBe(pre!.id);
    // A pretrained run's id hashes its config without the field, as ids were hashed before it existed.
    const { id, proxyInit: _init, ...before } = pre!;
    expect(id.endsWith(hash64(canonicalJson(before)).toString(16).padStart(16, "0").slice(0, 8))).toBe(true);
    // Sweeping the init gives one group per value.
    expect(sweep(base, { "proxy.init": ["pretrained", "scratch"] }).map((r) => r.proxyInit)).toEqual(["pretrained", "scratch"]);
  });

  it("reads YAML and JSON texts, with presets, and reports syntax errors with a position", () => {
    const yaml = `preset: coste-ensemble-noise\nname: my-study\nlabelNoise: [0.25]\nensemble:\n  aggregations:\n    - wco\n    - uwo\n`;
    const s = parseBonStudyText(yaml, { source: "study.yaml" });
    expect(s.name).toBe("my-study");
    expect(s.ensemble).toEqual({ size: 5, aggregations: [{ kind: "wco" }, { kind: "uwo", lambda: 0.5 }] });
    expect(s.proxySizes.map((p) => p.name)).toEqual(["tiny", "small"]);
    const json = parseBonStudyText('{"preset": "gao-bon-small", "seeds": [7]}');
    expect(json.seeds).toEqual([7]);
    expect(json.trainingSizes).toEqual([250, 1000, 4000]);
    expect(() => parseBonStudyText('{"seeds": [1,}', { source: "bad.json" })).toThrow(
      /bad\.json[\s\S]*not valid JSON at line 1, column 14/,
    );
    expect(() => parseBonStudyText("seeds: [1\nname: x", { source: "bad.yml" })).toThrow(/bad\.yml[\s\S]*not valid YAML.*line/);
    expect(() => parseBonStudyText("bon:\n  poolSize: -3\n", { source: "s.yaml" })).toThrow(
      /Invalid experiment config in s\.yaml:\n {2}bon\.poolSize: expected an integer in \[1, 1048576\], got -3/,
    );
    expect(issuesOf(() => parseBonStudy({ preset: "gao" }))[0]).toEqual({
      path: "preset",
      message: 'expected one of "quick-demo", "gao-bon", "gao-bon-small", "coste-bon", "coste-ensemble-noise", "hh-rlhf-bon", got "gao"',
    });
  });

  it("every preset is itself a valid config and survives a JSON round trip", () => {
    for (const name of BON_STUDY_PRESET_NAMES) {
      // A preset that needs the user's data (hh-rlhf-bon: a dataset id) is checked with its requirements' examples.
      const { config: example } = kindRegistry.presetExample(name);
      expect(parseBonStudy(JSON.parse(JSON.stringify(example)))).toEqual(example);
      if (kindRegistry.preset(name).preset.requires) continue;
      const preset = bonStudyPreset(name);
      expect(parseBonStudy(JSON.parse(JSON.stringify(preset)))).toEqual(preset);
      expect(parseBonStudy({ preset: name })).toEqual(preset);
    }
    // Without its dataset id, hh-rlhf-bon is refused naming the field and what to put there.
    expect(issuesOf(() => parseBonStudy({ preset: "hh-rlhf-bon" }))).toEqual([
      {
        path: "task.dataset.datasetId",
        message:
          'preset "hh-rlhf-bon" needs the id of an imported pairwise dataset (goodhart datasets list) here (e.g. --set task.dataset.datasetId=1)',
      },
    ]);
    expect(parseBonStudy({ preset: "hh-rlhf-bon", task: { dataset: { datasetId: 7 } } }).task).toMatchObject({
      kind: "dataset",
      dataset: { datasetId: 7, maxPromptTokens: 128, tokenizer: "byte" },
    });
    expect(bonStudyPreset("gao-bon-small").proxySizes.length).toBeGreaterThanOrEqual(3);
    expect(() => bonStudyPreset("nope")).toThrow(/unknown preset "nope"/);
  });
});

describe("expandStudy / sweep", () => {
  it("expands the study's axes into one run per grid point with stable, unique ids", () => {
    const study = bonStudyPreset("coste-ensemble-noise");
    const runs = expandStudy(study);
    // 2 proxy sizes x 1 training size x 2 noise levels x 3 seeds.
    expect(runs).toHaveLength(12);
    expect(new Set(runs.map((r) => r.id)).size).toBe(12);
    expect(expandStudy(bonStudyPreset("coste-ensemble-noise")).map((r) => r.id)).toEqual(runs.map((r) => r.id));
    expect(runs[0].id).toMatch(/^coste-ensemble-noise\/tiny-c2000-noise0-seed1-[0-9a-f]{8}$/);
    expect(runs[0].bon.ns).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]);
    expect(runs[0].ensemble.aggregations).toHaveLength(3);
    // Any change to a run's config changes its id; the axis values alone do not decide it.
    const changed = expandStudy({ ...study, bon: { ...study.bon, poolSize: 512 } });
    expect(changed[0].id).not.toBe(runs[0].id);
    expect(changed[0].id.split("-").slice(0, -1)).toEqual(runs[0].id.split("-").slice(0, -1));
  });

  it("multiplies by the cartesian product of a sweep grid and validates each point", () => {
    const study = bonStudyPreset("quick-demo"); // 1 x 2 x 1 x 1 = 2 runs
    const runs = sweep(study, { "bon.poolSize": [128, 256, 512], "ensemble.size": [1, 3], "proxySizes[0].layers": [1, 2] });
    expect(runs).toHaveLength(3 * 2 * 2 * 2);
    expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
    expect(runs[0].overrides).toEqual({ "bon.poolSize": 128, "ensemble.size": 1, "proxySizes[0].layers": 1 });
    expect(runs[runs.length - 1].bon.poolSize).toBe(512);
    expect(runs[runs.length - 1].proxy.layers).toBe(2);
    // Stable: the same sweep twice gives the same ids; a grid written in another key order gives the same set.
    expect(
      sweep(study, { "bon.poolSize": [128, 256, 512], "ensemble.size": [1, 3], "proxySizes[0].layers": [1, 2] }).map((r) => r.id),
    ).toEqual(runs.map((r) => r.id));
    const reordered = sweep(study, { "proxySizes[0].layers": [1, 2], "ensemble.size": [1, 3], "bon.poolSize": [128, 256, 512] });
    expect(new Set(reordered.map((r) => r.id))).toEqual(new Set(runs.map((r) => r.id)));
    expect(sweep(study)).toHaveLength(2);
    const bad = issuesOf(() => sweep(study, { "bon.poolSize": [128, 0] }));
    expect(bad[0].path).toBe("bon.poolSize");
    expect(bad[0].message).toMatch(/expected an integer in \[1, 1048576\], got 0 \(sweep point \{"bon.poolSize":0\}\)/);
    expect(issuesOf(() => sweep(study, { "bon.poolsize": [1] }))[0].message).toMatch(/names no field/);
    expect(issuesOf(() => sweep(study, { "bon.poolSize": [] }))[0].message).toMatch(/non-empty list/);
  });
});
