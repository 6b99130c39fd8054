import { mount, unmount } from "svelte";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePath } from "../../../../../fixtures/index.ts";
import { LabState } from "../state/lab-state.svelte.ts";
import { $, click, type, waitFor } from "../testing/dom.ts";
import { type RealLab, openRealLab } from "../testing/real-lab.ts";
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
});
