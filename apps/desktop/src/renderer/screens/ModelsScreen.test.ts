import { flushSync, mount, unmount } from "svelte";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePath } from "../../../../../fixtures/index.ts";
import { LabState } from "../state/lab-state.svelte.ts";
import { $, click, type, waitFor } from "../testing/dom.ts";
import { type RealLab, openRealLab, readFixture } from "../testing/real-lab.ts";
import ModelsScreen from "./ModelsScreen.svelte";

describe("ModelsScreen", () => {
  let lab: RealLab;
  beforeAll(async () => {
    lab = await openRealLab();
  });
  afterAll(async () => {
    await lab.close();
  });

  it("registers a model folder through the real service and lists its architecture, size and tokenizer; a bad folder shows the service's reason", async () => {
    const state = new LabState(lab.api);
    document.body.innerHTML = "";
    const view = mount(ModelsScreen, { target: document.body, props: { lab: state } });
    try {
      await waitFor(() => document.body.textContent?.includes("No models registered yet"));
      type($('input[placeholder="/path/to/pythia-160m"]'), fixturePath("models/tiny-gpt2"));
      click($('button[type="submit"]'));
      const row = await waitFor(() => [...document.querySelectorAll("tbody tr")].find((r) => r.textContent?.includes("tiny-gpt2")));
      expect(row.textContent).toContain("gpt2");
      expect(row.textContent).toContain("tokenizer.json");
      expect(await lab.api.models.initChoices()).toEqual([
        { value: "builtin", label: "built-in task model" },
        { value: "model:1", label: expect.stringMatching(/^tiny-gpt2 \(gpt2, [\d.]+M\)$/) },
      ]);
      type($('input[placeholder="/path/to/pythia-160m"]'), fixturePath("models"));
      click($('button[type="submit"]'));
      const alert = await waitFor(() => document.querySelector('[role="alert"]'));
      expect(alert.textContent).toMatch(/no config\.json/);
      expect(document.querySelectorAll("tbody tr")).toHaveLength(1);
    } finally {
      unmount(view);
    }
  });

  /** A folder entry as Chromium's webkitGetAsEntry gives it for a dropped folder (readEntries in batches, then empty). */
  function folderEntry(name: string, files: File[]) {
    const entries = files.map((f) => ({ isFile: true, isDirectory: false, name: f.name, file: (ok: (f: File) => void) => ok(f) }));
    let batches = [entries.slice(0, 2), entries.slice(2), []];
    return {
      isFile: false,
      isDirectory: true,
      name,
      createReader: () => ({ readEntries: (ok: (e: unknown[]) => void) => ok(batches.shift() ?? []) }),
      reset: () => (batches = [entries.slice(0, 2), entries.slice(2), []]),
    };
  }

  function drop(target: Element, items: unknown[], files: File[] = []): void {
    const event = new Event("drop", { bubbles: true, cancelable: true });
    Object.defineProperty(event, "dataTransfer", {
      value: { types: ["Files"], files, items: items.map((entry) => ({ kind: "file", webkitGetAsEntry: () => entry })) },
    });
    target.dispatchEvent(event);
    flushSync();
  }

  it("registers a dropped model folder (uploaded file by file, copied by the lab) and shows its size, architecture and tokenizer", async () => {
    const state = new LabState(lab.api);
    document.body.innerHTML = "";
    const uploaded: string[] = [];
    const toPath = (file: File) => (uploaded.push(file.name), lab.toPath(file));
    const view = mount(ModelsScreen, { target: document.body, props: { lab: state, toPath } });
    try {
      const zone = await waitFor(() => document.querySelector('[data-testid="model-drop"]'));
      const files = ["config.json", "model.safetensors", "tokenizer.json"].map((n) => new File([readFixture(`models/tiny-llama/${n}`)], n));
      const folder = folderEntry("tiny-llama", files);
      drop(zone, [folder]);
      const panel = await waitFor(() => document.querySelector('[data-testid="model-registered"]'));
      expect(uploaded.sort()).toEqual(["config.json", "model.safetensors", "tokenizer.json"]);
      expect(panel.querySelector('[data-field="architecture"]')!.textContent).toBe("llama");
      expect(panel.querySelector('[data-field="size"]')!.textContent).toMatch(/^0\.\d+M parameters, 0\.\d MB of weights$/);
      expect(panel.querySelector('[data-field="tokenizer"]')!.textContent).toBe("tokenizer.json");
      const models = await lab.api.models.list();
      const llama = models.find((m) => m.architecture === "llama")!;
      expect(llama.name).toBe("tiny-llama");
      // The lab keeps its own copy (uploads are temporary): a folder under the lab's data folder.
      expect(llama.path).toMatch(/[/\\]data[/\\]models[/\\][^/\\]+$/);
      expect(llama.path).not.toBe(fixturePath("models/tiny-llama"));
      await waitFor(() => [...document.querySelectorAll("tbody tr")].find((r) => r.textContent?.includes("llama")));

      // The same folder dropped again registers nothing new.
      folder.reset();
      drop(zone, [folder]);
      await waitFor(() => document.querySelector('[data-testid="model-registered"]'));
      expect((await lab.api.models.list()).filter((m) => m.architecture === "llama").map((m) => m.id)).toEqual([llama.id]);

      // Loose files without config.json: the lab's reason, and nothing registered.
      const before = (await lab.api.models.list()).length;
      drop(zone, [], [new File([readFixture("models/tiny-llama/tokenizer.json")], "tokenizer.json")]);
      const alert = await waitFor(() => document.querySelector('[role="alert"]'));
      expect(alert.textContent).toMatch(/have no config\.json; drop the model folder's files together/);
      expect(await lab.api.models.list()).toHaveLength(before);
    } finally {
      unmount(view);
    }
  });
});
