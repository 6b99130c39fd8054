import { padBatch } from "./pad-batch.ts";
import type { BatchEncodeOptions, BatchEncoding, DecodeOptions, EncodeOptions, SpecialTokenIds, Tokenizer } from "./tokenizer.ts";

/** Ids 0-255 are the bytes of the UTF-8 encoding; the four special tokens follow. */
export const BYTE_TOKENIZER_SPECIAL = { bos: 256, eos: 257, pad: 258, sep: 259 } as const;

const SPECIAL_TEXT: Record<number, string> = {
  256: "<|bos|>",
  257: "<|eos|>",
  258: "<|pad|>",
  259: "<|sep|>",
};

/**
 * The built-in tokenizer: one token per UTF-8 byte, plus bos/eos/pad/sep. Any string encodes and
 * decodes back exactly. Special tokens are never produced from text (typing "<|eos|>" gives its
 * bytes), so user text cannot inject them.
 */
export class ByteTokenizer implements Tokenizer {
  readonly vocabSize = 260;
  readonly special: Readonly<Required<SpecialTokenIds>> = BYTE_TOKENIZER_SPECIAL;
  readonly #encoder = new TextEncoder();
  // Non-fatal: a byte sequence cut mid-character (e.g. by truncation) decodes with U+FFFD.
  readonly #decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

  encode(text: string, options: EncodeOptions = {}): number[] {
    const bytes = Array.from(this.#encoder.encode(text));
    return options.addSpecial ? [this.special.bos, ...bytes, this.special.eos] : bytes;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const skipSpecial = options.skipSpecial ?? true;
    let text = "";
    let run: number[] = [];
    const flush = (): void => {
      if (run.length > 0) text += this.#decoder.decode(Uint8Array.from(run));
      run = [];
    };
    for (const [i, id] of ids.entries()) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new Error(`ByteTokenizer.decode: id ${id} at position ${i} is outside [0, ${this.vocabSize})`);
      }
      if (id < 256) {
        run.push(id);
      } else {
        flush();
        if (!skipSpecial) text += SPECIAL_TEXT[id];
      }
    }
    flush();
    return text;
  }

  encodeBatch(texts: readonly string[], options: BatchEncodeOptions): BatchEncoding {
    const rows = texts.map((t) => this.encode(t, options));
    return padBatch(rows, this.special.pad, options);
  }
}
