import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fixturePath } from "../../../fixtures/index.ts";
import type { LabStore } from "../src/index.ts";

/** A preference dataset from the repository's fixtures/preference folder. */
export const preferenceFixture = (name: string) => fixturePath(`preference/${name}`);

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Row counts of every table: "unchanged" means this snapshot is equal before and after. */
export function snapshot(store: LabStore): Record<string, number> {
  return {
    datasets: store.datasets.list().length,
    examples: store.datasets.list().reduce((n, d) => n + store.examples.count(d.id), 0),
    labels: store.datasets.list().reduce((n, d) => n + store.datasets.labelCounts(d.id).reduce((m, c) => m + c.count, 0), 0),
  };
}
