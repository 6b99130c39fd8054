import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fixturePath } from "../../../../fixtures/index.ts";
import { SafetensorsError } from "./safetensors-error.ts";
import { parseSafetensors, readSafetensors } from "./safetensors-read.ts";
import { safetensorsToBytes } from "./safetensors-write.ts";
import { shapeSize } from "./dtypes.ts";
import { toFloat32 } from "./tensor.ts";

const SAMPLES = fixturePath("weights/safetensors_format_samples");
// generate.py of the samples: one tensor per dtype holding numpy arange(-3, 3) cast to that dtype
// (so unsigned types wrap around), named by its numpy type character; the files are stored as
// `<dtype>_<character>.safetensors` so that B and b stay apart on case-insensitive file systems.
const SAMPLE_DTYPES: Record<string, string> = {
  B: "U8",
  H: "U16",
  I: "U32",
  b: "I8",
  h: "I16",
  i: "I32",
  e: "F16",
  f: "F32",
  d: "F64",
};
const UNSIGNED_BITS: Record<string, number> = { U8: 8, U16: 16, U32: 32 };

function expectedSample(dtype: string): number[] {
  const bits = UNSIGNED_BITS[dtype];
  return [-3, -2, -1, 0, 1, 2].map((v) => (bits !== undefined && v < 0 ? v + 2 ** bits : v));
}

/** Raw storage: F16 is kept as its bit patterns. */
function expectedRaw(dtype: string): number[] {
  return dtype === "F16" ? [0xc200, 0xc000, 0xbc00, 0, 0x3c00, 0x4000] : expectedSample(dtype);
}

describe("readSafetensors on the reference format samples", () => {
  it.each(Object.entries(SAMPLE_DTYPES))("reads the sample %s as %s", async (name, dtype) => {
    const { tensors, metadata } = await readSafetensors(join(SAMPLES, `${dtype}_${name}.safetensors`));
    expect(metadata).toEqual({ test: "a" });
    expect([...tensors.keys()]).toEqual([name]);
    const t = tensors.get(name)!;
    expect(t.dtype).toBe(dtype);
    expect(t.shape).toEqual([6]);
    expect(Array.from(t.data as ArrayLike<number>)).toEqual(expectedRaw(dtype));
    // float32 rounds 2^32 - 3 to 2^32, as any float32 conversion must.
    expect(Array.from(toFloat32(t))).toEqual(expectedSample(dtype).map(Math.fround));
  });

  it("reads all nine from overall.safetensors, including its unaligned F64 and F32 data", async () => {
    const { tensors, metadata } = await readSafetensors(join(SAMPLES, "overall.safetensors"));
    expect(metadata).toEqual({ test: "a" });
    expect(tensors.size).toBe(9);
    for (const [name, dtype] of Object.entries(SAMPLE_DTYPES)) {
      const t = tensors.get(name)!;
      expect(t.dtype).toBe(dtype);
      expect(Array.from(t.data as ArrayLike<number>)).toEqual(expectedRaw(dtype));
    }
    const f32 = await readSafetensors(join(SAMPLES, "overall.safetensors"), { float32: true });
    expect(f32.tensors.get("e")!.dtype).toBe("F16");
    expect(Array.from(f32.tensors.get("e")!.data)).toEqual([-3, -2, -1, 0, 1, 2]);
    expect(f32.tensors.get("d")!.data).toBeInstanceOf(Float32Array);
  });
});

