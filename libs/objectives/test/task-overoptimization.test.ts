/**
 * Evidence that the built-in task overoptimizes: a simple proxy learned from a few hundred noisy
 * comparisons, used for best-of-n selection on the true generator's samples, keeps rising while gold
 * rises, then falls; the gap grows with n; more comparisons give higher gold at the largest n.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "@goodhart/engine";
import { createTask, type BuiltinTask } from "../src/task/task.ts";
import { labelByGold } from "../src/labels.ts";
import { bestOfNCurve, type BonCurvePoint } from "../src/bon/estimator.ts";
import { fitOveroptimization } from "../src/fits.ts";
import { BowFeatures, fitBradleyTerry, score } from "./bow-proxy.ts";

const POOL = 512;
const TEST_PROMPTS = 100;
const SEEDS = [1, 2, 3];

/** Trains the bag-of-words proxy on `comparisons` noisy gold comparisons from train prompts. */
function trainProxy(task: BuiltinTask, comparisons: number, noise: number, seed: number) {
  const rng = new Rng(seed).fork(`proxy-${comparisons}`);
  const features = new BowFeatures();
  const pairs: [Map<number, number>, Map<number, number>][] = [];
  const goldA: number[] = [];
  const goldB: number[] = [];
  for (let i = 0; i < comparisons; i++) {
    const prompt = task.prompts.train[rng.int(0, task.prompts.train.length)];
    const a = task.sampleCompletion(rng, prompt);
    const b = task.sampleCompletion(rng, prompt);
    pairs.push([features.vector(prompt, a, true), features.vector(prompt, b, true)]);
    goldA.push(task.gold(prompt, a).total);
    goldB.push(task.gold(prompt, b).total);
  }
  const { labels } = labelByGold(goldA, goldB, rng.fork("label-noise"), { noise });
  const w = fitBradleyTerry(
    labels.map((l) => ({ chosen: pairs[l.pair][l.chosen], rejected: pairs[l.pair][1 - l.chosen] })),
    features.size,
  );
  return { features, w };
}

/** Best-of-n curve on test prompts; proxy and gold in units of their std under the generator. */
function bonCurve(task: BuiltinTask, proxy: ReturnType<typeof trainProxy>): BonCurvePoint[] {
  const rng = new Rng("bon-eval-pools");
  const pools = task.prompts.test.slice(0, TEST_PROMPTS).map((prompt) => {
    const p = new Float64Array(POOL);
    const g = new Float64Array(POOL);
    for (let j = 0; j < POOL; j++) {
      const c = task.sampleCompletion(rng, prompt);
      p[j] = score(proxy.w, proxy.features.vector(prompt, c, false));
      g[j] = task.gold(prompt, c).total;
    }
    return { proxy: p, gold: g };
  });
  const std = (key: "proxy" | "gold") => {
    const xs = pools.flatMap((pool) => Array.from(pool[key]));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  };
  const sp = std("proxy");
  const sg = std("gold");
  return bestOfNCurve(pools.map((pool) => ({ proxy: pool.proxy.map((x) => x / sp), gold: pool.gold.map((x) => x / sg) })));
}

function averageCurves(curves: BonCurvePoint[][]): { n: number; d: number; gold: number; proxy: number }[] {
  return curves[0].map((point, k) => ({
    n: point.n,
    d: point.d,
    gold: curves.reduce((acc, c) => acc + c[k].goldGain, 0) / curves.length,
    proxy: curves.reduce((acc, c) => acc + c[k].proxyGain, 0) / curves.length,
  }));
}

describe("built-in task: best-of-n against a proxy from noisy comparisons", () => {
  const task = createTask(1, { prompts: { train: 2000, validation: 0, test: TEST_PROMPTS } });
  let few: BonCurvePoint[][] = [];
  let many: BonCurvePoint[][] = [];
  beforeAll(() => {
    few = SEEDS.map((seed) => bonCurve(task, trainProxy(task, 200, 0.25, seed)));
    many = SEEDS.map((seed) => bonCurve(task, trainProxy(task, 3000, 0.25, seed)));
  }, 300_000);

  it("proxy rises monotonically with n while the gap proxy - gold grows", () => {
    for (const curve of [...few, ...many]) {
      for (let k = 1; k < curve.length; k++) {
        expect(curve[k].proxyGain).toBeGreaterThan(curve[k - 1].proxyGain);
        const gap = (p: BonCurvePoint) => p.proxyGain - p.goldGain;
        expect(gap(curve[k])).toBeGreaterThan(gap(curve[k - 1]));
      }
    }
  });

  it("gold rises, peaks before the largest n, then falls well below its peak", () => {
    for (const curves of [few, many]) {
      const avg = averageCurves(curves);
      const peak = avg.reduce((best, p) => (p.gold > best.gold ? p : best));
      const last = avg[avg.length - 1];
      expect(avg[1].gold).toBeGreaterThan(0); // best-of-2 helps
      expect(peak.n).toBeLessThan(POOL / 8);
      expect(last.gold).toBeLessThan(peak.gold - 0.5);
      expect(last.proxy).toBeGreaterThan(2);
    }
  });

  it("more comparisons give higher gold at the largest n and a higher peak", () => {
    const a = averageCurves(few);
    const b = averageCurves(many);
    expect(b[b.length - 1].gold).toBeGreaterThan(a[a.length - 1].gold + 0.25);
    expect(Math.max(...b.map((p) => p.gold))).toBeGreaterThan(Math.max(...a.map((p) => p.gold)) + 0.05);
  });

  it("the best-of-n scaling law fits the gold curve with a peak inside the measured range", () => {
    const avg = averageCurves(many);
    const fit = fitOveroptimization(
      "bon",
      avg.map((p) => p.d),
      avg.map((p) => p.gold),
    );
    expect(fit.b).toBeGreaterThan(0);
    expect(fit.peak).not.toBeNull();
    expect(fit.peak!.d).toBeGreaterThan(0);
    expect(fit.peak!.d).toBeLessThan(avg[avg.length - 1].d);
    expect(fit.r2).toBeGreaterThan(0.8);
  });
});
