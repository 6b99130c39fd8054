/**
 * A word-level tokenizer over the built-in task's vocabulary: one id per word (punctuation marks
 * are words of the task), after four special tokens. The task's whole language is ~145 words, so
 * sequences are short and a tiny transformer's embedding table stays small.
 */
import {
  padBatch,
  type BatchEncodeOptions,
  type BatchEncoding,
  type DecodeOptions,
  type EncodeOptions,
  type SpecialTokenIds,
  type Tokenizer,
} from "@goodhart/engine";

/** The special tokens, in id order: padding, start of sequence, end of completion, prompt/completion separator. */
export const WORD_SPECIALS = ["<pad>", "<bos>", "<eos>", "<sep>"] as const;

/** Word-level tokenizer; `encode` splits on whitespace and refuses words outside the vocabulary. */
export class WordTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly special: Readonly<Required<SpecialTokenIds>> = { pad: 0, bos: 1, eos: 2, sep: 3 };
  private readonly words: readonly string[];
  private readonly ids: ReadonlyMap<string, number>;

  /** @param vocabulary the task's words (e.g. `task.vocabulary`); duplicates and specials are refused */
  constructor(vocabulary: readonly string[]) {
    const words = [...WORD_SPECIALS, ...vocabulary];
    const ids = new Map<string, number>();
    words.forEach((w, i) => {
      if (w.length === 0 || /\s/.test(w))
        throw new RangeError(`WordTokenizer: word ${i} (${JSON.stringify(w)}) is empty or holds whitespace`);
      if (ids.has(w)) throw new RangeError(`WordTokenizer: "${w}" appears twice in the vocabulary`);
      ids.set(w, i);
    });
    this.words = words;
    this.ids = ids;
    this.vocabSize = words.length;
  }

  /** Ids of a word list; throws naming the first word outside the vocabulary. */
  encodeWords(words: readonly string[]): number[] {
    return words.map((w, i) => {
      const id = this.ids.get(w);
      if (id === undefined || id < WORD_SPECIALS.length)
        throw new RangeError(`WordTokenizer: word ${i} "${w}" is not in the task vocabulary`);
      return id;
    });
  }

  /** Words of ids, special tokens left out (an id outside the vocabulary throws). */
  decodeWords(ids: readonly number[], options: DecodeOptions = {}): string[] {
    const skip = options.skipSpecial ?? true;
    const out: string[] = [];
    for (const id of ids) {
      const w = this.words[id];
      if (w === undefined) throw new RangeError(`WordTokenizer: id ${id} is outside [0, ${this.vocabSize})`);
      if (skip && id < WORD_SPECIALS.length) continue;
      out.push(w);
    }
    return out;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids = this.encodeWords(text.split(/\s+/).filter((w) => w.length > 0));
    return options.addSpecial ? [this.special.bos, ...ids, this.special.eos] : ids;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    return this.decodeWords(ids, options).join(" ");
  }

  encodeBatch(texts: readonly string[], options: BatchEncodeOptions): BatchEncoding {
    return padBatch(
      texts.map((t) => this.encode(t, options)),
      this.special.pad,
      options,
    );
  }

  /** The prompt as the policy sees it: `<bos> prompt words <sep>`; the completion follows. */
  promptIds(promptWords: readonly string[]): number[] {
    return [this.special.bos, ...this.encodeWords(promptWords), this.special.sep];
  }

  /** A full sequence `<bos> prompt <sep> completion <eos>`, what reward models score. */
  sequenceIds(promptWords: readonly string[], completionWords: readonly string[]): number[] {
    return [...this.promptIds(promptWords), ...this.encodeWords(completionWords), this.special.eos];
  }
}
