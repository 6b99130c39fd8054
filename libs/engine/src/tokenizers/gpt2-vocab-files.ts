/**
 * Builds a `tokenizer.json` object for a GPT-2 style byte-level BPE tokenizer saved in the older
 * two-file form (`vocab.json` + `merges.txt`), the layout `GPT2Tokenizer.save_pretrained` writes.
 * The pipeline is GPT-2's: ByteLevel pre-tokenizer (GPT-2 regex, no prefix space), BPE, ByteLevel
 * decoder.
 * @param vocab token -> id, from vocab.json
 * @param mergesText contents of merges.txt (a `#version` line, then one `left right` pair per line)
 * @param options unknown token and the added (special) tokens from tokenizer_config.json
 */
export function gpt2TokenizerJson(
  vocab: Record<string, number>,
  mergesText: string,
  options: { unkToken?: string; addedTokens?: { id: number; content: string; special: boolean }[]; source?: string } = {},
): Record<string, unknown> {
  const source = options.source ?? "merges.txt";
  const merges: string[] = [];
  for (const [i, line] of mergesText.split(/\r?\n/).entries()) {
    if (line.startsWith("#version") || line.trim() === "") continue;
    const parts = line.split(" ");
    if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
      throw new Error(`${source} line ${i + 1}: expected "left right", got ${JSON.stringify(line)}`);
    }
    merges.push(line);
  }
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: (options.addedTokens ?? []).map((t) => ({
      id: t.id,
      content: t.content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: true,
      special: t.special,
    })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: options.unkToken ?? null,
      continuing_subword_prefix: "",
      end_of_word_suffix: "",
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}
