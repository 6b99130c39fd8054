/**
 * Application settings in a small JSON file beside the database (not in SQLite: they belong to the
 * installation, not to the workspace of results). Written atomically.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { z } from "zod";

export const StoredSettings = z.object({
  device: z.string().min(1).default("cpu"),
  threads: z.number().int().positive().default(2),
  runConcurrency: z.number().int().min(1).max(64).default(1),
  llmEndpoint: z.string().nullable().default(null),
  /** The worker pool runs go to (redis:// or rediss://, never with credentials), or null: this lab runs them. */
  queueUrl: z.string().nullable().default(null),
});
export type StoredSettings = z.infer<typeof StoredSettings>;

export class SettingsStore {
  #value: StoredSettings;

  constructor(readonly file: string) {
    this.#value = SettingsStore.#read(file);
  }

  static #read(file: string): StoredSettings {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return StoredSettings.parse({});
      throw err;
    }
    const parsed = StoredSettings.safeParse(JSON.parse(text));
    if (!parsed.success)
      throw new Error(
        `${file}: invalid settings (${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}); fix or delete the file`,
      );
    return parsed.data;
  }

  get(): StoredSettings {
    return { ...this.#value };
  }

  update(patch: Partial<StoredSettings>): StoredSettings {
    const next = StoredSettings.parse({ ...this.#value, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(next, null, 2));
    renameSync(temp, this.file);
    this.#value = next;
    return this.get();
  }
}
