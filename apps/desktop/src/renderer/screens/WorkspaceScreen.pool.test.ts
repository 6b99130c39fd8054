import { mount, unmount } from "svelte";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabState } from "../state/lab-state.svelte.ts";
import { Router } from "../state/router.svelte.ts";
import { $, click, type, waitFor } from "../testing/dom.ts";
import { type RealLab, openRealLab } from "../testing/real-lab.ts";
import WorkspaceScreen from "./WorkspaceScreen.svelte";

describe("WorkspaceScreen: worker pool setting", () => {
  let lab: RealLab;
  beforeAll(async () => {
    lab = await openRealLab();
  });
  afterAll(async () => {
    await lab.close();
  });

  it("keeps a queue URL without credentials, refuses a password where no keychain is, and clears it", async () => {
    const state = new LabState(lab.api);
    await state.refresh();
    document.body.innerHTML = "";
    const view = mount(WorkspaceScreen, { target: document.body, props: { lab: state, router: new Router() } });
    try {
      const input = await waitFor(() => document.querySelector<HTMLInputElement>('input[placeholder^="redis://"]'));
      const use = [...document.querySelectorAll("button")].find((b) => b.textContent === "Use pool")!;
      type(input, "redis://pool.example:6380");
      click(use);
      await waitFor(() => state.settings?.queueUrl === "redis://pool.example:6380");
      // Browser mode has no OS keychain: a password is refused, and the stored URL is unchanged.
      type(input, "redis://:hunter2@pool.example:6380");
      click(use);
      await waitFor(() => state.error?.includes("password cannot be kept here"));
      expect((await lab.api.settings.get()).queueUrl).toBe("redis://pool.example:6380");
      type($('input[placeholder^="redis://"]'), "");
      click(use);
      await waitFor(() => state.settings?.queueUrl === null);
    } finally {
      unmount(view);
    }
  });
});