describe("readSafetensors on GPT-2 checkpoints", () => {
  it("reads the fake GPT2LMHeadModel: 16 F32 tensors whose shapes follow config.json", async () => {
    const dir = fixturePath("weights/lm-buddy_fake_gpt2");
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    const { tensors, metadata } = await readSafetensors(join(dir, "model.safetensors"));
    expect(metadata).toEqual({ format: "pt" });
    expect(tensors.size).toBe(16);
    const E = config.n_embd as number;
    const shape = (n: string): number[] => tensors.get(n)!.shape;
    expect(shape("transformer.wte.weight")).toEqual([config.vocab_size, E]);
    expect(shape("transformer.wpe.weight")).toEqual([config.n_positions, E]);
    for (let l = 0; l < config.n_layer; l++) {
      const p = `transformer.h.${l}`;
      expect(shape(`${p}.attn.c_attn.weight`)).toEqual([E, 3 * E]); // Conv1D: (in, out)
      expect(shape(`${p}.attn.c_attn.bias`)).toEqual([3 * E]);
      expect(shape(`${p}.attn.c_proj.weight`)).toEqual([E, E]);
      expect(shape(`${p}.mlp.c_fc.weight`)).toEqual([E, 4 * E]);
      expect(shape(`${p}.mlp.c_proj.weight`)).toEqual([4 * E, E]);
      expect(shape(`${p}.ln_1.weight`)).toEqual([E]);
    }
    for (const t of tensors.values()) {
      expect(t.dtype).toBe("F32");
      expect(t.data.length).toBe(shapeSize(t.shape));
    }
    // Spot values read straight from the file's bytes: the data section starts after 8 + 1392 bytes.
    const raw = readFileSync(join(dir, "model.safetensors"));
    const wte = tensors.get("transformer.wte.weight")!.data as Float32Array;
    expect(wte[0]).toBe(raw.readFloatLE(8 + 1392 + 8504));
    expect(wte[wte.length - 1]).toBe(raw.readFloatLE(raw.length - 4));
    // A freshly initialised GPT-2: layer norms start at weight 1, bias 0; embeddings are small.
    expect(Array.from(tensors.get("transformer.ln_f.weight")!.data as Float32Array)).toEqual([1, 1]);
    expect(Array.from(tensors.get("transformer.ln_f.bias")!.data as Float32Array)).toEqual([0, 0]);
    expect(wte.every((v) => Math.abs(v) < 0.2)).toBe(true);
    expect(wte.some((v) => v !== 0)).toBe(true);
  });

  it("reads the tiny GPT2Model (no transformer. prefix, vocab 21)", async () => {
    const dir = fixturePath("weights/lm-buddy_tiny_gpt2");
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    const { tensors } = await readSafetensors(join(dir, "model.safetensors"));
    expect([...tensors.keys()].sort()).toEqual(
      [
        "h.0.attn.c_attn.bias",
        "h.0.attn.c_attn.weight",
        "h.0.attn.c_proj.bias",
        "h.0.attn.c_proj.weight",
        "h.0.ln_1.bias",
        "h.0.ln_1.weight",
        "h.0.ln_2.bias",
        "h.0.ln_2.weight",
        "h.0.mlp.c_fc.bias",
        "h.0.mlp.c_fc.weight",
        "h.0.mlp.c_proj.bias",
        "h.0.mlp.c_proj.weight",
        "ln_f.bias",
        "ln_f.weight",
        "wpe.weight",
        "wte.weight",
      ].sort(),
    );
    expect(tensors.get("wte.weight")!.shape).toEqual([config.vocab_size, config.n_embd]);
    const raw = readFileSync(join(dir, "model.safetensors"));
    const cAttn = tensors.get("h.0.attn.c_attn.weight")!.data as Float32Array;
    expect(cAttn[7]).toBe(raw.readFloatLE(8 + 1200 + 24 + 7 * 4));
  });
});

/** Every error must be our own, naming the source; a successful parse must be self-consistent. */
function parseOrExplain(bytes: Uint8Array): void {
  try {
    const { tensors } = parseSafetensors(bytes, "fuzz.safetensors");
    for (const t of tensors.values()) expect(t.data.length).toBe(shapeSize(t.shape));
  } catch (err) {
    expect(err).toBeInstanceOf(SafetensorsError);
    expect((err as Error).message.startsWith("fuzz.safetensors: ")).toBe(true);
  }
}

