import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteTokenizer } from "./byte-tokenizer.ts";

describe("ByteTokenizer", () => {
  const tok = new ByteTokenizer();

  // Well-formed Unicode only: a lone surrogate has no UTF-8 encoding (TextEncoder writes U+FFFD).
  it("round-trips arbitrary well-formed Unicode, astral planes and combining marks included", () => {
    const unicode = fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme-composite" }));
    fc.assert(
      fc.property(unicode, (text) => {
        const ids = tok.encode(text);
        expect(ids.every((id) => id >= 0 && id < 256)).toBe(true);
        expect(tok.decode(ids)).toBe(text);
        expect(tok.decode(tok.encode(text, { addSpecial: true }))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it("encodes UTF-8 bytes", () => {
    expect(tok.encode("é€😀")).toEqual([0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]);
  });

  it("wraps with bos/eos only when asked and never makes special ids from text", () => {
    expect(tok.special).toEqual({ bos: 256, eos: 257, pad: 258, sep: 259 });
    expect(tok.encode("a", { addSpecial: true })).toEqual([256, 97, 257]);
    expect(tok.encode("a")).toEqual([97]);
    expect(tok.encode("<|eos|>").every((id) => id < 256)).toBe(true);
  });

  it("skips special tokens on decode by default, shows them on request", () => {
    const ids = [256, 104, 105, 259, 33, 257, 258];
    expect(tok.decode(ids)).toBe("hi!");
    expect(tok.decode(ids, { skipSpecial: false })).toBe("<|bos|>hi<|sep|>!<|eos|><|pad|>");
    expect(() => tok.decode([260])).toThrow(/id 260 at position 0/);
  });

  it("decodes a character cut by truncation as U+FFFD instead of throwing", () => {
    expect(tok.decode([0xe2, 0x82])).toBe("\uFFFD");
  });

  it("pads right and left with correct attention masks", () => {
    const texts = ["ab", "abcd", ""];
    const right = tok.encodeBatch(texts, { padSide: "right" });
    expect(right.ids).toEqual([
      [97, 98, 258, 258],
      [97, 98, 99, 100],
      [258, 258, 258, 258],
    ]);
    expect(right.attentionMask).toEqual([
      [1, 1, 0, 0],
      [1, 1, 1, 1],
      [0, 0, 0, 0],
    ]);
    const left = tok.encodeBatch(texts, { padSide: "left", addSpecial: true });
    expect(left.ids).toEqual([
      [258, 258, 256, 97, 98, 257],
      [256, 97, 98, 99, 100, 257],
      [258, 258, 258, 258, 256, 257],
    ]);
    expect(left.attentionMask).toEqual([
      [0, 0, 1, 1, 1, 1],
      [1, 1, 1, 1, 1, 1],
      [0, 0, 0, 0, 1, 1],
    ]);
  });

  it("truncates to maxLength from either side and can pad to maxLength", () => {
    expect(tok.encodeBatch(["abcdef", "a"], { padSide: "left", maxLength: 3 }).ids).toEqual([
      [97, 98, 99],
      [258, 258, 97],
    ]);
    expect(tok.encodeBatch(["abcdef"], { padSide: "left", maxLength: 3, truncateSide: "left" }).ids).toEqual([[100, 101, 102]]);
    const padded = tok.encodeBatch(["a"], { padSide: "right", maxLength: 3, padToMaxLength: true });
    expect(padded).toEqual({ ids: [[97, 258, 258]], attentionMask: [[1, 0, 0]] });
    expect(() => tok.encodeBatch(["a"], { padSide: "middle" as "left" })).toThrow(/padSide/);
  });

  it("keeps the batch invariants for random inputs", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string(), { minLength: 1, maxLength: 6 }),
        fc.constantFrom("left" as const, "right" as const),
        fc.option(fc.nat(12), { nil: undefined }),
        (texts, padSide, maxLength) => {
          const { ids, attentionMask } = tok.encodeBatch(texts, { padSide, maxLength });
          const width = ids[0].length;
          texts.forEach((text, b) => {
            const expected = tok.encode(text).slice(0, maxLength ?? Infinity);
            expect(ids[b].length).toBe(width);
            const real = ids[b].filter((_, t) => attentionMask[b][t] === 1);
            expect(real).toEqual(expected);
            const firstReal = attentionMask[b].indexOf(1);
            if (padSide === "left" && firstReal >= 0) {
              expect(attentionMask[b].slice(firstReal).every((m) => m === 1)).toBe(true);
            }
            if (padSide === "right") {
              expect(attentionMask[b].slice(0, expected.length).every((m) => m === 1)).toBe(true);
            }
            ids[b].forEach((id, t) => attentionMask[b][t] === 0 && expect(id).toBe(258));
          });
        },
      ),
    );
  });
});
