/** Ids of the special tokens a tokenizer knows; absent when the tokenizer has no such token. */
export interface SpecialTokenIds {
  bos?: number;
  eos?: number;
  pad?: number;
  sep?: number;
}

/** Options for {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /**
   * Add the tokenizer's own special tokens (default false). For the byte-level tokenizer this is
   * `bos ... eos`; for a Hugging Face tokenizer it is whatever its post-processor template adds
   * (GPT-2's adds nothing, exactly as in `transformers`).
   */
  addSpecial?: boolean;
}

/** Options for {@link Tokenizer.decode}. */
export interface DecodeOptions {
  /** Drop special tokens from the text (default true). */
  skipSpecial?: boolean;
}

/** Options for {@link Tokenizer.encodeBatch}. */
export interface BatchEncodeOptions extends EncodeOptions {
  /** Truncate every row to at most this many tokens. */
  maxLength?: number;
  /**
   * Where padding goes. `left` keeps the last real token of every row in the last column, which is
   * what batched generation needs for prompts; `right` is the usual choice for training.
   */
  padSide: "left" | "right";
  /** Which end truncation removes (default `right`; `left` keeps the end of a long prompt). */
  truncateSide?: "left" | "right";
  /** Pad every row to exactly `maxLength` instead of to the longest row. */
  padToMaxLength?: boolean;
}

/** A padded batch: `ids[b][t]`, and `attentionMask[b][t]` is 1 for real tokens, 0 for padding. */
export interface BatchEncoding {
  ids: number[][];
  attentionMask: number[][];
}

/** One interface over the built-in byte-level tokenizer and Hugging Face `tokenizer.json` files. */
export interface Tokenizer {
  /** Number of ids: every id the tokenizer can produce is in `[0, vocabSize)`. */
  readonly vocabSize: number;
  readonly special: Readonly<SpecialTokenIds>;
  encode(text: string, options?: EncodeOptions): number[];
  decode(ids: readonly number[], options?: DecodeOptions): string;
  /** Encodes and pads a batch; padding uses `special.pad`, or `special.eos` when there is no pad token. */
  encodeBatch(texts: readonly string[], options: BatchEncodeOptions): BatchEncoding;
}
