/**
 * Presets of the dataset task. `hh-rlhf-bon` suits Anthropic HH-RLHF style pairwise data (the
 * harmless-base test file in fixtures/ has 2,312 pairs): byte-level tokens, prompts cut to their
 * last 128 bytes and responses to their first 64, a 2-layer SFT policy, a 2-layer d64 gold and
 * 1-layer proxies on 250/500/1000 comparisons with 0 and 25% label noise. Sized for a 2-core CPU
 * well within ten minutes (measured: 95 s wall, 144 CPU-s, on a lightly loaded 2-core machine;
 * docs/dataset-studies.md); `test` is the same study small enough for a unit test.
 */
import type { DatasetBonConfig } from "./study.ts";

export function hhRlhfBonPreset(datasetId: number, size: "full" | "test" = "full"): DatasetBonConfig {
  const full: DatasetBonConfig = {
    name: "hh-rlhf-bon",
    datasetId,
    seed: 0,
    heldOutFraction: 0.15,
    maxPromptTokens: 128,
    maxResponseTokens: 64,
    policy: { layers: 2, dModel: 64, heads: 4, steps: 300, batchSize: 16, lr: 3e-3 },
    gold: { name: "gold-2x64", layers: 2, dModel: 64, heads: 4, epochs: 3 },
    proxies: {
      sizes: [{ name: "1x32", layers: 1, dModel: 32, heads: 2 }],
      trainingSizes: [250, 500, 1000],
      labelNoise: [0, 0.25],
      seeds: [0],
      epochs: 3,
    },
    bon: { poolSize: 32, ns: [1, 2, 4, 8, 16, 32], evalPrompts: 32 },
    rmTraining: { batchSize: 32, lr: 3e-3 },
  };
  if (size === "full") return full;
  return {
    ...full,
    name: "hh-rlhf-bon-test",
    maxPromptTokens: 64,
    maxResponseTokens: 32,
    policy: { ...full.policy, layers: 1, dModel: 32, heads: 2, steps: 40 },
    gold: { ...full.gold, name: "gold-1x48", layers: 1, dModel: 48, heads: 2, epochs: 2 },
    proxies: { ...full.proxies, trainingSizes: [200, 800], labelNoise: [0], epochs: 2 },
    bon: { poolSize: 8, ns: [1, 2, 4, 8], evalPrompts: 8 },
  };
}
