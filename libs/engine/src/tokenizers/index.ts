export type { BatchEncodeOptions, BatchEncoding, DecodeOptions, EncodeOptions, SpecialTokenIds, Tokenizer } from "./tokenizer.ts";
export { padBatch } from "./pad-batch.ts";
export { ByteTokenizer, BYTE_TOKENIZER_SPECIAL } from "./byte-tokenizer.ts";
export { HfTokenizer, loadHfTokenizer, loadHfTokenizerFromFolder } from "./hf-tokenizer.ts";
export { gpt2TokenizerJson } from "./gpt2-vocab-files.ts";
