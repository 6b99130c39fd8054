// Agreement-based gold's data side on handmade multi-annotator sets: which labels each side trains
// on, agreement against a hand count, and the refusals. The study itself on the PandaLM fixture is
// gold-panel-study.test.ts.
import { describe, expect, it } from "vitest";
import type { ConfigIssue } from "../../config/validate.ts";
import { bonStudySchema } from "../../kinds/bon-study/schema.ts";
import { daaStudySchema } from "../../kinds/daa/schema.ts";
import { rlStudySchema } from "../../kinds/rl/schema.ts";
import { checkPanelSpec, humanCeiling, majority, rewardModelPanelAgreement, splitByPanel } from "./annotator-panel.ts";
import type { Judgment, LabelledExample } from "./pairs.ts";

type Vote = "a" | "b" | "tie";

/** A pair whose annotators x, y, z (or those given) voted as listed; `split` pins its side. */
function pair(id: number, votes: Record<string, Vote>, split: "train" | "test"): LabelledExample {
  const judgments: Judgment[] = Object.entries(votes).map(([annotator, preferred]) => ({ annotator, preferred }));
  return { id, prompt: `prompt ${id}`, responseA: `A${id}`, responseB: `B${id}`, preferred: judgments[0]!.preferred, split, judgments };
}

// Training side: z often disagrees with x and y, so its labels are recognisable wherever they land.
const training = [
  pair(1, { x: "a", y: "a", z: "b" }, "train"), // proxies a, gold b
  pair(2, { x: "b", y: "b", z: "a" }, "train"), // proxies b, gold a
  pair(3, { x: "a", y: "b", z: "a" }, "train"), // proxies: no majority; gold a
  pair(4, { x: "a", y: "tie", z: "b" }, "train"), // proxies a (a tie vote counts for neither); gold b
  pair(5, { x: "a", y: "a" }, "train"), // proxies a; z did not label it
];
// Held-out side: the training annotators' majority agrees with z on 11, 12, 14, 15, not on 13.
const heldOut = [
  pair(11, { x: "a", y: "a", z: "a" }, "test"),
  pair(12, { x: "b", y: "b", z: "b" }, "test"),
  pair(13, { x: "a", y: "a", z: "b" }, "test"),
  pair(14, { x: "b", y: "b", z: "b" }, "test"),
  pair(15, { x: "a", y: "a", z: "a" }, "test"),
  pair(16, { x: "a", y: "b", z: "a" }, "test"), // no majority among x and y: not an evaluation pair
];
const options = { seed: 0, heldOutFraction: 0.2, datasetId: 9 };

