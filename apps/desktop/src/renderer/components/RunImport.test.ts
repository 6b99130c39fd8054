import { mount, unmount } from "svelte";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabState } from "../state/lab-state.svelte.ts";
import { Router } from "../state/router.svelte.ts";
import { $, waitFor } from "../testing/dom.ts";
import { type RealLab, openRealLab, readFixture } from "../testing/real-lab.ts";
import RunsScreen from "../screens/RunsScreen.svelte";
import CompareScreen from "../screens/CompareScreen.svelte";

/** Hands `file` to a hidden file input as the browser does when the user picks it. */
function choose(input: HTMLElement, file: File): void {
  Object.defineProperty(input, "files", { value: [file], configurable: true });
  input.dispatchEvent(new Event("change", { bubbles: true }));
}

describe("importing a run of another tool from the Runs screen", () => {
  let lab: RealLab;
  beforeAll(async () => {
    lab = await openRealLab();
  });
  afterAll(async () => {
    await lab.close();
  });

  it("uploads the chosen log, lists the run marked external, and Compare labels it external; a malformed log shows the lab's reason", async () => {
    const state = new LabState(lab.api);
    const router = new Router();
    document.body.innerHTML = "";
    const runs = mount(RunsScreen, { target: document.body, props: { lab: state, router, toPath: (f: File) => lab.toPath(f) } });
    try {
      const file = new File([readFixture("runs/verl-ppo-metrics.jsonl")], "verl-ppo-metrics.jsonl");
      choose($('[data-testid="run-import-input"]'), file);
      const message = await waitFor(() => document.querySelector('[data-testid="run-import-message"]'));
      expect(message.textContent).toMatch(/Imported verl-ppo-metrics\.jsonl \(verl\) as run #1: \d+ metric points, 6 curve points/);
      const item = await waitFor(() => document.querySelector('[data-testid="run-item"][data-run-id="1"]'));
      expect(item.querySelector('[data-testid="external-tag"]')?.textContent).toBe("external · verl");

      choose($('[data-testid="run-import-input"]'), new File(['{"step": 1, "data": {"actor/kl_loss": 0.1}}\n{oops\n'], "broken.jsonl"));
      const alert = await waitFor(() => document.querySelector('.run-import [role="alert"]'));
      expect(alert.textContent).toMatch(/broken\.jsonl, line 2: invalid JSON/);
      expect(await lab.api.runs.list()).toHaveLength(1);
    } finally {
      unmount(runs);
    }

    router.compareIds = [1];
    const compare = mount(CompareScreen, { target: document.body, props: { lab: state, router } });
    try {
      const pick = await waitFor(() => document.querySelector('[data-testid="compare-pick"][data-run-id="1"]')?.closest("label"));
      expect(pick.querySelector('[data-testid="external-tag"]')?.textContent).toBe("external · verl");
      await waitFor(() => document.body.textContent?.includes("(external, verl)"));
    } finally {
      unmount(compare);
    }
  });
});
