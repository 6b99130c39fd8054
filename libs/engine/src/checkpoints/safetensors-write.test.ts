import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SAFETENSORS_DTYPES, dtypeStorage, dtypeSize, type SafetensorsDType } from "./dtypes.ts";
import { fixturePath } from "../../../../fixtures/index.ts";
import { parseSafetensors, readSafetensors } from "./safetensors-read.ts";
import { safetensorsToBytes, writeSafetensors } from "./safetensors-write.ts";
import { tensorFromFloat32, toFloat32, type StoredTensor } from "./tensor.ts";

const SAMPLES = fixturePath("weights/safetensors_format_samples");

/** Raw bytes of every tensor in a file, straight from its header offsets (independent of our reader). */
function rawTensorBytes(file: Uint8Array): Map<string, string> {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n)));
  const out = new Map<string, string>();
  for (const [name, e] of Object.entries<{ data_offsets: [number, number] }>(header)) {
    if (name === "__metadata__") continue;
    out.set(name, Buffer.from(file.subarray(8 + n + e.data_offsets[0], 8 + n + e.data_offsets[1])).toString("hex"));
  }
  return out;
}

/** Random tensors of every dtype, filled with random bytes. */
const tensorArb = fc
  .tuple(
    fc.constantFrom(...SAFETENSORS_DTYPES),
    fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  )
  .map(([dtype, shape, seed]): StoredTensor => {
    const count = shape.reduce((a, b) => a * b, 1);
    const Storage = dtypeStorage(dtype);
    const data = new Storage(count);
    const bytes = new Uint8Array(data.buffer);
    let s = seed;
    for (let i = 0; i < bytes.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      bytes[i] = s >>> 24;
    }
    return { dtype, shape, data } as StoredTensor;
  });

describe("safetensors writer", () => {
  it("write -> read -> write gives identical bytes for random tensors of every dtype", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== "__metadata__"),
          tensorArb,
          {
            maxKeys: 5,
          },
        ),
        fc.option(fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }), { nil: undefined }),
        (tensors, metadata) => {
          const first = safetensorsToBytes(tensors, { metadata });
          expect(first.byteOffset).toBe(0);
          expect(Number(new DataView(first.buffer).getBigUint64(0, true)) % 8).toBe(0);
          const read = parseSafetensors(first);
          expect(read.metadata).toEqual(metadata ?? {});
          expect([...read.tensors.keys()].sort()).toEqual(Object.keys(tensors).sort());
          for (const [name, t] of read.tensors) {
            expect(t.dtype).toBe(tensors[name].dtype);
            expect(t.shape).toEqual(tensors[name].shape);
            expect(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)).toEqual(new Uint8Array(tensors[name].data.buffer));
          }
          const second = safetensorsToBytes(read.tensors, { metadata: metadata === undefined ? undefined : read.metadata });
          expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("aligns every tensor to its element size (largest elements first)", () => {
    const bytes = safetensorsToBytes({
      a: { dtype: "U8", shape: [3], data: new Uint8Array([1, 2, 3]) },
      b: { dtype: "F64", shape: [1], data: new Float64Array([1.5]) },
      c: { dtype: "F16", shape: [1], data: new Uint16Array([0x3c00]) },
    });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.b.data_offsets).toEqual([0, 8]);
    expect(header.c.data_offsets).toEqual([8, 10]);
    expect(header.a.data_offsets).toEqual([10, 13]);
    expect(Object.keys(header)).toEqual(["b", "c", "a"]);
  });

  it.each(readdirSync(SAMPLES).filter((f) => f.endsWith(".safetensors")))(
    "reading %s and writing it back reproduces its tensor bytes",
    async (file) => {
      const original = new Uint8Array(readFileSync(join(SAMPLES, file)));
      const { tensors, metadata } = await readSafetensors(join(SAMPLES, file));
      const rewritten = safetensorsToBytes(tensors, { metadata });
      expect(rawTensorBytes(rewritten)).toEqual(rawTensorBytes(original));
    },
  );

  it.each(["lm-buddy_fake_gpt2", "lm-buddy_tiny_gpt2"])("rewrites the %s checkpoint byte for byte, header included", async (folder) => {
    const path = fixturePath(`weights/${folder}/model.safetensors`);
    const { tensors, metadata } = await readSafetensors(path);
    const rewritten = safetensorsToBytes(tensors, { metadata });
    expect(Buffer.from(rewritten).equals(readFileSync(path))).toBe(true);
  });

  it("writes float32 values as F16 and BF16 with rounding, and reads them back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-st-"));
    const values = new Float32Array([1, 1 + 2 ** -11, 65520, -0, 2 ** -25, NaN, 3.140625]);
    await writeSafetensors(join(dir, "h.safetensors"), {
      h: tensorFromFloat32(values, [7], "F16"),
      b: tensorFromFloat32(values, [7], "BF16"),
      f: tensorFromFloat32(values, [7]),
    });
    const { tensors } = await readSafetensors(join(dir, "h.safetensors"), { float32: true });
    expect(Array.from(tensors.get("h")!.data)).toEqual([1, 1, Infinity, -0, 0, NaN, 3.140625]);
    expect(Array.from(tensors.get("b")!.data)).toEqual([1, 1, 65536, -0, 2 ** -25, NaN, 3.140625]);
    expect(tensors.get("f")!.data).toEqual(values);
    expect(tensors.get("h")!.dtype).toBe("F16");
    expect(readdirSync(dir)).toEqual(["h.safetensors"]);
  });

  it("converts every dtype to float32", () => {
    for (const dtype of SAFETENSORS_DTYPES) {
      const Storage = dtypeStorage(dtype as SafetensorsDType);
      const data = new Storage(2);
      new Uint8Array(data.buffer).fill(0);
      // Element 1 = the value "one" in each encoding.
      const one: Record<string, number | bigint> = { F16: 0x3c00, BF16: 0x3f80, F8_E4M3: 0x38, F8_E5M2: 0x3c, F8_E8M0: 127 };
      (data as unknown as (number | bigint)[])[1] = one[dtype] ?? (dtypeSize(dtype) === 8 && !dtype.startsWith("F") ? 1n : 1);
      const f = toFloat32({ dtype, shape: [2], data } as StoredTensor);
      expect(f[1], dtype).toBe(1);
    }
  });

  it("rejects tensors it cannot write, naming the tensor", () => {
    expect(() => safetensorsToBytes({ x: { dtype: "F16", shape: [1], data: new Float32Array(1) } as unknown as StoredTensor })).toThrow(
      /tensor "x": data for F16 must be a Uint16Array, got Float32Array/,
    );
    expect(() => safetensorsToBytes({ x: { dtype: "F32", shape: [2, 2], data: new Float32Array(3) } })).toThrow(
      /tensor "x": data has 3 elements but shape \[2, 2\] needs 4/,
    );
    expect(() => safetensorsToBytes({ __metadata__: { dtype: "U8", shape: [0], data: new Uint8Array(0) } })).toThrow(/reserved/);
    expect(() => tensorFromFloat32(new Float32Array(2), [3])).toThrow(/2 values do not fill shape \[3\]/);
  });
});
