// @vitest-environment node
import { describe, expect, it } from "vitest";
import { getAt, withValuesAt } from "./config-paths.ts";
import { configToText, parseConfigText } from "./config-text.ts";
import {
  type FieldSchema,
  checkValue,
  emptyValue,
  fieldKind,
  issuesFromServer,
  newItem,
  presetConfig,
  variantIndex,
  variantLabel,
} from "./schema-form.ts";

/** A slice of bon-study's schema as kinds.list describes it: nested objects, lists of objects, anyOf, ranges. */
const schema: FieldSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    name: { type: "string", minLength: 1, pattern: "^[a-z0-9][a-z0-9_.-]*$", default: "bon-study" },
    basePolicy: {
      type: "object",
      additionalProperties: false,
      default: { layers: 2, heads: 4 },
      properties: {
        layers: { type: "integer", minimum: 1, maximum: 64, default: 2, unit: "layers" },
        heads: { type: "integer", minimum: 1, default: 4 },
      },
    },
    proxySizes: {
      type: "array",
      minItems: 1,
      default: [{ name: "tiny", layers: 1 }],
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "layers"],
        properties: { name: { type: "string", minLength: 1 }, layers: { type: "integer", minimum: 1 } },
      },
    },
    labelNoise: { type: "array", uniqueItems: true, default: [0], items: { type: "number", minimum: 0, exclusiveMaximum: 0.5 } },
    ns: {
      default: "default",
      anyOf: [
        { type: "string", const: "default" },
        { type: "array", items: { type: "integer", minimum: 1 }, minItems: 1 },
      ],
    },
    aggregation: {
      default: "mean",
      anyOf: [
        { type: "string", enum: ["mean", "wco", "uwo"] },
        {
          type: "object",
          required: ["kind", "lambda"],
          additionalProperties: false,
          properties: { kind: { type: "string", const: "uwo" }, lambda: { type: "number", minimum: 0 } },
        },
      ],
    },
    verbose: { type: "boolean", default: false },
  },
};

