/**
 * The labelled pairs of an imported dataset, as a study's dataset task reads them: pair rows that
 * have a label, the first label of each (a, b or tie), the split the file gave the row, and, for a
 * pair labelled more than once (several annotators), every label with its annotator. One loader
 * for the desktop service (which sends the rows to a run's worker) and the benchmarks.
 */
import type { LabStore } from "./store.ts";

/** One labelled comparison (the shape of libs/objectives' LabelledExample). */
export interface LabelledPair {
  /** Example id in the lab (stable: the dataset task splits by it). */
  id: number;
  prompt: string;
  responseA: string;
  responseB: string;
  preferred: "a" | "b" | "tie";
  /** `train`/`test`/... when the file said (a sharded Hub dataset); null otherwise. */
  split: string | null;
  /**
   * Only on a pair with more than one label: each label in stored order, with its annotator
   * (`#k`, the pair's k-th label, when the file named none). `preferred` is the first of them.
   */
  judgments?: { annotator: string; preferred: "a" | "b" | "tie" }[];
}

type Preferred = LabelledPair["preferred"];

/** Rows are read a page at a time so a large dataset is never one query result. */
const PAGE_ROWS = 1000;

/** The labelled pairs of dataset `datasetId`, in row order (one label per example: the first). */
export function labelledPairs(store: LabStore, datasetId: number): LabelledPair[] {
  const labels = new Map<number, { annotator: string | null; preferred: Preferred }[]>();
  for (const l of store.labels.forDataset(datasetId)) {
    if (!(l.preferred === "a" || l.preferred === "b" || l.preferred === "tie")) continue;
    const of = labels.get(l.exampleId);
    if (of) of.push({ annotator: l.annotator, preferred: l.preferred });
    else labels.set(l.exampleId, [{ annotator: l.annotator, preferred: l.preferred }]);
  }
  const out: LabelledPair[] = [];
  for (let after = 0; ;) {
    const page = store.examples.list(datasetId, { afterRow: after, limit: PAGE_ROWS });
    if (page.length === 0) break;
    for (const e of page) {
      const of = labels.get(e.id);
      if (e.kind !== "pair" || of === undefined || e.responseA === null || e.responseB === null) continue;
      const split = typeof e.metadata?.split === "string" ? e.metadata.split : null;
      const pair: LabelledPair = {
        id: e.id,
        prompt: e.prompt,
        responseA: e.responseA,
        responseB: e.responseB,
        preferred: of[0]!.preferred,
        split,
      };
      if (of.length > 1) pair.judgments = of.map((j, k) => ({ annotator: j.annotator ?? `#${k + 1}`, preferred: j.preferred }));
      out.push(pair);
    }
    after = page[page.length - 1]!.rowIndex;
  }
  return out;
}
