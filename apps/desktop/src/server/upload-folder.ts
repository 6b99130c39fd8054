/**
 * Where one browser-mode launch keeps its uploads: `<root>/<pid>-<random>/`, removed when the
 * server closes. A launch killed before it could clean up leaves its folder behind; the next
 * launch removes folders whose process is gone (several labs may share a data folder, so a live
 * launch's folder is never touched).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const LAUNCH_FOLDER = /^(\d+)-[0-9a-f]+$/;
/** Uploads written straight into the root by versions before per-launch folders. */
const LOOSE_UPLOAD = /^[0-9a-f]{12}-/;

export interface UploadFolder {
  dir: string;
  /** Deletes the folder and everything in it. */
  remove(): void;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes uploads left by launches that no longer run; returns the names removed. */
export function removeStaleUploads(root: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of entries) {
    const launch = LAUNCH_FOLDER.exec(name);
    const stale = launch ? !processAlive(Number(launch[1])) : LOOSE_UPLOAD.test(name);
    if (!stale) continue;
    rmSync(join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Creates this launch's upload folder under `root`, after removing stale ones. */
export function createUploadFolder(root: string): UploadFolder {
  removeStaleUploads(root);
  // Absolute, so the grants that point into it resolve the same whatever the working folder.
  const dir = resolve(root, `${process.pid}-${randomBytes(4).toString("hex")}`);
  mkdirSync(dir, { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
