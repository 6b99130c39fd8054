// scatter_add (the embedding gradient) against a float64 host sum, on both of its formulations
// (vocabulary-wide one-hot for small tables, distinct-row one-hot above the threshold), and its
// bitwise repeatability with 2 threads on a batch large enough that ScatterND's add raced.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/index.ts";
import { ONE_HOT_SCATTER_MAX_ROWS, createRng, createRuntime, hostTensor, input, scatterAdd, zeros } from "../src/index.ts";

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 2 });
});
afterAll(async () => {
  await rt.release();
});

const small = 40;
const large = ONE_HOT_SCATTER_MAX_ROWS + 977;

describe("scatter_add", () => {
  for (const rows of [small, large]) {
    it(`adds repeated rows exactly like a host loop (${rows} table rows, rank-3 updates, nonzero base)`, async () => {
      const rng = createRng(rows);
      const [A, B, R1, R2] = [3, 5, 2, 3];
      const base = Float64Array.from({ length: rows * R1 * R2 }, () => rng.normal());
      const ids = BigInt64Array.from({ length: A * B }, (_, i) => BigInt(i % 4 === 0 ? 7 : Math.floor(rng.uniform() * rows))); // row 7 repeats
      const upd = Float64Array.from({ length: A * B * R1 * R2 }, () => rng.normal());
      const out = scatterAdd(
        input("base", "float64", [rows, R1, R2]),
        input("ids", "int64", [A, B]),
        input("upd", "float64", [A, B, R1, R2]),
      );
      const s = await rt.session({ outputs: { out } });
      const got = (
        await s.run({ base: hostTensor(base, [rows, R1, R2]), ids: hostTensor(ids, [A, B]), upd: hostTensor(upd, [A, B, R1, R2]) })
      ).out!.data as Float64Array;
      const want = Float64Array.from(base);
      const R = R1 * R2;
      ids.forEach((id, n) => {
        for (let r = 0; r < R; r++) want[Number(id) * R + r]! += upd[n * R + r]!;
      });
      let maxErr = 0;
      for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i]! - want[i]!));
      expect(maxErr).toBeLessThan(1e-12);
    });

    it(`gives the same bytes on every run with 2 threads (${rows} rows, 2048 updates of width 256, 13 distinct ids)`, async () => {
      const N = 2048;
      const C = 256;
      const out = scatterAdd(zeros([rows, C]), input("ids", "int64", [N]), input("upd", "float32", [N, C]));
      const s = await rt.session({ outputs: { out } });
      const ids = BigInt64Array.from({ length: N }, (_, i) => BigInt((i * 7919) % 13));
      const upd = Float32Array.from({ length: N * C }, (_, i) => Math.cos(i) + 1e-3 * Math.sin(i * 1.37));
      const hashes = new Set<string>();
      for (let r = 0; r < 12; r++) {
        const o = await s.run({ ids: hostTensor(ids, [N]), upd: hostTensor(upd, [N, C]) });
        hashes.add(
          createHash("sha256")
            .update(o.out!.data as Float32Array)
            .digest("hex"),
        );
      }
      expect(hashes.size).toBe(1);
    });
  }
});
