import { describe, expect, it } from "vitest";
import { labelledPairs } from "./labelled-pairs.ts";
import { openDatabase } from "./store.ts";

const example = (rowIndex: number, over: Record<string, unknown> = {}) => ({
  rowIndex,
  kind: "pair" as const,
  prompt: `p${rowIndex}`,
  promptMessages: null,
  responseA: `a${rowIndex}`,
  responseB: `b${rowIndex}`,
  responses: null,
  category: null,
  metadata: null,
  ...over,
});

/** A lab (real SQLite, in memory) with one dataset and no rows yet. */
function emptyDataset() {
  const store = openDatabase(":memory:");
  const ds = store.datasets.create({
    name: "toy",
    sourcePath: "/tmp/toy.jsonl",
    contentHash: "h",
    format: "prompt-chosen-rejected",
    rowCount: 0,
  });
  return { store, ds };
}

describe("labelledPairs", () => {
  it("keeps labelled pair rows in row order across pages, with the first label of each and the file's split", () => {
    const { store, ds } = emptyDataset();
    // 2500 rows: more than two pages of the loader.
    const ids = store.examples.insertMany(
      ds.id,
      Array.from({ length: 2500 }, (_, i) => example(i + 1, i === 3 ? { metadata: { split: "test" } } : {})),
    );
    const unlabelled = new Set([ids[1]!, ids[2000]!]);
    store.labels.addMany(
      ids
        .filter((id) => !unlabelled.has(id))
        .map((exampleId, i) => ({ exampleId, preferred: i % 3 === 0 ? ("b" as const) : ("a" as const), source: "human" as const })),
    );
    // A second label of the first example does not replace its first one.
    store.labels.addMany([{ exampleId: ids[0]!, preferred: "a" as const, source: "human" as const }]);
    const pairs = labelledPairs(store, ds.id);
    expect(pairs).toHaveLength(2498);
    expect(pairs.map((p) => p.id)).toEqual(ids.filter((id) => !unlabelled.has(id)));
    // Its two labels are both passed, in stored order, unnamed ones by position.
    expect(pairs[0]).toEqual({
      id: ids[0],
      prompt: "p1",
      responseA: "a1",
      responseB: "b1",
      preferred: "b",
      split: null,
      judgments: [
        { annotator: "#1", preferred: "b" },
        { annotator: "#2", preferred: "a" },
      ],
    });
    // A pair labelled once carries no judgments.
    expect(pairs[1]).toEqual({ id: ids[2], prompt: "p3", responseA: "a3", responseB: "b3", preferred: "a", split: null });
    expect(pairs.find((p) => p.id === ids[3])!.split).toBe("test");
  });

  it("passes every annotator's label of a multi-annotator pair, named as stored, beside the first label as preferred", () => {
    const { store, ds } = emptyDataset();
    const [one, two] = store.examples.insertMany(ds.id, [example(1), example(2)]);
    store.labels.addMany([
      { exampleId: one!, preferred: "a" as const, source: "human" as const, annotator: "annotator1" },
      { exampleId: one!, preferred: "tie" as const, source: "human" as const, annotator: "annotator2" },
      { exampleId: one!, preferred: "b" as const, source: "human" as const, annotator: "annotator3" },
      { exampleId: two!, preferred: "b" as const, source: "llm" as const, annotator: "gpt-4" },
    ]);
    const [p1, p2] = labelledPairs(store, ds.id);
    expect(p1).toMatchObject({ preferred: "a" });
    expect(p1!.judgments).toEqual([
      { annotator: "annotator1", preferred: "a" },
      { annotator: "annotator2", preferred: "tie" },
      { annotator: "annotator3", preferred: "b" },
    ]);
    expect(p2).toMatchObject({ preferred: "b" });
    expect(p2!.judgments).toBeUndefined();
  });

  it("skips rows that are not pairs", () => {
    const { store, ds } = emptyDataset();
    const [pair, single] = store.examples.insertMany(ds.id, [example(1), example(2, { kind: "single", responseB: null })]);
    store.labels.addMany([
      { exampleId: pair!, preferred: "tie" as const, source: "human" as const },
      { exampleId: single!, preferred: "a" as const, source: "human" as const },
    ]);
    expect(labelledPairs(store, ds.id).map((p) => [p.id, p.preferred])).toEqual([[pair, "tie"]]);
  });
});
