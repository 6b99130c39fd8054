import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixturePath } from "../../../../fixtures/index.ts";
import { loadHfTokenizer, loadHfTokenizerFromFolder } from "./hf-tokenizer.ts";

const GPT2_JSON = fixturePath("tokenizer/gpt2_tokenizer.json");
const GPT2_CONFIG = fixturePath("tokenizer/gpt2_tokenizer_config.json");

interface ReferenceCase {
  text: string;
  tokens: string[];
  ids: number[];
  decoded: string;
}

const transformersJs = JSON.parse(
  readFileSync(fixturePath("tokenizer/reference_encodings/transformersjs_test_tokenization_gpt2.json"), "utf8"),
) as { TEST_CONFIG: Record<string, Record<string, ReferenceCase>> };
// The file also holds cases for gpt-4, claude, santacoder, ...; those need their own tokenizer.json,
// which is not among the fixtures, so only the "Xenova/gpt2" cases apply to gpt2_tokenizer.json.
const gpt2Cases = Object.entries(transformersJs.TEST_CONFIG["Xenova/gpt2"]);

const swift = JSON.parse(
  readFileSync(fixturePath("tokenizer/reference_encodings/swift-transformers_gpt2_encoded_tokens.json"), "utf8"),
) as { text: string; decoded_text: string; bpe_tokens: string[]; token_ids: number[] };

describe("loadHfTokenizer (GPT-2)", () => {
  const tok = loadHfTokenizer(GPT2_JSON, GPT2_CONFIG);

  it("has GPT-2's vocabulary and special tokens", () => {
    expect(tok.vocabSize).toBe(50257);
    expect(tok.special).toEqual({ bos: 50256, eos: 50256 });
  });

  it("covers all 26 transformers.js GPT-2 reference cases", () => {
    expect(gpt2Cases.length).toBe(26);
  });

  it.each(gpt2Cases)("reproduces transformers.js case %s", (_name, c) => {
    expect(tok.tokenize(c.text)).toEqual(c.tokens);
    expect(tok.encode(c.text)).toEqual(c.ids);
    expect(tok.decode(c.ids)).toBe(c.decoded);
  });

  it("reproduces the swift-transformers GPT-2 encoding", () => {
    expect(tok.tokenize(swift.text)).toEqual(swift.bpe_tokens);
    expect(tok.encode(swift.text)).toEqual(swift.token_ids);
    expect(tok.decode(swift.token_ids)).toBe(swift.decoded_text);
  });

  it("finds tokenizer_config.json beside tokenizer.json when no config path is given", () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-tok-"));
    writeFileSync(join(dir, "tokenizer.json"), readFileSync(GPT2_JSON));
    expect(loadHfTokenizer(join(dir, "tokenizer.json")).special).toEqual({});
    writeFileSync(join(dir, "tokenizer_config.json"), readFileSync(GPT2_CONFIG));
    expect(loadHfTokenizer(join(dir, "tokenizer.json")).special).toEqual({ bos: 50256, eos: 50256 });
  });

  it("keeps or skips special tokens on decode", () => {
    const ids = [...tok.encode("Hello"), 50256];
    expect(tok.decode(ids)).toBe("Hello");
    expect(tok.decode(ids, { skipSpecial: false })).toBe("Hello<|endoftext|>");
    expect(() => tok.decode([50257])).toThrow(/outside \[0, 50257\)/);
  });

  it("left-pads prompts with eos (GPT-2 has no pad token) and masks the padding", () => {
    const hello = tok.encode("Hello World");
    const how = tok.encode("How are you doing?");
    const batch = tok.encodeBatch(["Hello World", "How are you doing?"], { padSide: "left" });
    expect(batch.ids).toEqual([[50256, 50256, 50256, ...hello], how]);
    expect(batch.attentionMask).toEqual([
      [0, 0, 0, 1, 1],
      [1, 1, 1, 1, 1],
    ]);
  });

  it("names the file when tokenizer.json is missing or malformed", () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-tok-"));
    expect(() => loadHfTokenizer(join(dir, "nope.json"))).toThrow(/Cannot read tokenizer file .*nope\.json/);
    writeFileSync(join(dir, "tokenizer.json"), "{not json");
    expect(() => loadHfTokenizer(join(dir, "tokenizer.json"))).toThrow(/tokenizer\.json is not valid JSON/);
    writeFileSync(join(dir, "bad-config.json"), JSON.stringify({ eos_token: "<|no-such-token|>" }));
    expect(() => loadHfTokenizer(GPT2_JSON, join(dir, "bad-config.json"))).toThrow(
      /eos_token "<\|no-such-token\|>" is not in the vocabulary/,
    );
  });
});

describe("loadHfTokenizerFromFolder", () => {
  it("builds GPT-2's pipeline from vocab.json + merges.txt (lm-buddy tiny GPT-2)", () => {
    const tok = loadHfTokenizerFromFolder(fixturePath("weights/lm-buddy_tiny_gpt2"));
    expect(tok.vocabSize).toBe(21);
    expect(tok.special).toEqual({ bos: 20, eos: 20 });
    // The toy vocabulary of transformers' own GPT-2 tokenizer tests: merges stop at "Ġlow" and "er",
    // so " lower newer" splits as below even though "Ġnewer" is itself in the vocabulary.
    expect(tok.tokenize(" lower newer")).toEqual(["Ġlow", "er", "Ġ", "n", "e", "w", "er"]);
    expect(tok.encode(" lower newer")).toEqual([14, 15, 10, 9, 3, 2, 15]);
    expect(tok.decode([14, 15, 10, 9, 3, 2, 15])).toBe(" lower newer");
    expect(tok.encode("z")).toEqual([19]); // not in the vocabulary: <unk>
    expect(tok.encode("lower<|endoftext|>")).toEqual([0, 1, 2, 15, 20]);
  });

  it("prefers tokenizer.json and refuses vocab files of other tokenizer classes", () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-tok-"));
    expect(() => loadHfTokenizerFromFolder(dir)).toThrow(/has no tokenizer\.json/);
    writeFileSync(join(dir, "vocab.json"), readFileSync(fixturePath("weights/lm-buddy_tiny_gpt2/vocab.json")));
    writeFileSync(join(dir, "merges.txt"), "#version: 0.2\nĠ l\n");
    writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ tokenizer_class: "RobertaTokenizer" }));
    expect(() => loadHfTokenizerFromFolder(dir)).toThrow(/only understood for GPT2Tokenizer.*RobertaTokenizer/);
    writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ tokenizer_class: "GPT2Tokenizer" }));
    writeFileSync(join(dir, "merges.txt"), "#version: 0.2\nĠ l\nbroken\n");
    expect(() => loadHfTokenizerFromFolder(dir)).toThrow(/merges\.txt line 3: expected "left right"/);
    writeFileSync(join(dir, "tokenizer.json"), readFileSync(GPT2_JSON));
    expect(loadHfTokenizerFromFolder(dir).vocabSize).toBe(50257);
  });
});
