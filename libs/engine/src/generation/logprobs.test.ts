// logprobs() at a sampling temperature equals a host log-softmax of logits / T from the full forward.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../ops/all.ts";
import { input } from "../ir/tensor.ts";
import { Gpt } from "../models/gpt.ts";
import { randomRows, roughen } from "../models/test-helpers.test-helper.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { createRuntime } from "../runtime/runtime.ts";
import { logprobs } from "./logprobs.ts";

let rt: Runtime;
const V = 30;
const model = new Gpt({ vocab: V, maxSeq: 32, dModel: 32, nHeads: 4, nLayers: 1 }, { seed: 8 });
roughen(model.store, 4, 0.3);
const prompts = randomRows(6, [3, 1, 5], V);
const completions = randomRows(7, [4, 6, 2], V);

beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 1 });
});
afterAll(async () => {
  await rt.release();
});

describe("logprobs at a temperature", () => {
  for (const temperature of [1, 0.6, 1.7]) {
    it(`scores each completion token with log_softmax(logits / ${temperature})`, async () => {
      const ids = input("ids", "int64", [1, "seq"]);
      const forward = await rt.session({ outputs: { logits: model.logits(ids) } });
      const got = await logprobs(rt, model, prompts, completions, { temperature, batchSize: 2 });
      for (let r = 0; r < prompts.length; r++) {
        const row = [...prompts[r]!, ...completions[r]!];
        const logits = (
          await forward.run({
            ...model.store.feeds(),
            ids: { dtype: "int64", shape: [1, row.length], data: BigInt64Array.from(row, BigInt) },
          })
        ).logits!.data as Float32Array;
        completions[r]!.forEach((token, j) => {
          const t = prompts[r]!.length - 1 + j; // logits at t predict row[t + 1]
          const scaled = Array.from(logits.slice(t * V, (t + 1) * V), (x) => x / temperature);
          const max = Math.max(...scaled);
          const lse = max + Math.log(scaled.reduce((s, x) => s + Math.exp(x - max), 0));
          expect(got.tokens[r]![j]).toBeCloseTo(scaled[token]! - lse, 4);
        });
        expect(got.sums[r]).toBeCloseTo(
          got.tokens[r]!.reduce((s, x) => s + x, 0),
          5,
        );
      }
    });
  }
});
