/**
 * Evidence that the built-in task shows Coste et al.'s ensemble effect with a simple proxy: with 25%
 * label noise, best-of-n against the worst case (WCO) of k = 5 normalised bag-of-words members loses
 * less gold at large n than best-of-n against a single member, and so does UWO (lambda 0.5).
 * (Test oracle detail: these convex members would be identical if trained on the same data, so each
 * is fitted on a bootstrap resample of the one labelled set; the lab's transformer members differ
 * by seed and data order instead.)
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "@goodhart/engine";
import { createTask } from "../src/task/task.ts";
import { labelByGold } from "../src/labels.ts";
import { bestOfNCurve } from "../src/bon/estimator.ts";
import { aggregate, applyNormalisation, fitNormalisation, UWO_LAMBDA, type Aggregation } from "../src/ensemble.ts";
import { BowFeatures, fitBradleyTerry, score, type Comparison } from "./bow-proxy.ts";

const K = 5;
const POOL = 512;
const SEEDS = [1, 2, 3];

function lastGoldGains(seed: number) {
  const task = createTask(1, { prompts: { train: 2000, validation: 0, test: 80 } });
  const rng = new Rng(seed).fork("ensemble-study");
  const features = new BowFeatures();
  const pairs: [Map<number, number>, Map<number, number>][] = [];
  const goldA: number[] = [];
  const goldB: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const prompt = task.prompts.train[rng.int(0, task.prompts.train.length)];
    const a = task.sampleCompletion(rng, prompt);
    const b = task.sampleCompletion(rng, prompt);
    pairs.push([features.vector(prompt, a, true), features.vector(prompt, b, true)]);
    goldA.push(task.gold(prompt, a).total);
    goldB.push(task.gold(prompt, b).total);
  }
  const { labels } = labelByGold(goldA, goldB, rng.fork("label-noise"), { noise: 0.25 });
  const comparisons: Comparison[] = labels.map((l) => ({ chosen: pairs[l.pair][l.chosen], rejected: pairs[l.pair][1 - l.chosen] }));
  const members = Array.from({ length: K }, (_, m) => {
    const r = rng.fork(`member-${m}`);
    return fitBradleyTerry(
      comparisons.map(() => comparisons[r.int(0, comparisons.length)]),
      features.size,
    );
  });
  const evalRng = new Rng("ensemble-eval-pools");
  const raw = task.prompts.test.map((prompt) => {
    const scores = members.map(() => new Float64Array(POOL));
    const gold = new Float64Array(POOL);
    for (let j = 0; j < POOL; j++) {
      const c = task.sampleCompletion(evalRng, prompt);
      const v = features.vector(prompt, c, false);
      members.forEach((w, m) => (scores[m][j] = score(w, v)));
      gold[j] = task.gold(prompt, c).total;
    }
    return { scores, gold };
  });
  // Normalise each member on the base policy's samples (mean 0, std 1), as the paper does.
  const norm = fitNormalisation(members.map((_, m) => Float64Array.from(raw.flatMap((r) => Array.from(r.scores[m])))));
  const curveFor = (pick: (z: Float64Array[]) => Float64Array) =>
    bestOfNCurve(raw.map((r) => ({ proxy: pick(applyNormalisation(r.scores, norm)), gold: r.gold })));
  const by = (a: Aggregation) => curveFor((z) => aggregate(z, a));
  const single = curveFor((z) => z[0]);
  const wco = by({ kind: "wco" });
  const uwo = by({ kind: "uwo", lambda: UWO_LAMBDA.bon });
  const last = single.length - 1;
  return {
    single: single[last].goldGain,
    wco: wco[last].goldGain,
    uwo: uwo[last].goldGain,
    singlePeak: Math.max(...single.map((p) => p.goldGain)),
    wcoPeak: Math.max(...wco.map((p) => p.goldGain)),
  };
}

describe("built-in task: conservative ensemble objectives under label noise", () => {
  let results: ReturnType<typeof lastGoldGains>[] = [];
  beforeAll(() => {
    results = SEEDS.map(lastGoldGains);
  }, 300_000);
  const mean = (key: keyof (typeof results)[number]) => results.reduce((acc, r) => acc + r[key], 0) / results.length;

  it("WCO and UWO lose less gold than a single member at the largest n", () => {
    expect(mean("wco")).toBeGreaterThan(mean("single") + 0.15);
    expect(mean("uwo")).toBeGreaterThan(mean("single") + 0.15);
    for (const r of results) {
      expect(r.wco).toBeGreaterThan(r.single);
      expect(r.uwo).toBeGreaterThan(r.single);
    }
  });

  it("WCO also reaches a higher gold peak than a single member", () => {
    expect(mean("wcoPeak")).toBeGreaterThan(mean("singlePeak"));
  });
});
