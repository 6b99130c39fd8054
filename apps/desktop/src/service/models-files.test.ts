// Registering a model folder handed over as its files (a folder dropped on the page): the lab
// copies them into a folder of its own and registers that; bad names, a set the engine cannot
// run, and file references the page was not granted are refused with nothing kept.
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@goodhart/storage";
import { describe, expect, it } from "vitest";
import { fixturePath } from "../../../../fixtures/index.ts";
import { FileGrants, withFileGrants } from "./file-grants.ts";
import { createLabService } from "./lab-service.ts";
import { registerModelFiles } from "./models.ts";

const NEOX = fixturePath("models/tiny-gpt-neox");
const filesOf = (names: string[]) => names.map((name) => ({ name, path: join(NEOX, name) }));

function lab() {
  const dir = mkdtempSync(join(tmpdir(), "goodhart-model-files-"));
  return { dir, store: openDatabase(join(dir, "lab.sqlite")), dataDir: join(dir, "data") };
}

describe("models from dropped files", () => {
  it("copies the files into the lab's models folder and registers the copy; the same files again return it", () => {
    const { store, dataDir } = lab();
    const { model, created } = registerModelFiles(store, dataDir, filesOf(["config.json", "model.safetensors", "tokenizer.json"]), "neox");
    expect(created).toBe(true);
    expect(model).toMatchObject({ name: "neox", architecture: "gpt_neox", tokenizer: "tokenizer.json" });
    expect(model.path.startsWith(join(dataDir, "models"))).toBe(true);
    expect(readdirSync(model.path).sort()).toEqual(["config.json", "model.safetensors", "tokenizer.json"]);
    const again = registerModelFiles(store, dataDir, filesOf(["config.json", "model.safetensors", "tokenizer.json"]), "neox");
    expect(again).toMatchObject({ created: false, model: { id: model.id } });
    expect(readdirSync(join(dataDir, "models"))).toHaveLength(1);
    store.close();
  });

  it("refuses bad names and sets the engine cannot run, keeping nothing", () => {
    const { store, dataDir } = lab();
    expect(() => registerModelFiles(store, dataDir, [{ name: "../config.json", path: join(NEOX, "config.json") }])).toThrow(
      /must be a plain file name/,
    );
    expect(() => registerModelFiles(store, dataDir, filesOf(["tokenizer.json"]))).toThrow(/have no config\.json/);
    expect(() => registerModelFiles(store, dataDir, filesOf(["config.json", "tokenizer.json"]))).toThrow(/no model\.safetensors/);
    expect(existsSync(join(dataDir, "models")) ? readdirSync(join(dataDir, "models")) : []).toEqual([]);
    expect(store.models.list()).toEqual([]);
    store.close();
  });

  it("a page names files only through its grants", async () => {
    const { store, dataDir } = lab();
    const service = createLabService({ store, dataDir });
    try {
      const grants = new FileGrants();
      const page = withFileGrants(service, grants);
      await expect(page.models.import({ files: [{ name: "config.json", path: join(NEOX, "config.json") }] })).rejects.toThrow(
        /models\.import: '.*config\.json' is not a file dropped, chosen or uploaded/,
      );
      const files = ["config.json", "model.safetensors", "tokenizer.json"].map((name) => ({ name, path: grants.grant(join(NEOX, name)) }));
      const model = await page.models.import({ files, name: "granted" });
      expect(model.name).toBe("granted");
      expect(grants.size).toBe(0);
    } finally {
      await service.close();
      store.close();
    }
  });
});
