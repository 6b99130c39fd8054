import { flushSync, mount, unmount } from "svelte";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LabApi } from "../../shared/index.ts";
import { LabState } from "../state/lab-state.svelte.ts";
import { LabelsSession, type KeyValueStore } from "../state/labels-session.svelte.ts";
import { $, type, waitFor } from "../testing/dom.ts";
import { type RealLab, openRealLab } from "../testing/real-lab.ts";
import LabelsScreen from "./LabelsScreen.svelte";

function press(key: string): void {
  window.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true }));
  flushSync();
}

function memoryStorage(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

/** The real lab's API, with a switch that makes labels.add fail the way an unreachable lab does. */
function withOutage(api: LabApi): { api: LabApi; down: { value: boolean } } {
  const down = { value: false };
  const labels = {
    ...api.labels,
    add: (...args: Parameters<LabApi["labels"]["add"]>) =>
      down.value ? Promise.reject(new TypeError("Failed to fetch")) : api.labels.add(...args),
  };
  return { api: { ...api, labels } as LabApi, down };
}

describe("LabelsScreen", () => {
  let lab: RealLab;
  let view: Record<string, unknown> | null = null;

  beforeAll(async () => {
    lab = await openRealLab();
  });
  afterAll(async () => {
    await lab.close();
  });
  afterEach(() => {
    if (view) unmount(view);
    view = null;
  });

  async function open(api: LabApi, storage = memoryStorage()): Promise<{ state: LabState; session: LabelsSession; datasetId: number }> {
    const dataset = await lab.api.labels.createComparisons({ name: `pairs ${Math.random()}`, count: 5, seed: 2 });
    const state = new LabState(api);
    await state.refresh();
    const session = new LabelsSession(api, storage);
    document.body.innerHTML = "";
    view = mount(LabelsScreen, { target: document.body, props: { lab: state, session } });
    const select = $('[data-testid="labels-dataset"]') as HTMLSelectElement;
    select.value = String(dataset.id);
    select.dispatchEvent(new Event("change", { bubbles: true }));
    await waitFor(() => session.pairs.length === 5);
    return { state, session, datasetId: dataset.id };
  }

  it("labels with 1/2/0, skips with s, undoes with u, and asks for a name first", async () => {
    const { session, datasetId } = await open(lab.api);
    const first = Number($('[data-testid="labels-current"]').dataset.exampleId);
    press("1");
    expect($('[data-testid="labels-error"]').textContent).toMatch(/Enter your name/);
    expect(session.index).toBe(0);
    type($('[data-testid="annotator"]'), "ann");
    press("1"); // pair 1: a
    press("s"); // pair 2 skipped
    press("2"); // pair 3: b
    press("0"); // pair 4: tie
    await waitFor(() => session.outbox.length === 0);
    let labels = await lab.api.labels.list({ datasetId });
    expect(labels.map((l) => [l.preferred, l.source, l.annotator])).toEqual([
      ["a", "human", "ann"],
      ["b", "human", "ann"],
      ["tie", "human", "ann"],
    ]);
    expect(labels[0]!.exampleId).toBe(first);
    expect($('[data-testid="labels-progress"]').textContent).toMatch(/Pair 5 of 5 · 3 answered/);
    press("u"); // takes back the tie, already sent: removed from the lab
    await waitFor(() => session.index === 3);
    await new Promise((r) => setTimeout(r, 200));
    labels = await lab.api.labels.list({ datasetId });
    expect(labels.map((l) => l.preferred)).toEqual(["a", "b"]);
    press("u"); // back over "b"
    press("u"); // back over the skip
    await waitFor(() => session.index === 1);
    press("1");
    press("1");
    press("1");
    press("1");
    await waitFor(() => $('[data-testid="labels-finished"]'));
    await waitFor(() => session.outbox.length === 0);
    await new Promise((r) => setTimeout(r, 200));
    labels = await lab.api.labels.list({ datasetId });
    expect(labels.map((l) => l.preferred)).toEqual(["a", "a", "a", "a", "a"]);
  });

  it("keeps answers while the lab does not answer and sends them when it does", async () => {
    const outage = withOutage(lab.api);
    const storage = memoryStorage();
    const { session, datasetId } = await open(outage.api, storage);
    type($('[data-testid="annotator"]'), "offline ann");
    outage.down.value = true;
    press("2");
    press("1");
    await waitFor(() => !session.online);
    expect($('[data-testid="labels-connection"]').textContent).toMatch(/lab not answering/);
    expect(session.outbox.map((o) => o.preferred)).toEqual(["b", "a"]);
    // The outbox is in the page's storage: a reload would find it.
    expect(JSON.parse(storage.data.get("goodhart.labels.outbox")!)).toHaveLength(2);
    press("u"); // undo while offline: dropped from the outbox, nothing sent
    expect(session.outbox.map((o) => o.preferred)).toEqual(["b"]);
    expect(await lab.api.labels.list({ datasetId })).toEqual([]);
    outage.down.value = false;
    await waitFor(() => session.online && session.outbox.length === 0, 10_000);
    const labels = await lab.api.labels.list({ datasetId });
    expect(labels.map((l) => [l.preferred, l.annotator])).toEqual([["b", "offline ann"]]);
  });

  it("shows agreement between two people with intervals", async () => {
    const { datasetId } = await open(lab.api);
    const examples = await lab.api.datasets.examples({ id: datasetId });
    for (const [i, e] of examples.entries()) {
      await lab.api.labels.add({ exampleId: e.id, preferred: i % 2 ? "a" : "b", annotator: "p1" });
      await lab.api.labels.add({ exampleId: e.id, preferred: i === 0 ? "a" : i % 2 ? "a" : "b", annotator: "p2" });
    }
    $('[data-testid="load-agreement"]').click();
    const raw = await waitFor(() => document.querySelector('[data-testid="agreement-raw"]'));
    expect(raw.textContent).toMatch(/^0\.800 \[/);
    expect($('[data-testid="agreement-cohen"]').textContent).toMatch(/^0\.\d{3} \[/);
  });
});
