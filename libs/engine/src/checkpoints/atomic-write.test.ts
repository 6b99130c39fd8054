import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileAtomic } from "./atomic-write.ts";
import { writeSafetensors } from "./safetensors-write.ts";

function freshDir(): string {
  return mkdtempSync(join(tmpdir(), "goodhart-atomic-"));
}

describe("writeFileAtomic", () => {
  it("replaces the file and leaves no temporary file", async () => {
    const dir = freshDir();
    const target = join(dir, "model.safetensors");
    writeFileSync(target, "old");
    await writeFileAtomic(target, [Buffer.from("new "), Buffer.from("content")]);
    expect(readFileSync(target, "utf8")).toBe("new content");
    expect(readdirSync(dir)).toEqual(["model.safetensors"]);
  });

  it("keeps the old file and removes the temporary one when the data source fails mid-write", async () => {
    const dir = freshDir();
    const target = join(dir, "model.safetensors");
    writeFileSync(target, "old weights");
    let chunksWritten = 0;
    function* failingSource(): Generator<Uint8Array> {
      yield new Uint8Array(1 << 16).fill(7);
      chunksWritten++;
      yield new Uint8Array(1 << 16).fill(8);
      chunksWritten++;
      throw new Error("disk full (injected)");
    }
    await expect(writeFileAtomic(target, failingSource())).rejects.toThrow(
      /Could not write .*model\.safetensors: disk full \(injected\); the previous file is unchanged/,
    );
    expect(chunksWritten).toBe(2); // the failure really happened after data reached the temp file
    expect(readFileSync(target, "utf8")).toBe("old weights");
    expect(readdirSync(dir)).toEqual(["model.safetensors"]);
  });

  it("cleans up when the final rename fails (target is a folder)", async () => {
    const dir = freshDir();
    const target = join(dir, "taken");
    mkdirSync(target);
    writeFileSync(join(target, "keep.txt"), "x");
    await expect(writeFileAtomic(target, Buffer.from("data"))).rejects.toThrow(/Could not write .*taken/);
    expect(readdirSync(dir)).toEqual(["taken"]);
    expect(readFileSync(join(target, "keep.txt"), "utf8")).toBe("x");
  });

  // Root ignores directory permissions, so this case can only be exercised as an ordinary user
  // (as on CI and desktops); the injected-failure test above covers the same guarantee for root.
  const isRoot = process.getuid?.() === 0;
  it.skipIf(isRoot || process.platform === "win32")("keeps the old file when the folder is read-only", async () => {
    const dir = freshDir();
    const target = join(dir, "config.json");
    writeFileSync(target, "{}");
    chmodSync(dir, 0o555);
    try {
      await expect(writeFileAtomic(target, Buffer.from('{"new":true}'))).rejects.toThrow(/Could not write .*EACCES/);
      expect(readFileSync(target, "utf8")).toBe("{}");
      expect(readdirSync(dir)).toEqual(["config.json"]);
    } finally {
      chmodSync(dir, 0o755);
    }
  });

  it("fails cleanly when the folder does not exist", async () => {
    const dir = freshDir();
    await expect(writeFileAtomic(join(dir, "missing", "f.bin"), Buffer.from("x"))).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("leaves an existing checkpoint intact when a tensor is invalid", async () => {
    const dir = freshDir();
    const target = join(dir, "model.safetensors");
    writeFileSync(target, "old");
    await expect(writeSafetensors(target, { w: { dtype: "F32", shape: [2], data: new Float32Array(3) } })).rejects.toThrow(/tensor "w"/);
    expect(readFileSync(target, "utf8")).toBe("old");
    expect(readdirSync(dir)).toEqual(["model.safetensors"]);
  });
});
