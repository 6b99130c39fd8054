import { describe, expect, it } from "vitest";
import { openDatabase } from "../store.ts";

function seeded() {
  const store = openDatabase(":memory:");
  const ds = store.datasets.create({
    name: "toy",
    sourcePath: "/tmp/toy.jsonl",
    contentHash: "abc",
    format: "prompt-chosen-rejected",
    rowCount: 0,
  });
  const ids = store.examples.insertMany(
    ds.id,
    Array.from({ length: 200 }, (_, i) => ({
      rowIndex: i + 1,
      kind: "pair" as const,
      prompt: `p${i}`,
      promptMessages: i === 0 ? [{ role: "user", content: "p0" }] : null,
      responseA: `a${i}`,
      responseB: `b${i}`,
      responses: null,
      category: i % 2 ? "math" : "chat",
      metadata: i === 0 ? { source: "x" } : null,
    })),
  );
  store.labels.addMany(
    ids.map((exampleId, i) => ({ exampleId, preferred: i % 10 === 0 ? ("tie" as const) : ("a" as const), source: "human" as const })),
  );
  return { store, ds, ids };
}

describe("datasets, examples, labels", () => {
  it("round-trips DTOs in camelCase with parsed JSON", () => {
    const { store, ds, ids } = seeded();
    expect(ds).toMatchObject({ name: "toy", sourcePath: "/tmp/toy.jsonl", contentHash: "abc", rowCount: 0 });
    expect(store.datasets.findByHash("abc").map((d) => d.id)).toEqual([ds.id]);
    const first = store.examples.get(ids[0]!)!;
    expect(first).toEqual({
      id: ids[0],
      datasetId: ds.id,
      rowIndex: 1,
      kind: "pair",
      prompt: "p0",
      promptMessages: [{ role: "user", content: "p0" }],
      responseA: "a0",
      responseB: "b0",
      responses: null,
      category: "chat",
      metadata: { source: "x" },
    });
    expect(store.examples.count(ds.id)).toBe(200);
    const page2 = store.examples.list(ds.id, { afterRow: 100, limit: 50 });
    expect(page2.map((e) => e.rowIndex)).toEqual(Array.from({ length: 50 }, (_, i) => 101 + i));
    expect(store.examples.categories(ds.id)).toEqual([
      { category: "chat", count: 100 },
      { category: "math", count: 100 },
    ]);
    expect(store.datasets.labelCounts(ds.id)).toEqual([{ source: "human", dimension: "overall", count: 200 }]);
    expect(store.labels.forExample(ids[3]!)[0]).toMatchObject({ preferred: "a", source: "human", dimension: "overall", annotator: null });
    expect(store.labels.forDataset(ds.id, { source: "llm" })).toEqual([]);
  });

  it("deleting a dataset removes its examples and labels", () => {
    const { store, ds, ids } = seeded();
    expect(store.datasets.delete(ds.id)).toBe(true);
    expect(store.examples.get(ids[0]!)).toBeUndefined();
    expect(store.labels.forExample(ids[0]!)).toEqual([]);
  });

  it("a label set stores exactly the flips it is given, with their seed and p, and refuses flips it cannot apply", () => {
    const { store, ds } = seeded();
    // The flips are drawn by the caller (objectives' drawLabelFlips); here every fourth a/b label.
    const labels = store.labels.forDataset(ds.id);
    const flipped = labels
      .filter((l) => l.preferred !== "tie")
      .filter((_, i) => i % 4 === 0)
      .map((l) => l.id);
    const a = store.labelSets.create({ name: "noisy-25", datasetId: ds.id, flipP: 0.25, seed: 7, flippedLabelIds: flipped });
    const clean = store.labelSets.create({ name: "clean", datasetId: ds.id, flipP: 0, seed: 7 });
    expect(a).toMatchObject({ flipP: 0.25, seed: 7, size: 200, flippedCount: flipped.length, dimension: "overall", source: null });
    const ma = store.labelSets.members(a.id);
    expect(ma.filter((m) => m.flipped).map((m) => m.labelId)).toEqual(flipped);
    for (const m of ma) expect(m.preferred).toBe(m.flipped ? "b" : m.originalPreferred);
    expect(clean.flippedCount).toBe(0);
    expect(store.labelSets.members(clean.id).every((m) => !m.flipped && m.preferred === m.originalPreferred)).toBe(true);

    const tie = labels.find((l) => l.preferred === "tie")!;
    expect(() => store.labelSets.create({ name: "tie", datasetId: ds.id, flipP: 0.25, seed: 1, flippedLabelIds: [tie.id] })).toThrow(
      new RegExp(`label ${tie.id} is 'tie', which has no opposite`),
    );
    expect(() => store.labelSets.create({ name: "outside", datasetId: ds.id, flipP: 0.25, seed: 1, flippedLabelIds: [999_999] })).toThrow(
      /labels 999999 are given as flipped but are not among the 200 labels selected/,
    );
    expect(() => store.labelSets.create({ name: "zero", datasetId: ds.id, flipP: 0, seed: 1, flippedLabelIds: [flipped[0]!] })).toThrow(
      /flipP is 0 but 1 labels/,
    );
    expect(() => store.labelSets.create({ name: "bad", datasetId: ds.id, flipP: 1.5, seed: 1 })).toThrow(/flipP must be in \[0, 1\]/);
    // Refused sets leave nothing behind.
    expect(store.labelSets.byName("clean")?.id).toBe(clean.id);
    expect(store.labelSets.list(ds.id).map((s) => s.name)).toEqual(["noisy-25", "clean"]);
  });

  it("rejects a label with an unknown source", () => {
    const { store, ids } = seeded();
    expect(() => store.labels.add({ exampleId: ids[0]!, preferred: "a", source: "crowd" as never })).toThrow(/CHECK/);
    expect(store.labels.forExample(ids[0]!)).toHaveLength(1);
  });
});
