import { randomBytes } from "node:crypto";
import { open, rm, rename, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Bytes to write: one buffer, or chunks produced on the fly (so big checkpoints need no second copy). */
export type AtomicWriteData = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

async function* chunksOf(data: AtomicWriteData): AsyncIterable<Uint8Array> {
  if (data instanceof Uint8Array) yield data;
  else yield* data;
}

async function fsyncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (err) {
    // Windows cannot open or fsync a directory; the rename there is already durable enough.
    if (process.platform !== "win32") throw err;
  } finally {
    await handle?.close();
  }
}

/**
 * Replaces `target` with `data` so that readers see either the old file or the complete new one:
 * writes a temporary file in the same folder, fsyncs it, renames it over the target, then fsyncs
 * the folder so the rename itself survives a power cut. On any failure the temporary file is
 * removed and the old target is left untouched.
 */
export async function writeFileAtomic(target: string, data: AtomicWriteData): Promise<void> {
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, "wx", 0o644);
    for await (const chunk of chunksOf(data)) {
      let written = 0;
      while (written < chunk.byteLength) {
        const { bytesWritten } = await handle.write(chunk, written, chunk.byteLength - written);
        written += bytesWritten;
      }
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, target);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw new Error(`Could not write ${target}: ${(err as Error).message}; the previous file is unchanged`, {
      cause: err,
    });
  }
  await fsyncDirectory(dir);
}
