import type { SourceRecord } from "./readers/record.ts";

/** Records detection looks at: enough to see optional columns, few enough to keep in memory. */
export const DETECTION_SAMPLE = 32;

/**
 * Keeps up to `size` records spread evenly through a stream of unknown length, the first always
 * among them: records whose index is a multiple of a stride, the stride doubling (and every other
 * kept record dropped) whenever the sample is full. Deterministic, one pass, O(size) memory.
 */
export async function spreadSample(records: AsyncIterable<SourceRecord>, size = DETECTION_SAMPLE): Promise<SourceRecord[]> {
  let stride = 1;
  let kept: { index: number; record: SourceRecord }[] = [];
  let index = 0;
  for await (const record of records) {
    if (index % stride === 0) {
      kept.push({ index, record });
      if (kept.length > size) {
        stride *= 2;
        kept = kept.filter((k) => k.index % stride === 0);
      }
    }
    index++;
  }
  return kept.map((k) => k.record);
}
