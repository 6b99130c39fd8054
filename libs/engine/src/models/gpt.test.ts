// Gpt forward details: padding invariance of the LM, dropout only under a seed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../ops/all.ts";
import { input } from "../ir/tensor.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { createRuntime } from "../runtime/runtime.ts";
import { padTokens } from "./batch-tensors.ts";
import { Gpt } from "./gpt.ts";
import { maxAbsDiff, randomRows, roughen } from "./test-helpers.test-helper.ts";

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 2 });
});
afterAll(async () => {
  await rt.release();
});

const V = 24;
const config = { vocab: V, maxSeq: 16, dModel: 16, nHeads: 2, nLayers: 2 };
const rows = randomRows(6, [3, 6, 5], V);

describe("Gpt", () => {
  it("gives each real token the same logits under left and right padding", async () => {
    const model = new Gpt(config, { seed: 2 });
    roughen(model.store, 3);
    const ids = input("ids", "int64", ["batch", "seq"]);
    const mask = input("mask", "bool", ["batch", "seq"]);
    const s = await rt.session({ outputs: { logits: model.logits(ids, { mask }) } });
    const run = async (side: "left" | "right") => {
      const b = padTokens(rows, 0, side, 8);
      return (await s.run({ ...model.store.feeds(), ids: b.ids, mask: b.mask })).logits!.data as Float32Array; // (3, 8, V)
    };
    const left = await run("left");
    const right = await run("right");
    let worst = 0;
    rows.forEach((r, b) => {
      for (let t = 0; t < r.length; t++) {
        const l = left.subarray((b * 8 + 8 - r.length + t) * V, (b * 8 + 8 - r.length + t + 1) * V);
        worst = Math.max(worst, maxAbsDiff(l, right.subarray((b * 8 + t) * V, (b * 8 + t + 1) * V)));
      }
    });
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it("applies dropout only with a seed: same seed same mask, new seed new mask", async () => {
    const withDrop = new Gpt({ ...config, dropout: 0.3 }, { seed: 4 });
    const plain = new Gpt(config, { seed: 4 }); // same names and seed, so the same weights
    const ids = input("ids", "int64", [3, 6]);
    const seed = input("seed", "int64", []);
    const s = await rt.session({ outputs: { train: withDrop.logits(ids, { dropoutSeed: seed }), infer: withDrop.logits(ids) } });
    const sPlain = await rt.session({ outputs: { plain: plain.logits(ids) } });
    const feeds = (k: number) => ({
      ...withDrop.store.feeds(),
      ids: {
        dtype: "int64" as const,
        shape: [3, 6],
        data: BigInt64Array.from(
          rows.flatMap((r) => r.slice(0, 3).concat(r.slice(0, 3))),
          BigInt,
        ),
      },
      seed: { dtype: "int64" as const, shape: [], data: BigInt64Array.of(BigInt(k)) },
    });
    const a = await s.run(feeds(1));
    const b = await s.run(feeds(1));
    const c = await s.run(feeds(2));
    const data = (o: typeof a, k: string) => o[k]!.data as Float32Array;
    const { seed: _unused, ...plainFeeds } = feeds(1);
    expect(data(a, "infer")).toEqual(data(await sPlain.run({ ...plainFeeds, ...plain.store.feeds() }), "plain"));
    expect(data(b, "train")).toEqual(data(a, "train"));
    expect(maxAbsDiff(data(a, "train"), data(a, "infer"))).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(data(c, "train"), data(a, "train"))).toBeGreaterThan(1e-3);
    expect(() => new Gpt({ ...config, dropout: 1 })).toThrow(/dropout must be in \[0, 1\)/);
  });
});

describe("Gpt.clone", () => {
  it("copies weights under a new prefix so policy and reference share one graph", async () => {
    const policy = new Gpt(config, { seed: 8 });
    roughen(policy.store, 9);
    const reference = policy.clone({ prefix: "ref." });
    expect(reference.parameterNames[0]).toBe("ref.tok.weight");
    expect(reference.store).not.toBe(policy.store);
    const ids = input("ids", "int64", [1, 5]);
    const lp = policy.logits(ids).logSoftmax(-1);
    const lr = reference.logits(ids).logSoftmax(-1);
    const s = await rt.session({ outputs: { kl: lp.exp().mul(lp.sub(lr)).sum(), lp } });
    const feeds = {
      ...policy.store.feeds(),
      ...reference.store.feeds(),
      ids: { dtype: "int64" as const, shape: [1, 5], data: BigInt64Array.from([1, 2, 3, 4, 5], BigInt) },
    };
    expect(Math.abs(Number((await s.run(feeds)).kl!.data[0]))).toBeLessThan(1e-6);
    policy.store.set(
      "tok.weight",
      policy.store.get("tok.weight").value.map((x) => x * 2),
    ); // the copy is independent
    expect(Number((await s.run({ ...feeds, ...policy.store.feeds() })).kl!.data[0])).toBeGreaterThan(1e-3);
  });
});
