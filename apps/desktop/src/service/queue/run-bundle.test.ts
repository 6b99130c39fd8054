import { describe, expect, it } from "vitest";
import type { RunSink } from "../runs/run-executor.ts";
import { BUNDLE_FORMAT, type RunBundle, bundleHash, decodeBundle, encodeBundle, replayBundle } from "./run-bundle.ts";

function bundle(): RunBundle {
  return {
    format: BUNDLE_FORMAT,
    point: { lab: "abc", runId: 7, key: "p1", kind: "diagnostic.counter", seed: 3, config: { steps: 2 } },
    status: "done",
    error: null,
    metrics: [
      { step: 1, name: "loss", value: 0.1 + 0.2 },
      { step: 2, name: "loss", value: Number.NaN },
    ],
    curves: [[{ series: "s", x: 1, xKind: "n", kl: 0, klEstimator: "analytic-bon", proxyScore: -0, goldScore: Number.POSITIVE_INFINITY }]],
    fits: [],
    labelSets: [],
    samples: [],
    models: [{ shared: true, model: { name: "base-policy", kind: "policy", path: "/cache/base", config: {} } }],
    ownResult: { perPrompt: Float64Array.of(1 / 3, Number.NaN), acc: 5 },
    jobResult: null,
    execution: { worker: "w1@h", attempts: 1, startedAt: "t0", endedAt: "t1", resumedFromStep: null },
  };
}

describe("run bundles", () => {
  it("round-trip NaN, infinities, -0 and typed arrays bit for bit", () => {
    const decoded = decodeBundle(encodeBundle(bundle()));
    expect(decoded).toStrictEqual(bundle());
    expect(Object.is(decoded.curves[0]![0]!.proxyScore, -0)).toBe(true);
    expect(decoded.ownResult!.perPrompt).toBeInstanceOf(Float64Array);
  });

  it("hash what the run produced, not who ran it or when", () => {
    const a = bundle();
    const b = { ...bundle(), execution: { worker: "w2@other", attempts: 2, startedAt: "x", endedAt: "y", resumedFromStep: 4 } };
    expect(bundleHash(a)).toBe(bundleHash(b));
    expect(bundleHash(a)).not.toBe(bundleHash({ ...bundle(), metrics: [{ step: 1, name: "loss", value: 0.3 }] }));
  });

  it("refuse malformed bundles naming the field", () => {
    expect(() => decodeBundle("{")).toThrow(/not JSON/);
    expect(() => decodeBundle(JSON.stringify({ format: "x" }))).toThrow(/bundle\.format/);
    const text = encodeBundle(bundle());
    expect(() => decodeBundle(text.replace('"status":"done"', '"status":"maybe"'))).toThrow(/bundle\.status/);
    expect(() => decodeBundle(text.replace('"step":2', '"step":"two"'))).toThrow(/bundle\.metrics\[1\]/);
  });

  it("replay into a sink in the order a local job reports, ending the run last", () => {
    const calls: string[] = [];
    const sink = new Proxy({} as RunSink, {
      get:
        (_t, name) =>
        (...args: unknown[]) =>
          calls.push(`${String(name)}:${String(args[0])}`),
    });
    replayBundle(decodeBundle(encodeBundle(bundle())), sink, { runId: 7, key: "p1" }, { begun: false });
    expect(calls).toEqual(["started:7", "metrics:7", "curve:7", "model:null", "runResult:7", "finished:7"]);
  });
});
