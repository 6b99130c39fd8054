/**
 * Lab services for service tests, each on its own SQLite file in a fresh temporary folder and
 * closed (the service, then its store) after the test that opened it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LabStore, openDatabase } from "@goodhart/storage";
import { afterEach } from "vitest";
import { type LabService, type LabServiceOptions, createLabService } from "../lab-service.ts";

export interface TempLab {
  /** The lab's folder: lab.sqlite and data/ (and cache/ with `ownCache`). */
  dir: string;
  store: LabStore;
  service: LabService;
}

/**
 * Registers the closing `afterEach` (call it at a test file's top level) and returns the opener.
 * `ownCache`: the lab's cache is `<dir>/cache` even where GOODHART_CACHE names a shared one (a test
 * that checks what a study caches).
 */
export function tempLabs(prefix: string, options: { ownCache?: boolean } = {}) {
  const opened: TempLab[] = [];
  afterEach(async () => {
    for (const lab of opened.splice(0)) {
      await lab.service.close();
      lab.store.close();
    }
  });
  return (extra: Omit<Partial<LabServiceOptions>, "store" | "dataDir"> = {}): TempLab => {
    const dir = mkdtempSync(join(tmpdir(), `goodhart-${prefix}-`));
    const store = openDatabase(join(dir, "lab.sqlite"));
    const cache = options.ownCache ? { cacheDir: join(dir, "cache") } : {};
    const service = createLabService({ store, dataDir: join(dir, "data"), ...cache, ...extra });
    const lab = { dir, store, service };
    opened.push(lab);
    return lab;
  };
}
