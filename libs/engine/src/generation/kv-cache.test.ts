// The KV-cache decoder against the full forward, on real ONNX Runtime sessions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../ops/all.ts";
import { input } from "../ir/tensor.ts";
import { padTokens } from "../models/batch-tensors.ts";
import { Gpt } from "../models/gpt.ts";
import { maxAbsDiff, randomRows, roughen } from "../models/test-helpers.test-helper.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { createRuntime } from "../runtime/runtime.ts";
import { KvCache } from "./kv-cache.ts";
import { decodeStepProgram, nextTokenProgram } from "./lm-programs.ts";

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 2 });
});
afterAll(async () => {
  await rt.release();
});

describe("KV-cache decode", () => {
  for (const tiedHead of [true, false]) {
    it(`reproduces the full forward's logits at every generated position (tiedHead ${tiedHead})`, async () => {
      const V = 40;
      const model = new Gpt({ vocab: V, maxSeq: 32, dModel: 32, nHeads: 4, nLayers: 2, tiedHead }, { seed: 3 });
      roughen(model.store, 11);
      const promptLengths = [5, 2, 7, 1];
      const prompts = randomRows(1, promptLengths, V);
      const continuation = randomRows(
        2,
        promptLengths.map(() => 6),
        V,
      ); // teacher-forced new tokens
      const params = model.store.feeds();

      // Reference: each full row (prompt + continuation) alone, no padding, no mask.
      const ids = input("ids", "int64", [1, "seq"]);
      const full = await rt.session({ outputs: { logits: model.logits(ids) } });
      const reference = await Promise.all(
        prompts.map(async (p, b) => {
          const row = [...p, ...continuation[b]!];
          const out = await full.run({ ...params, ids: { dtype: "int64", shape: [1, row.length], data: BigInt64Array.from(row, BigInt) } });
          return out.logits!.data as Float32Array; // (1, T, V)
        }),
      );

      const prefill = await rt.session(nextTokenProgram(model, { withCache: true }));
      const decode = await rt.session(decodeStepProgram(model));
      const padded = padTokens(prompts, 0, "left");
      const B = prompts.length;
      const P = padded.ids.shape[1]!;
      let out = await prefill.run({ ...params, ids: padded.ids, mask: padded.mask });
      const cache = new KvCache(B, 2, 4, 8, P + 6 + 3); // spare capacity: unfilled slots must be masked out
      cache.append(out, padded.mask.data as Uint8Array, P);
      let worst = 0;
      for (let step = 0; step <= 6; step++) {
        const logits = out.logits!.data as Float32Array; // (B, V)
        for (let b = 0; b < B; b++) {
          const pos = promptLengths[b]! - 1 + step; // position in the unpadded row
          worst = Math.max(worst, maxAbsDiff(logits.subarray(b * V, (b + 1) * V), reference[b]!.subarray(pos * V, (pos + 1) * V)));
        }
        if (step === 6) break;
        const ids = { dtype: "int64" as const, shape: [B, 1], data: BigInt64Array.from(continuation, (c) => BigInt(c[step]!)) };
        out = await decode.run({ ...params, ids, ...cache.feeds() });
        cache.append(out, new Uint8Array(B).fill(1), 1);
      }
      // The reference logits vary by O(1) across the vocabulary, so 1e-4 is a real bound.
      const spread = Math.max(...reference[0]!.subarray(0, V)) - Math.min(...reference[0]!.subarray(0, V));
      expect(spread).toBeGreaterThan(1);
      expect(worst).toBeLessThanOrEqual(1e-4);
    });
  }
});

describe("KvCache.select", () => {
  it("keeps the chosen rows' keys, values and mask, in the given order", () => {
    const cache = new KvCache(3, 2, 2, 4, 5);
    const outputs: Record<string, { dtype: "float32"; shape: number[]; data: Float32Array }> = {};
    for (let l = 0; l < 2; l++)
      for (const kind of ["k", "v"])
        outputs[`present.${kind}.${l}`] = {
          dtype: "float32",
          shape: [3, 2, 2, 4],
          data: Float32Array.from({ length: 3 * 2 * 2 * 4 }, (_, i) => i + 100 * l + (kind === "v" ? 1000 : 0)),
        };
    cache.append(outputs, Uint8Array.from([1, 1, 0, 1, 1, 0]), 2);
    const picked = cache.select([2, 0]);
    expect(picked.batch).toBe(2);
    expect(picked.length).toBe(2);
    const stride = 2 * 5 * 4;
    for (let l = 0; l < 2; l++)
      [2, 0].forEach((r, i) => {
        expect(picked.keys[l]!.subarray(i * stride, (i + 1) * stride)).toEqual(cache.keys[l]!.subarray(r * stride, (r + 1) * stride));
        expect(picked.values[l]!.subarray(i * stride, (i + 1) * stride)).toEqual(cache.values[l]!.subarray(r * stride, (r + 1) * stride));
      });
    expect([...picked.mask]).toEqual([1, 0, 0, 0, 0, 1, 1, 0, 0, 0]);
  });
});