describe("agreement-based gold: the split", () => {
  it("trains the proxies on the other annotators' majority only and gold on the panel's labels only", () => {
    const s = splitByPanel([...training, ...heldOut], { ...options, panel: { annotators: ["z"] } });
    // Each side's comparisons, as (id, chosen): x/y's majority for the proxies, z's for gold.
    expect(s.train.map((p) => [p.id, p.chosen])).toEqual([
      [1, "A1"],
      [2, "B2"],
      [4, "A4"],
      [5, "A5"],
    ]);
    expect(s.goldTrain.map((p) => [p.id, p.chosen])).toEqual([
      [1, "B1"],
      [2, "A2"],
      [3, "A3"],
      [4, "B4"],
    ]);
    // Where z disagreed with x and y, the proxies got the opposite of z's label: none of z's labels reached them.
    for (const id of [1, 2, 4]) {
      expect(s.train.find((p) => p.id === id)!.chosen).toBe(s.goldTrain.find((p) => p.id === id)!.rejected);
    }
    // Held out: the pairs both sides label, the panel's choice first; no held-out prompt is trained on.
    expect(s.heldOut.map((p) => [p.id, p.chosen])).toEqual([
      [11, "A11"],
      [12, "B12"],
      [13, "B13"],
      [14, "B14"],
      [15, "A15"],
    ]);
    expect(s.panelPrefersA).toEqual([true, false, false, false, true]);
    expect(s.trainingPrefersA).toEqual([true, false, true, false, true]);
    const trained = new Set([...s.train, ...s.goldTrain].map((p) => p.prompt));
    expect(s.heldOut.some((p) => trained.has(p.prompt))).toBe(false);
    expect(s.evalPrompts.sort()).toEqual(s.heldOut.map((p) => p.prompt).sort());
    expect(s).toMatchObject({ panel: ["z"], multiAnnotated: 11, dropped: 1 });
  });

  it("draws a per-pair panel from the seed and the example, never giving the drawn annotator's label to the proxies", () => {
    // Per pair two annotators vote a and one votes b. Drawing the b-voter leaves the proxies a
    // 2-0 majority for a; drawing an a-voter leaves them a 1-1 tie (no label) and gold a.
    const examples = Array.from({ length: 60 }, (_, i) =>
      pair(i + 1, { [`p${i}-a1`]: "a", [`p${i}-b`]: "b", [`p${i}-a2`]: "a" }, i < 50 ? "train" : "test"),
    );
    const s = splitByPanel(examples, { ...options, panel: { perPair: 1 } });
    const gold = new Map(s.goldTrain.map((p) => [p.id, p.chosen]));
    expect(s.goldTrain).toHaveLength(50);
    for (const p of s.train) {
      expect(p.chosen).toBe(`A${p.id}`);
      expect(gold.get(p.id)).toBe(`B${p.id}`);
    }
    // About a third of the draws pick the b-voter.
    expect(s.train.length).toBeGreaterThan(8);
    expect(s.train.length).toBeLessThan(28);
    // One drawn annotator per pair (60 pairs), some b-voters and some a-voters.
    expect(s.panel).toHaveLength(60);
    expect(s.panel.some((a) => a.endsWith("-b")) && s.panel.some((a) => /-a[12]$/.test(a))).toBe(true);
    // Seeded: the same draw whatever the row order; another seed, another draw.
    const again = splitByPanel([...examples].reverse(), { ...options, panel: { perPair: 1 } });
    expect(new Set(again.train.map((p) => p.id))).toEqual(new Set(s.train.map((p) => p.id)));
    const other = splitByPanel(examples, { ...options, seed: 1, panel: { perPair: 1 } });
    expect(new Set(other.train.map((p) => p.id))).not.toEqual(new Set(s.train.map((p) => p.id)));
  });

  it("takes the strict majority of a/b votes; ties and tie votes give none", () => {
    const j = (...v: Vote[]) => v.map((preferred, k) => ({ annotator: `r${k}`, preferred }));
    expect(majority(j("a", "a", "b"))).toBe("a");
    expect(majority(j("b", "tie"))).toBe("b");
    expect(majority(j("a", "b"))).toBeUndefined();
    expect(majority(j("tie", "tie"))).toBeUndefined();
    expect(majority([])).toBeUndefined();
  });
});

describe("agreement-based gold: the numbers", () => {
  const s = splitByPanel([...training, ...heldOut], { ...options, panel: { annotators: ["z"] } });

  it("counts the human ceiling as the share of held-out pairs where the training annotators' majority agrees with the panel", () => {
    const ceiling = humanCeiling(s);
    // By hand: they agree on 11, 12, 14 and 15, not on 13.
    expect(ceiling.estimate).toBeCloseTo(4 / 5, 12);
    expect(ceiling.pairs).toBe(5);
    expect(ceiling.low).toBeLessThanOrEqual(ceiling.estimate);
    expect(ceiling.high).toBeGreaterThanOrEqual(ceiling.estimate);
    expect(ceiling.low).toBeGreaterThanOrEqual(0);
    expect(ceiling.high).toBeLessThanOrEqual(1);
  });

  it("counts a reward model's agreement with the panel, a tied score as one half, whatever the pair's A/B order", () => {
    // Scores of (panel's choice, the other) per held-out pair: right, wrong, right, tie, right.
    const ref = [1, 0, 0, 1, 2, 1, 0.5, 0.5, 3, 0];
    const a = rewardModelPanelAgreement(s, ref);
    expect(a.estimate).toBeCloseTo((1 + 0 + 1 + 0.5 + 1) / 5, 12);
    expect(a.pairs).toBe(5);
    expect(a.low).toBeLessThan(a.high);
    expect(a.low).toBeGreaterThanOrEqual(0);
    expect(a.high).toBeLessThanOrEqual(1);
    // An RM that always prefers the panel's choice agrees fully.
    expect(rewardModelPanelAgreement(s, [1, 0, 1, 0, 1, 0, 1, 0, 1, 0]).estimate).toBe(1);
    expect(() => rewardModelPanelAgreement(s, [1, 0])).toThrow(/2 scores for 5 held-out pairs/);
  });
});

