import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { connectionOf, openDatabase } from "../store.ts";
import { CHUNK_POINTS } from "./packed-series.ts";

describe("packed metric series", () => {
  it("matches a simple model under any sequence of batches: sorted by step, last write wins", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.double({ noNaN: true })), { maxLength: 700 }), {
          minLength: 1,
          maxLength: 8,
        }),
        (batches) => {
          const store = openDatabase(":memory:");
          const run = store.runs.create({ name: "r", seed: 0 });
          const model = new Map<number, number>();
          for (const batch of batches) {
            store.metrics.append(
              run.id,
              batch.map(([step, value]) => ({ step, name: "loss", value })),
            );
            for (const [step, value] of batch) model.set(step, value);
          }
          const expected = [...model.entries()].sort((a, b) => a[0] - b[0]);
          const got = store.metrics.series(run.id, "loss");
          expect([...got.steps]).toEqual(expected.map((e) => e[0]));
          expect([...got.values]).toEqual(expected.map((e) => e[1]));
          store.close();
        },
      ),
      { numRuns: 40 },
    );
  });

  it("packs one-point appends into full chunks", () => {
    const store = openDatabase(":memory:");
    const run = store.runs.create({ name: "r", seed: 0 });
    const total = CHUNK_POINTS * 2 + 5;
    for (let s = 0; s < total; s++) store.metrics.append(run.id, [{ step: s, name: "kl", value: s / 2 }]);
    const chunks = connectionOf(store).prepare("SELECT chunk, n, first_key, last_key FROM metric_chunks ORDER BY chunk").all();
    expect(chunks).toEqual([
      { chunk: 0, n: CHUNK_POINTS, first_key: 0, last_key: CHUNK_POINTS - 1 },
      { chunk: 1, n: CHUNK_POINTS, first_key: CHUNK_POINTS, last_key: 2 * CHUNK_POINTS - 1 },
      { chunk: 2, n: 5, first_key: 2 * CHUNK_POINTS, last_key: total - 1 },
    ]);
    expect(store.metrics.series(run.id, "kl").values[total - 1]).toBe((total - 1) / 2);
    expect(store.metrics.latest(run.id, "kl")).toEqual({ name: "kl", step: total - 1, value: (total - 1) / 2 });
  });
});
