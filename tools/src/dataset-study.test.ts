import { describe, expect, it } from "vitest";
import { runHhRlhfBon } from "../bench/dataset.ts";

// The dataset task end to end at test size on the HH-RLHF harmless fixture: imported by the
// storage importer, split, an SFT policy, a gold RM on all training labels, proxies on subsets,
// best-of-n curves. About a minute on 2 cores.
describe("best-of-n on an imported dataset (hh-rlhf-bon, test size)", () => {
  it("gold beats chance on held-out labels, proxy rises with n, and every run names the dataset", async () => {
    const { result, sink } = await runHhRlhfBon("test");
    expect(result.splits.train + result.splits.heldOut).toBe(2312);
    expect(result.splits.heldOut).toBeGreaterThan(200);
    // Above chance: more than 1.64 binomial standard errors above 0.5 (one-sided 5%).
    const se = Math.sqrt(0.25 / result.splits.heldOut);
    expect(result.gold.validationAccuracy).toBeGreaterThan(0.5 + 1.64 * se);
    expect(result.runs).toHaveLength(2);
    for (const run of result.runs) {
      const proxy = run.curve.map((p) => p.proxyGain);
      expect(run.curve.map((p) => p.n)).toEqual([1, 2, 4, 8]);
      for (let i = 1; i < proxy.length; i++) expect(proxy[i]!).toBeGreaterThan(proxy[i - 1]!);
    }
    // The proxy on more comparisons agrees more with gold.
    const [small, large] = [...result.runs].sort((a, b) => a.trainingSize - b.trainingSize);
    expect(large!.goldAgreement).toBeGreaterThan(small!.goldAgreement);
    // Stored curves carry the dataset's id through their run's config.
    expect(sink.runs).toHaveLength(2);
    for (const r of sink.runs) {
      expect(r.status).toBe("done");
      expect(r.config.task).toEqual({ kind: "dataset", datasetId: result.datasetId });
      expect(r.curves.length).toBe(4);
    }
  }, 600_000);
});
