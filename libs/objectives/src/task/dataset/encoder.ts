/**
 * Token sequences of the dataset task, over any engine tokenizer (the byte-level one by default,
 * or a Hugging Face tokenizer.json): `<bos> prompt <sep> response <eos>`. Long prompts keep their
 * end (the last turn is what the response answers), long responses their start.
 */
import type { Tokenizer } from "@goodhart/engine";

export interface DatasetEncoderOptions {
  maxPromptTokens: number;
  maxResponseTokens: number;
}

export class DatasetEncoder {
  readonly bos: number;
  readonly sep: number;
  readonly eos: number;
  readonly pad: number;

  constructor(
    readonly tokenizer: Tokenizer,
    readonly options: DatasetEncoderOptions,
  ) {
    const s = tokenizer.special;
    // GPT-2's tokenizer has only <|endoftext|>: it stands in for the markers it lacks.
    const eos = s.eos ?? s.bos ?? s.pad;
    if (eos === undefined) throw new Error("dataset task: the tokenizer has no end-of-text token (eos, bos or pad)");
    this.eos = eos;
    this.bos = s.bos ?? eos;
    this.sep = s.sep ?? eos;
    this.pad = s.pad ?? eos;
  }

  get vocabSize(): number {
    return this.tokenizer.vocabSize;
  }

  /** Tokens of a full sequence: prompt part plus `maxResponseTokens` + 1. */
  get maxSeq(): number {
    return this.options.maxPromptTokens + this.options.maxResponseTokens + 3;
  }

  promptIds(prompt: string): number[] {
    const ids = this.tokenizer.encode(prompt);
    return [this.bos, ...ids.slice(Math.max(0, ids.length - this.options.maxPromptTokens)), this.sep];
  }

  responseIds(response: string): number[] {
    return this.tokenizer.encode(response).slice(0, this.options.maxResponseTokens);
  }

  sequence(prompt: string, response: string): number[] {
    return [...this.promptIds(prompt), ...this.responseIds(response), this.eos];
  }

  decode(ids: readonly number[]): string {
    return this.tokenizer.decode(ids);
  }
}
