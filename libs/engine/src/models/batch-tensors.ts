import type { HostTensor } from "../runtime/runtime.ts";
import { padBatch } from "../tokenizers/pad-batch.ts";

/** Rows of token ids padded to one width: ids (B, T) int64 and mask (B, T) bool (true = real token). */
export interface PaddedBatch {
  ids: HostTensor;
  mask: HostTensor;
  /** Real tokens per row. */
  lengths: number[];
}

/** Pads token rows (left for prompts, right for scoring) into host tensors a program can take. */
export function padTokens(rows: readonly (readonly number[])[], padId: number, padSide: "left" | "right", width?: number): PaddedBatch {
  if (rows.length === 0) throw new Error("padTokens: no rows");
  rows.forEach((r, i) => {
    if (r.length === 0) throw new Error(`padTokens: row ${i} is empty`);
    r.forEach((t, j) => {
      if (!Number.isInteger(t) || t < 0) throw new Error(`padTokens: row ${i}, position ${j}: token ${t} is not a non-negative integer`);
    });
  });
  const longest = Math.max(...rows.map((r) => r.length));
  if (width !== undefined && width < longest) throw new Error(`padTokens: width ${width} is shorter than the longest row (${longest})`);
  const { ids, attentionMask } = padBatch(rows, padId, { padSide, maxLength: width ?? longest, padToMaxLength: true });
  const T = width ?? longest;
  const B = rows.length;
  const idData = new BigInt64Array(B * T);
  const maskData = new Uint8Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      idData[b * T + t] = BigInt(ids[b]![t]!);
      maskData[b * T + t] = attentionMask[b]![t]!;
    }
  }
  return {
    ids: { dtype: "int64", shape: [B, T], data: idData },
    mask: { dtype: "bool", shape: [B, T], data: maskData },
    lengths: rows.map((r) => r.length),
  };
}

/** Checks every token is below the vocabulary size, naming the row and position of the first bad one. */
export function checkVocab(rows: readonly (readonly number[])[], vocab: number, what: string): void {
  rows.forEach((r, i) =>
    r.forEach((t, j) => {
      if (!Number.isInteger(t) || t < 0 || t >= vocab)
        throw new Error(`${what}: row ${i}, position ${j}: token ${t} is outside the vocabulary [0, ${vocab})`);
    }),
  );
}
