import { flushSync, mount, unmount } from "svelte";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import { Importer } from "./state/importer.svelte.ts";
import { LabState } from "./state/lab-state.svelte.ts";
import { Router } from "./state/router.svelte.ts";
import { Theme } from "./state/theme.svelte.ts";
import { $, click, waitFor } from "./testing/dom.ts";
import { type RealLab, openRealLab } from "./testing/real-lab.ts";

describe("App", () => {
  let lab: RealLab;
  let app: Record<string, unknown>;
  let router: Router;
  let theme: Theme;

  beforeAll(async () => {
    lab = await openRealLab();
  });

  afterAll(async () => {
    await lab.close();
  });

  beforeEach(async () => {
    router = new Router();
    theme = new Theme(null, false);
    document.body.innerHTML = "";
    app = mount(App, {
      target: document.body,
      props: { lab: new LabState(lab.api), router, theme, importer: new Importer(lab.api, lab.toPath) },
    });
  });

  afterEach(async () => {
    unmount(app);
  });

  it("tells a new user what to do first and shows the device in use", async () => {
    const welcome = await waitFor(() => document.querySelector('[data-testid="welcome"]'));
    expect(welcome.textContent).toContain("Drop a preference dataset");
    expect($('[data-testid="device-in-use"]').textContent).toBe("Device: cpu");
  });

  it("switches screens with Alt+digit and the theme with Alt+T", async () => {
    await waitFor(() => document.querySelector('[data-testid="welcome"]'));
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "4", code: "Digit4", altKey: true }));
    flushSync();
    expect(router.screen).toBe("runs");
    expect($("main").dataset.screen).toBe("runs");
    expect($("main").textContent).toContain("No runs yet");
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "t", code: "KeyT", altKey: true }));
    flushSync();
    expect(document.documentElement.dataset.theme).toBe("dark");
    click($('nav button[title^="Compare"]'));
    expect($("main").dataset.screen).toBe("compare");
    expect($('nav button[aria-current="page"]').textContent).toBe("Compare");
  });

  it("shows the keyboard shortcuts on ? and hides them on Escape", async () => {
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "?" }));
    flushSync();
    expect($('[role="dialog"]').textContent).toContain("Alt+T");
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    flushSync();
    expect(document.querySelector('[role="dialog"]')).toBeNull();
  });
});
