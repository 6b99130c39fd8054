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
    expect(pairs[0]).toEqual({ id: ids[0], prompt: "p1", responseA: "a1", responseB: "b1", preferred: "b", split: null });
    expect(pairs.find((p) => p.id === ids[3])!.split).toBe("test");
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