describe("parseSafetensors on damaged input", () => {
  const overall = new Uint8Array(readFileSync(join(SAMPLES, "overall.safetensors")));
  const gpt2 = new Uint8Array(readFileSync(fixturePath("weights/lm-buddy_tiny_gpt2/model.safetensors")));

  it("rejects every truncation with a SafetensorsError", () => {
    for (const file of [overall, gpt2]) {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: file.length - 1 }), (cut) => {
          expect(() => parseSafetensors(file.subarray(0, cut), "cut.safetensors")).toThrow(SafetensorsError);
        }),
        { numRuns: 300 },
      );
    }
  });

  it("never crashes or returns inconsistent tensors when header bytes are corrupted", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 8 + 526 - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (edits) => {
          const bytes = overall.slice();
          for (const [at, value] of edits) bytes[at] = value;
          parseOrExplain(bytes);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("explains the specific problems", () => {
    const err = (bytes: Uint8Array): string => {
      try {
        parseSafetensors(bytes, "bad.safetensors");
      } catch (e) {
        expect(e).toBeInstanceOf(SafetensorsError);
        return (e as Error).message;
      }
      throw new Error("expected a SafetensorsError");
    };
    const withHeader = (header: string, data = new Uint8Array(0)): Uint8Array => {
      const json = new TextEncoder().encode(header);
      const out = new Uint8Array(8 + json.length + data.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      out.set(data, 8 + json.length);
      return out;
    };
    expect(err(new Uint8Array(3))).toMatch(/^bad\.safetensors: file is 3 bytes, too short/);
    const huge = overall.slice();
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(err(huge)).toMatch(/header length 1099511627776 exceeds/);
    expect(err(overall.subarray(0, 100))).toMatch(/file is truncated: the header needs 526 bytes but only 92/);
    expect(err(overall.subarray(0, overall.length - 1))).toMatch(
      /tensor "i": file is truncated: the tensor's data ends at byte 168 of the data section, which has only 167 bytes/,
    );
    expect(err(withHeader("[1,2]"))).toMatch(/does not start with '\{'/);
    expect(err(withHeader('{"a":'))).toMatch(/header is not valid JSON/);
    expect(err(withHeader('{"a":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}}'))).toMatch(
      /tensor "a": dtype F4 packs several elements per byte/,
    );
    expect(err(withHeader('{"a":{"dtype":"Q8","shape":[2],"data_offsets":[0,2]}}'))).toMatch(/tensor "a": unknown dtype "Q8"/);
    expect(err(withHeader('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', new Uint8Array(4)))).toMatch(
      /tensor "a": shape \[2\] of F32 needs 8 bytes but data_offsets \[0, 4\] span 4/,
    );
    expect(err(withHeader('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}'))).toMatch(/shape \[-1\] is not a list/);
    expect(
      err(
        withHeader(
          '{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}',
          new Uint8Array(3),
        ),
      ),
    ).toMatch(/tensor "b": data_offsets \[1, 3\] overlap another tensor/);
    expect(err(withHeader('{"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}', new Uint8Array(4)))).toMatch(
      /tensor "a": data_offsets \[2, 4\] leave a gap/,
    );
    expect(err(withHeader('{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}', new Uint8Array(5)))).toMatch(
      /3 unexpected bytes after the last tensor/,
    );
    expect(err(withHeader('{"__metadata__":{"x":1}}'))).toMatch(/__metadata__ value for "x" is not a string/);
    const badUtf8 = withHeader('{"a":1}');
    badUtf8[10] = 0xff;
    expect(err(badUtf8)).toMatch(/not valid UTF-8/);
  });

  it("keeps unusual metadata keys as data", () => {
    const bytes = safetensorsToBytes({}, { metadata: JSON.parse('{"__proto__":"x","0":"y"}') });
    const { metadata } = parseSafetensors(bytes);
    expect(Object.getOwnPropertyNames(metadata).sort()).toEqual(["0", "__proto__"]);
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
  });

  it("reads empty and scalar tensors", () => {
    const bytes = safetensorsToBytes({
      empty: { dtype: "F32", shape: [0, 3], data: new Float32Array(0) },
      scalar: { dtype: "I64", shape: [], data: new BigInt64Array([-5n]) },
    });
    const { tensors, metadata } = parseSafetensors(bytes);
    expect(metadata).toEqual({});
    expect(tensors.get("empty")!.shape).toEqual([0, 3]);
    expect(tensors.get("scalar")!.data).toEqual(new BigInt64Array([-5n]));
  });

  it("reads files from disk exactly as it parses the same bytes in memory", async () => {
    for (const path of [join(SAMPLES, "overall.safetensors"), fixturePath("weights/lm-buddy_fake_gpt2/model.safetensors")]) {
      const fromDisk = await readSafetensors(path);
      const inMemory = parseSafetensors(new Uint8Array(readFileSync(path)), path);
      expect(fromDisk).toEqual(inMemory);
    }
  });

  it("rejects truncated files on disk with the same errors", async () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-cut-"));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: gpt2.length - 1 }), async (cut) => {
        const path = join(dir, "cut.safetensors");
        writeFileSync(path, gpt2.subarray(0, cut));
        const expected = (() => {
          try {
            parseSafetensors(gpt2.subarray(0, cut), path);
          } catch (e) {
            return (e as Error).message;
          }
          return "parsed";
        })();
        await expect(readSafetensors(path)).rejects.toThrow(expected);
      }),
      { numRuns: 60 },
    );
  });

  it("names the file when it cannot be read", async () => {
    await expect(readSafetensors("/nonexistent/x.safetensors")).rejects.toThrow(/^\/nonexistent\/x\.safetensors: cannot read the file/);
  });
});
