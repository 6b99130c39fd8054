// The Labels screen's LLM judge panel and the Settings key field against a real lab in browser
// mode (a child process behind the HTTP door) and a chat-completions server on 127.0.0.1: the
// estimate is shown before Start is offered, the job runs in the lab and its label set is shown;
// browser mode refuses to store a key and says where the key comes from instead.
import { flushSync, mount, unmount } from "svelte";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startChatServer, type TestChatServer } from "../../service/testing/chat-server.ts";
import LlmKeySetting from "../components/LlmKeySetting.svelte";
import { LabState } from "../state/lab-state.svelte.ts";
import { LabelsSession, type KeyValueStore } from "../state/labels-session.svelte.ts";
import { $, click, type, waitFor } from "../testing/dom.ts";
import { type RealLab, openRealLab } from "../testing/real-lab.ts";
import LabelsScreen from "./LabelsScreen.svelte";

const KEY = "sk-test-labels-screen-77aa66bb-never-shown";

function memoryStorage(): KeyValueStore {
  const data = new Map<string, string>();
  return { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe("LLM judge from the Labels screen (browser mode)", () => {
  let lab: RealLab;
  let chat: TestChatServer;
  let view: Record<string, unknown> | null = null;

  beforeAll(async () => {
    chat = await startChatServer(() => "1");
    // Browser mode has no keychain: the lab process reads the key from its environment.
    process.env.GOODHART_LLM_API_KEY = KEY;
    try {
      lab = await openRealLab();
    } finally {
      delete process.env.GOODHART_LLM_API_KEY;
    }
  });
  afterAll(async () => {
    await lab.close();
    await chat.close();
  });
  afterEach(() => {
    if (view) unmount(view);
    view = null;
  });

  it("estimates first, then starts a job whose label set it shows", async () => {
    const dataset = await lab.api.labels.createComparisons({ name: "to judge", count: 4, seed: 3 });
    const state = new LabState(lab.api);
    await state.refresh();
    const session = new LabelsSession(lab.api, memoryStorage());
    document.body.innerHTML = "";
    view = mount(LabelsScreen, { target: document.body, props: { lab: state, session } });
    const select = $('[data-testid="labels-dataset"]') as HTMLSelectElement;
    select.value = String(dataset.id);
    select.dispatchEvent(new Event("change", { bubbles: true }));
    await waitFor(() => session.datasetId === dataset.id);
    flushSync();

    expect($('[data-testid="llm-key-status"]').textContent).toBe("not set");
    type($('[data-testid="llm-base-url"]'), chat.baseUrl);
    type($('[data-testid="llm-model"]'), "judge-model");
    type($('[data-testid="llm-price-in"]'), "3");
    type($('[data-testid="llm-price-out"]'), "15");
    const startButton = $('[data-testid="llm-start"]') as HTMLButtonElement;
    expect(startButton.disabled).toBe(true); // no estimate yet
    click($('[data-testid="llm-estimate"]'));
    const estimate = await waitFor(() => document.querySelector('[data-testid="llm-estimate-result"]'));
    expect(estimate.textContent).toMatch(/4 pairs · 8 requests to send \(0 answers cached\)/);
    expect(estimate.textContent).toMatch(/cost 0\.\d{4}/);
    expect(startButton.disabled).toBe(false);
    // Changing an input asks for a new estimate before starting.
    type($('[data-testid="llm-model"]'), "other-model");
    expect(startButton.disabled).toBe(true);
    type($('[data-testid="llm-model"]'), "judge-model");
    click($('[data-testid="llm-estimate"]'));
    await waitFor(() => !startButton.disabled);
    type($('[data-testid="llm-name"]'), "screen judge");
    click(startButton);
    await waitFor(() => {
      const error = document.querySelector('[data-testid="llm-error"]');
      if (error) throw new Error(`the panel reported: ${error.textContent}`);
      return document.querySelector<HTMLElement>('[data-testid="llm-job"]')?.dataset.status === "done";
    }, 20_000);
    const setId = Number($('[data-testid="llm-label-set"]').textContent);
    expect(setId).toBeGreaterThan(0);
    // The judge always answers "1": the two orders disagree on every pair, so nothing is kept.
    expect($('[data-testid="llm-job"]').textContent).toMatch(/0 kept, 4 inconsistent across orders/);
    expect(chat.requests).toHaveLength(8);
    expect(chat.requests.every((r) => r.authorization === `Bearer ${KEY}` && r.model === "judge-model")).toBe(true);
    expect(document.body.textContent).not.toContain(KEY);
  });

  it("refuses to store a key in browser mode and says why", async () => {
    const state = new LabState(lab.api);
    await state.refresh();
    document.body.innerHTML = "";
    view = mount(LlmKeySetting, { target: document.body, props: { lab: state } });
    type($('[data-testid="llm-key-input"]'), KEY);
    click($('[data-testid="llm-key-save"]'));
    const message = await waitFor(() => document.querySelector('[data-testid="llm-key-message"]'));
    expect(message.textContent).toMatch(/only be kept by the desktop app.*GOODHART_LLM_API_KEY/);
    expect($('[data-testid="llm-key-state"]').textContent).toBe("no key");
    expect(($('[data-testid="llm-key-clear"]') as HTMLButtonElement).disabled).toBe(true);
  });
});
