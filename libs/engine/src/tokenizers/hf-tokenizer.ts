import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Tokenizer as HfLibTokenizer } from "@huggingface/tokenizers";
import { gpt2TokenizerJson } from "./gpt2-vocab-files.ts";
import { padBatch } from "./pad-batch.ts";
import type { BatchEncodeOptions, BatchEncoding, DecodeOptions, EncodeOptions, SpecialTokenIds, Tokenizer } from "./tokenizer.ts";

type JsonObject = Record<string, unknown>;

function readJsonObject(path: string, what: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`Cannot read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${what} ${path} must hold a JSON object`);
  }
  return value as JsonObject;
}

/** tokenizer_config.json names special tokens either as a string or as `{content: string, ...}`. */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null && typeof (value as JsonObject).content === "string") {
    return (value as JsonObject).content as string;
  }
  return undefined;
}

/**
 * A Hugging Face `tokenizer.json` tokenizer (BPE, WordPiece, Unigram with their normalizers,
 * pre-tokenizers, post-processors and decoders), run by `@huggingface/tokenizers`.
 */
export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly special: Readonly<SpecialTokenIds>;
  readonly #inner: HfLibTokenizer;

  /**
   * @param tokenizerJson parsed `tokenizer.json`
   * @param tokenizerConfig parsed `tokenizer_config.json` (special-token names, decoding clean-up); `{}` if none
   * @param source where the files came from, for error messages
   */
  constructor(tokenizerJson: JsonObject, tokenizerConfig: JsonObject = {}, source = "tokenizer.json") {
    try {
      this.#inner = new HfLibTokenizer(tokenizerJson, tokenizerConfig);
    } catch (err) {
      throw new Error(`Cannot build a tokenizer from ${source}: ${(err as Error).message}`, { cause: err });
    }
    let maxId = -1;
    for (const id of this.#inner.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    const special: SpecialTokenIds = {};
    for (const role of ["bos", "eos", "pad", "sep"] as const) {
      const content = tokenContent(tokenizerConfig[`${role}_token`]);
      if (content === undefined) continue;
      const id = this.#inner.token_to_id(content);
      if (id === undefined) {
        throw new Error(`${source}: ${role}_token ${JSON.stringify(content)} is not in the vocabulary`);
      }
      special[role] = id;
    }
    this.special = Object.freeze(special);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.#inner.encode(text, { add_special_tokens: options.addSpecial ?? false }).ids;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    for (const [i, id] of ids.entries()) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new Error(`HfTokenizer.decode: id ${id} at position ${i} is outside [0, ${this.vocabSize})`);
      }
    }
    return this.#inner.decode([...ids], { skip_special_tokens: options.skipSpecial ?? true });
  }

  /** The token strings of an encoding (e.g. `["Hello", "ĠWorld"]`), for inspection and tests. */
  tokenize(text: string, options: EncodeOptions = {}): string[] {
    return this.#inner.tokenize(text, { add_special_tokens: options.addSpecial ?? false });
  }

  encodeBatch(texts: readonly string[], options: BatchEncodeOptions): BatchEncoding {
    // GPT-2 and many decoder-only tokenizers have no pad token; padding with eos is the usual fix and
    // is harmless because the attention mask marks those positions.
    const padId = this.special.pad ?? this.special.eos;
    if (padId === undefined) {
      throw new Error("encodeBatch: this tokenizer has neither a pad_token nor an eos_token in tokenizer_config.json");
    }
    return padBatch(
      texts.map((t) => this.encode(t, options)),
      padId,
      options,
    );
  }
}

/**
 * Loads a Hugging Face tokenizer from disk.
 * @param tokenizerJsonPath path to `tokenizer.json`
 * @param configPath path to `tokenizer_config.json`; defaults to the one beside `tokenizer.json` if it exists
 */
export function loadHfTokenizer(tokenizerJsonPath: string, configPath?: string): HfTokenizer {
  const tokenizerJson = readJsonObject(tokenizerJsonPath, "tokenizer file");
  const besideConfig = join(dirname(tokenizerJsonPath), "tokenizer_config.json");
  const chosenConfig = configPath ?? (existsSync(besideConfig) ? besideConfig : undefined);
  const config = chosenConfig === undefined ? {} : readJsonObject(chosenConfig, "tokenizer config");
  return new HfTokenizer(tokenizerJson, config, tokenizerJsonPath);
}

/** tokenizer_config.json's `added_tokens_decoder`: `{ "50256": { content, special, ... } }`. */
function addedTokensOf(config: JsonObject, source: string): { id: number; content: string; special: boolean }[] {
  const decoder = config.added_tokens_decoder;
  if (decoder === undefined) return [];
  if (typeof decoder !== "object" || decoder === null || Array.isArray(decoder)) {
    throw new Error(`${source}: added_tokens_decoder is not an object`);
  }
  return Object.entries(decoder as JsonObject).map(([id, token]) => {
    const content = tokenContent(token);
    if (!/^\d+$/.test(id) || content === undefined) {
      throw new Error(`${source}: added_tokens_decoder entry ${JSON.stringify(id)} needs an integer id and a content string`);
    }
    return { id: Number(id), content, special: (token as JsonObject).special === true };
  });
}

/**
 * Loads the tokenizer of a Hugging Face model folder: `tokenizer.json` when present, otherwise a
 * GPT-2 style `vocab.json` + `merges.txt` pair (only for `tokenizer_class` GPT2Tokenizer, the one
 * pipeline that pair implies). `tokenizer_config.json` supplies special tokens in both cases.
 */
export function loadHfTokenizerFromFolder(dir: string): HfTokenizer {
  const tokenizerJsonPath = join(dir, "tokenizer.json");
  if (existsSync(tokenizerJsonPath)) return loadHfTokenizer(tokenizerJsonPath);
  const vocabPath = join(dir, "vocab.json");
  const mergesPath = join(dir, "merges.txt");
  if (!existsSync(vocabPath) || !existsSync(mergesPath)) {
    throw new Error(`${dir} has no tokenizer.json (nor a vocab.json + merges.txt pair)`);
  }
  const configPath = join(dir, "tokenizer_config.json");
  const config = existsSync(configPath) ? readJsonObject(configPath, "tokenizer config") : {};
  const tokenizerClass = typeof config.tokenizer_class === "string" ? config.tokenizer_class : "";
  if (!tokenizerClass.startsWith("GPT2Tokenizer")) {
    throw new Error(
      `${dir}: vocab.json + merges.txt are only understood for GPT2Tokenizer, but tokenizer_config.json says ${JSON.stringify(tokenizerClass || "nothing")}; save the tokenizer as tokenizer.json`,
    );
  }
  const vocab = readJsonObject(vocabPath, "vocabulary") as Record<string, number>;
  let mergesText: string;
  try {
    mergesText = readFileSync(mergesPath, "utf8");
  } catch (err) {
    throw new Error(`Cannot read merges file ${mergesPath}: ${(err as Error).message}`, { cause: err });
  }
  const json = gpt2TokenizerJson(vocab, mergesText, {
    unkToken: tokenContent(config.unk_token),
    addedTokens: addedTokensOf(config, configPath),
    source: mergesPath,
  });
  return new HfTokenizer(json, config, `${vocabPath} + ${mergesPath}`);
}