describe("schema form", () => {
  it("gives each field its input", () => {
    const p = schema.properties!;
    expect(
      [p.name, p.basePolicy, p.proxySizes, p.labelNoise, p.ns, p.verbose, p.basePolicy!.properties!.layers].map((s) => fieldKind(s!)),
    ).toEqual(["string", "object", "list", "list", "variant", "boolean", "integer"]);
    expect(fieldKind({ type: "object", additionalProperties: { type: "number" } })).toBe("json");
    expect(variantLabel(p.ns!.anyOf![0]!)).toBe('"default"');
    expect(variantLabel(p.aggregation!.anyOf![1]!)).toBe('{kind: "uwo", …}');
  });

  it("starts from the schema's defaults with a preset's overrides (objects merge, lists replace)", () => {
    const config = presetConfig(schema, { basePolicy: { layers: 3 }, labelNoise: [0.25] });
    expect(config).toEqual({
      name: "bon-study",
      basePolicy: { layers: 3, heads: 4 },
      proxySizes: [{ name: "tiny", layers: 1 }],
      labelNoise: [0.25],
      ns: "default",
      aggregation: "mean",
      verbose: false,
    });
    expect(checkValue(schema, config, "")).toEqual([]);
  });

  it("names every problem at its field path, nested and in lists", () => {
    const config = presetConfig(schema, {});
    (config.basePolicy as Record<string, unknown>).layers = 0;
    config.proxySizes = [
      { name: "tiny", layers: 1 },
      { name: "", layers: 2.5 },
    ];
    config.labelNoise = [0.25, 0.5, 0.25];
    config.name = "Bad Name";
    config.extra = 1;
    expect(checkValue(schema, config, "")).toEqual([
      { path: "extra", message: "unknown field; expected one of name, basePolicy, proxySizes, labelNoise, ns, aggregation, verbose" },
      { path: "name", message: 'expected a text matching ^[a-z0-9][a-z0-9_.-]*$, got "Bad Name"' },
      { path: "basePolicy.layers", message: "expected an integer ≥ 1, got 0" },
      { path: "proxySizes[1].name", message: "expected a non-empty text, got an empty text" },
      { path: "proxySizes[1].layers", message: "expected an integer, got 2.5" },
      { path: "labelNoise[1]", message: "expected a number < 0.5, got 0.5" },
      { path: "labelNoise[2]", message: "duplicate value 0.25; list items must be unique" },
    ]);
    expect(checkValue(schema.properties!.proxySizes!, [{ name: "x" }], "proxySizes")).toEqual([
      { path: "proxySizes[0].layers", message: "required field is missing" },
    ]);
  });

  it("picks the variant a value satisfies and checks variants", () => {
    const ns = schema.properties!.ns!;
    expect(variantIndex(ns.anyOf!, "default")).toBe(0);
    expect(variantIndex(ns.anyOf!, [1, 2])).toBe(1);
    expect(variantIndex(ns.anyOf!, [0])).toBe(1); // a list, though an invalid one
    expect(checkValue(ns, [0], "ns")).toEqual([{ path: "ns[0]", message: "expected an integer ≥ 1, got 0" }]);
    expect(checkValue(ns, 7, "ns")[0]!.message).toBe('expected "default" or list of integer, got 7');
    const agg = schema.properties!.aggregation!;
    expect(checkValue(agg, { kind: "uwo", lambda: 0.5 }, "a")).toEqual([]);
    expect(checkValue(agg, { kind: "uwo" }, "a")).toEqual([{ path: "a.lambda", message: "required field is missing" }]);
    expect(emptyValue(agg.anyOf![1]!)).toEqual({ kind: "uwo" });
  });

  it("adds list items as a copy of the last one, or empty", () => {
    expect(newItem([{ name: "a", layers: 2 }], schema.properties!.proxySizes!.items)).toEqual({ name: "a", layers: 2 });
    expect(newItem([], schema.properties!.proxySizes!.items)).toEqual({});
  });

  it("places the service's messages at the fields they name", () => {
    const message =
      "Invalid config for experiment kind 'bon-study': basePolicy.heads: heads (3) must divide dModel (64); proxySizes[1].layers: expected an integer >= 1, got 0; (config): something general";
    const placed = issuesFromServer(message, ["basePolicy", "basePolicy.heads", "proxySizes", "proxySizes[1]", "proxySizes[1].layers"]);
    expect(placed.fields).toEqual([
      { path: "basePolicy.heads", message: "heads (3) must divide dModel (64)" },
      { path: "proxySizes[1].layers", message: "expected an integer >= 1, got 0" },
    ]);
    expect(placed.general).toEqual(["(config): something general"]);
  });

  it("round-trips a config through YAML and JSON text", () => {
    const config = presetConfig(schema, { labelNoise: [0, 0.25], aggregation: { kind: "uwo", lambda: 0.5 } });
    for (const format of ["yaml", "json"] as const) {
      const parsed = parseConfigText(configToText(config, format));
      expect(parsed).toEqual({ config });
    }
    expect(configToText({ a: { b: 1 } }, "yaml")).toBe("a:\n  b: 1\n");
    expect("error" in parseConfigText("a: [1, 2")).toBe(true);
    expect(parseConfigText("- 1\n- 2")).toEqual({ error: expect.stringContaining("mapping") });
  });

  it("reads and sets values at dotted paths for sweep points", () => {
    const config = { shape: { kind: "tent", height: 1 }, steps: 8 };
    expect(getAt(config, "shape.height")).toBe(1);
    expect(getAt(config, "shape.width")).toBeUndefined();
    const point = withValuesAt(config, { "shape.height": 3, steps: 4 });
    expect(point).toEqual({ shape: { kind: "tent", height: 3 }, steps: 4 });
    expect(config.shape.height).toBe(1);
  });
});