describe("agreement-based gold: refusals", () => {
  it("refuses a dataset without several annotators per pair, naming it and the count", () => {
    const single: LabelledExample[] = [1, 2, 3].map((id) => ({ id, prompt: `p${id}`, responseA: "x", responseB: "y", preferred: "a" }));
    expect(() => splitByPanel(single, { ...options, panel: { perPair: 1 } })).toThrow(
      /dataset 9: agreement-based gold \(task\.dataset\.goldPanel\) needs pairs labelled by several annotators; 0 of its 3 labelled pairs have >= 2 annotators/,
    );
  });

  it("refuses a panel that names annotators the dataset does not have, listing those it has", () => {
    expect(() => splitByPanel([...training, ...heldOut], { ...options, panel: { annotators: ["z", "w"] } })).toThrow(
      /dataset 9: goldPanel\.annotators names 'w', which labelled none of its pairs; its annotators are x, y, z/,
    );
  });

  it("refuses a panel that leaves the proxies, gold or the evaluation no labels", () => {
    const all = [...training, ...heldOut];
    expect(() => splitByPanel(all, { ...options, panel: { annotators: ["x", "y", "z"] } })).toThrow(
      /dataset 9: the panel x, y, z leaves the proxies no training labels/,
    );
    const onlyHeldOut = [...all, pair(17, { q: "a", x: "a", y: "a" }, "test")];
    expect(() => splitByPanel(onlyHeldOut, { ...options, panel: { annotators: ["q"] } })).toThrow(
      /dataset 9: the panel q leaves gold no training labels/,
    );
    expect(() => splitByPanel(training, { ...options, panel: { annotators: ["z"] } })).toThrow(
      /leaves 0 held-out pairs labelled by both the panel and the other annotators; agreement needs at least 2/,
    );
    // Two annotators per pair and a panel of two: nothing is left for the proxies.
    const two = Array.from({ length: 10 }, (_, i) => pair(i + 1, { x: "a", y: "b" }, i < 8 ? "train" : "test"));
    expect(() => splitByPanel(two, { ...options, panel: { perPair: 2 } })).toThrow(
      /a panel of 2 per pair leaves the proxies no training labels/,
    );
  });

  it("refuses a spec with both or neither of names and a count", () => {
    expect(() => checkPanelSpec({})).toThrow(/exactly one of annotators/);
    expect(() => checkPanelSpec({ annotators: ["z"], perPair: 1 })).toThrow(/exactly one of annotators/);
    expect(() => checkPanelSpec({ perPair: 0 })).toThrow(/perPair: expected an integer >= 1, got 0/);
  });
});

describe("task.dataset.goldPanel in the kinds' configs", () => {
  const task = (goldPanel: unknown) => ({
    kind: "dataset",
    dataset: { datasetId: 3, gold: { name: "gold", layers: 1, dModel: 16, heads: 2 }, goldPanel },
  });
  const issuesOf = (schema: { parse(v: unknown, p: string, i: ConfigIssue[]): unknown }, value: unknown) => {
    const issues: ConfigIssue[] = [];
    schema.parse(value, "", issues);
    return issues;
  };

  it("bon-study takes named annotators or a per-pair count, exactly one", () => {
    expect(issuesOf(bonStudySchema(), { name: "panel", task: task({ annotators: ["annotator3"] }) })).toEqual([]);
    expect(issuesOf(bonStudySchema(), { name: "panel", task: task({ perPair: 1 }) })).toEqual([]);
    expect(issuesOf(bonStudySchema(), { name: "panel", task: task({}) })).toEqual([
      { path: "task.dataset.goldPanel", message: "expected exactly one of annotators (names) and perPair (a count)" },
    ]);
    expect(issuesOf(bonStudySchema(), { name: "panel", task: task({ annotators: ["a"], perPair: 1 }) })[0]!.path).toBe(
      "task.dataset.goldPanel",
    );
  });

  it("rl-study and daa take it too, and check it as bon-study does", () => {
    for (const schema of [rlStudySchema(), daaStudySchema()]) {
      for (const panel of [{ annotators: ["annotator3"] }, { perPair: 1 }])
        expect(issuesOf(schema, { name: "panel", task: task(panel) }).filter((i) => i.path.startsWith("task.dataset"))).toEqual([]);
      expect(issuesOf(schema, { name: "panel", task: task({}) })).toContainEqual({
        path: "task.dataset.goldPanel",
        message: "expected exactly one of annotators (names) and perPair (a count)",
      });
    }
  });
});
