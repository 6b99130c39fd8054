import type { BatchEncodeOptions, BatchEncoding } from "./tokenizer.ts";

/**
 * Truncates and pads already-encoded rows into a rectangular batch with an attention mask.
 * Shared by every tokenizer so padding behaves identically whatever produced the ids.
 */
export function padBatch(
  rows: readonly (readonly number[])[],
  padId: number,
  options: Omit<BatchEncodeOptions, "addSpecial">,
): BatchEncoding {
  const { maxLength, padSide, truncateSide = "right", padToMaxLength = false } = options;
  if (padSide !== "left" && padSide !== "right") {
    throw new Error(`encodeBatch: padSide must be "left" or "right", got ${JSON.stringify(padSide)}`);
  }
  if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < 0)) {
    throw new Error(`encodeBatch: maxLength must be a non-negative integer, got ${maxLength}`);
  }
  if (padToMaxLength && maxLength === undefined) {
    throw new Error("encodeBatch: padToMaxLength needs maxLength");
  }
  const truncated = rows.map((row) => {
    if (maxLength === undefined || row.length <= maxLength) return row;
    return truncateSide === "left" ? row.slice(row.length - maxLength) : row.slice(0, maxLength);
  });
  const width = padToMaxLength ? (maxLength as number) : Math.max(0, ...truncated.map((r) => r.length));
  const ids: number[][] = [];
  const attentionMask: number[][] = [];
  for (const row of truncated) {
    const padding = new Array<number>(width - row.length).fill(padId);
    const zeros = new Array<number>(width - row.length).fill(0);
    const ones = new Array<number>(row.length).fill(1);
    if (padSide === "left") {
      ids.push([...padding, ...row]);
      attentionMask.push([...zeros, ...ones]);
    } else {
      ids.push([...row, ...padding]);
      attentionMask.push([...ones, ...zeros]);
    }
  }
  return { ids, attentionMask };
}
