// A dataset folder handed over as its files (a folder dropped on a browser-mode page): the lab
// rebuilds the folder in a staging folder, imports it as one dataset, and removes the staging
// folder; errors name the file by its path in the dropped folder; bad names change nothing.
import { copyFileSync, existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixturePath } from "../../../../fixtures/index.ts";
import { FileGrants, withFileGrants } from "./file-grants.ts";
import { tempLabs } from "./testing/temp-labs.ts";

const FOLDER = "hh-rlhf_harmless-base_save_to_disk";
const SAVED = fixturePath(`datasets/${FOLDER}`);
const NAMES = [
  "dataset_dict.json",
  "train/state.json",
  "train/dataset_info.json",
  "train/data-00000-of-00002.arrow",
  "train/data-00001-of-00002.arrow",
  "test/state.json",
  "test/dataset_info.json",
  "test/data-00000-of-00001.arrow",
];
const filesOf = (names: string[]) => names.map((name) => ({ name, path: join(SAVED, ...name.split("/")) }));

const openLab = tempLabs("dataset-files");
/** What is left in the lab's staging folder (nothing, once a call has returned). */
const staged = (dir: string) => (existsSync(join(dir, "data", "staging")) ? readdirSync(join(dir, "data", "staging")) : []);

describe("a dataset folder handed over as its files", () => {
  it("detects and imports a save_to_disk DatasetDict's files (relative paths) as one dataset named after the folder", async () => {
    const { dir, store, service } = openLab();
    const detected = await service.datasets.detect({ files: filesOf(NAMES), folder: FOLDER });
    expect(detected).toMatchObject({ container: "arrow", format: "hh-rlhf" });
    const dataset = await service.datasets.import({ files: filesOf(NAMES), folder: FOLDER });
    expect(dataset).toMatchObject({ name: FOLDER, rowCount: 120, format: "hh-rlhf" });
    // The same rows as the folder imported by path: the same content, so a second import is refused.
    await expect(service.datasets.import({ path: SAVED })).rejects.toThrow(/already imported as dataset 1/);
    // Each example keeps its split: the DatasetDict's sub-folders kept their names.
    const examples = store.examples.list(dataset.id, { afterRow: 95, limit: 2 });
    expect(examples.map((e) => e.metadata?.split)).toEqual(["train", "test"]);
    expect(staged(dir)).toEqual([]);
  });

  it("names a missing shard by its path in the dropped folder, imports nothing and removes the staged copy", async () => {
    const { dir, service } = openLab();
    const withoutShard = NAMES.filter((n) => n !== "train/data-00001-of-00002.arrow");
    const error = await service.datasets.import({ files: filesOf(withoutShard), folder: FOLDER }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      `${FOLDER}/train/state.json, field "_data_files[1].filename": lists data-00001-of-00002.arrow, which is not in ${FOLDER}/train`,
    );
    expect(await service.datasets.list()).toEqual([]);
    expect(staged(dir)).toEqual([]);
  });

  it("refuses names that leave the folder or hide, a file given twice or as another's folder, and a path with files", async () => {
    const { dir, service } = openLab();
    const one = (name: string) => [{ name, path: join(SAVED, "dataset_dict.json") }];
    for (const name of ["../dataset_dict.json", "train/../../x.json", "/etc/passwd", ".hidden/state.json", "train\\state.json", "a//b"])
      await expect(service.datasets.import({ files: one(name) }), name).rejects.toThrow(/must be a plain name/);
    await expect(service.datasets.import({ files: [...filesOf(["train/state.json"]), ...filesOf(["train/state.json"])] })).rejects.toThrow(
      /'train\/state\.json' was given twice/,
    );
    await expect(service.datasets.import({ files: [...one("train"), ...filesOf(["train/state.json"])] })).rejects.toThrow(
      /'train' is also the folder of 'train\/state\.json'/,
    );
    await expect(service.datasets.import({ files: filesOf(NAMES), folder: "../up" })).rejects.toThrow(/folder name '\.\.\/up'/);
    await expect(service.datasets.import({ path: SAVED, files: filesOf(NAMES) })).rejects.toThrow(/path or its files, not both/);
    await expect(service.datasets.detect({})).rejects.toThrow(/give the dataset's path, or a dropped folder's files/);
    await expect(service.datasets.import({ files: [{ name: "x.parquet", path: join(dir, "nowhere.parquet") }] })).rejects.toThrow(
      /^dataset\/x\.parquet: cannot be read \(ENOENT\)/,
    );
    expect(await service.datasets.list()).toEqual([]);
    expect(staged(dir)).toEqual([]);
  });

  it("through the page's door: every file must be granted, and an import deletes the uploaded copies", async () => {
    const { service } = openLab();
    const grants = new FileGrants();
    const page = withFileGrants(service, grants);
    const uploads = mkdtempSync(join(tmpdir(), "goodhart-dataset-uploads-"));
    const files = NAMES.map((name, i) => {
      const copy = join(uploads, `${i}-${name.split("/").pop()}`);
      copyFileSync(join(SAVED, ...name.split("/")), copy);
      return { name, path: grants.grant(copy, { upload: true }), copy };
    });
    // A made-up path among the files is refused before anything is read.
    await expect(
      page.datasets.detect({
        files: [...files.map(({ name, path }) => ({ name, path })), { name: "x.arrow", path: SAVED }],
        folder: FOLDER,
      }),
    ).rejects.toMatchObject({ name: "ForbiddenError" });
    expect(await page.datasets.detect({ files: files.map(({ name, path }) => ({ name, path })), folder: FOLDER })).toMatchObject({
      format: "hh-rlhf",
    });
    expect(files.every((f) => existsSync(f.copy))).toBe(true); // detection keeps the uploads for the import
    const dataset = await page.datasets.import({ files: files.map(({ name, path }) => ({ name, path })), folder: FOLDER, name: "saved" });
    expect(dataset).toMatchObject({ name: "saved", rowCount: 120 });
    expect(files.filter((f) => existsSync(f.copy))).toEqual([]);
    expect(grants.size).toBe(0);
  });
});
