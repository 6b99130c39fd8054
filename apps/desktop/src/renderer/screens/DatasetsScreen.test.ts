import { mount, unmount } from "svelte";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Importer } from "../state/importer.svelte.ts";
import { LabState } from "../state/lab-state.svelte.ts";
import { Router } from "../state/router.svelte.ts";
import { $, click, folderTransfer, waitFor } from "../testing/dom.ts";
import { type RealLab, openRealLab, readFixture } from "../testing/real-lab.ts";
import DatasetsScreen from "./DatasetsScreen.svelte";

describe("DatasetsScreen", () => {
  let lab: RealLab;
  let state: LabState;
  let importer: Importer;
  let view: Record<string, unknown>;

  beforeAll(async () => {
    lab = await openRealLab();
  });

  afterAll(async () => {
    await lab.close();
  });

  beforeEach(async () => {
    state = new LabState(lab.api);
    await state.refresh();
    importer = new Importer(lab.api, lab.toPath);
    document.body.innerHTML = "";
    view = mount(DatasetsScreen, { target: document.body, props: { lab: state, router: new Router(), importer } });
  });

  afterEach(async () => {
    unmount(view);
  });

  it("starts empty with what to do, previews a dropped file, then imports it and shows rows and stats", async () => {
    expect($("main, body").textContent).toContain("No datasets yet");
    const bytes = readFixture("preference/stack_exchange_paired_tiny.json");
    await importer.accept(new File([bytes], "stack_exchange_paired_tiny.json"));
    await waitFor(() => document.querySelector('[data-testid="import-panel"][data-phase="ready"]'));
    expect($('[data-testid="detected-format"]').textContent).toBe("stack-exchange-paired");
    expect(($('[data-testid="mapping"] select[data-role="prompt"]') as HTMLSelectElement).value).toBe("question");
    expect(await lab.api.datasets.list()).toEqual([]); // detection imports nothing
    click($('[data-testid="import-button"]'));
    await waitFor(() => document.querySelector('[data-testid="import-done"]'), 30_000);
    await waitFor(() => document.querySelectorAll("table.examples tbody tr").length === 20);
    expect($('[data-testid="dataset-rows"]').textContent).toBe("25");
    expect($('[data-testid="dataset-format"]').textContent).toBe("stack-exchange-paired");
    expect((await lab.api.datasets.list()).map((d) => d.rowCount)).toEqual([25]);
    const stats = await lab.api.labels.stats({ datasetId: (await lab.api.datasets.list())[0]!.id });
    if (stats.total > 0)
      await waitFor(() => document.querySelector('[data-testid="label-stats"]')?.textContent?.includes(String(stats.total)));
  });

  it("imports a dropped save_to_disk folder (a DatasetDict, its files uploaded with their paths) as one dataset through the same preview", async () => {
    const folder = "hh-rlhf_harmless-base_save_to_disk";
    const names = [
      "dataset_dict.json",
      "train/state.json",
      "train/dataset_info.json",
      "train/data-00000-of-00002.arrow",
      "train/data-00001-of-00002.arrow",
      "test/state.json",
      "test/dataset_info.json",
      "test/data-00000-of-00001.arrow",
    ];
    const before = (await lab.api.datasets.list()).length;
    const files = () => Object.fromEntries(names.map((n) => [n, new File([readFixture(`datasets/${folder}/${n}`)], n.split("/").pop()!)]));
    await importer.acceptDrop(folderTransfer(folder, files()));
    await waitFor(() => document.querySelector('[data-testid="import-panel"][data-phase="ready"]'));
    expect($('[data-testid="import-folder"]').textContent).toMatch(new RegExp(`^\\s*${folder}/\\s*\\(folder, 8 files, `));
    expect($('[data-testid="detected-format"]').textContent).toBe("hh-rlhf");
    expect($('[data-testid="detected"]').textContent).toContain("arrow");
    expect(($('[data-testid="mapping"] select[data-role="chosen"]') as HTMLSelectElement).value).toBe("chosen");
    expect(await lab.api.datasets.list()).toHaveLength(before); // detection imports nothing
    click($('[data-testid="import-button"]'));
    await waitFor(() => document.querySelector('[data-testid="import-done"]'), 30_000);
    // Both splits' shards, read in dataset_dict.json's order: the sub-folders kept their names.
    const added = (await lab.api.datasets.list()).slice(before);
    expect(added.map((d) => [d.name, d.rowCount, d.format])).toEqual([[folder, 120, "hh-rlhf"]]);
    await waitFor(() => $('[data-testid="dataset-rows"]').textContent === "120");

    // The same folder again: the lab's refusal names the dropped folder, not where it rebuilt it.
    await importer.acceptDrop(folderTransfer(folder, files()));
    await waitFor(() => document.querySelector('[data-testid="import-panel"][data-phase="ready"]'));
    click($('[data-testid="import-button"]'));
    const error = await waitFor(() => document.querySelector('[data-testid="import-error"]'), 30_000);
    expect(error.textContent).toMatch(new RegExp(`^${folder}: the same content was already imported as dataset \\d+`));
    expect(await lab.api.datasets.list()).toHaveLength(before + 1);
  });

  it("shows the importer's error naming the row and imports nothing", async () => {
    const before = (await lab.api.datasets.list()).length;
    const text = [
      JSON.stringify({ question: "q1", response_j: "a", response_k: "b" }),
      JSON.stringify({ question: "q2", response_j: "a" }),
    ].join("\n");
    await importer.accept(new File([text], "bad_pairs.jsonl"));
    await waitFor(() => document.querySelector('[data-testid="import-panel"][data-phase="ready"]'));
    click($('[data-testid="import-button"]'));
    const error = await waitFor(() => document.querySelector('[data-testid="import-error"]'), 30_000);
    expect(error.textContent).toMatch(/row 2/i);
    expect(error.textContent).toContain("bad_pairs");
    expect(await lab.api.datasets.list()).toHaveLength(before); // nothing half-imported
  });

  it("lets the user say which column holds each field when detection fails, then imports with that mapping", async () => {
    const text = [JSON.stringify({ q: "2+2?", good: "4", bad: "5" }), JSON.stringify({ q: "3+3?", good: "6", bad: "7" })].join("\n");
    await importer.accept(new File([text], "renamed_columns.jsonl"));
    await waitFor(() => document.querySelector('[data-testid="import-panel"][data-phase="ready"]'));
    expect($('[data-testid="detect-error"]').textContent).toContain("renamed_columns");
    await waitFor(() => document.querySelector('[data-testid="mapping-manual"]'));
    for (const [role, column] of [
      ["prompt", "q"],
      ["chosen", "good"],
      ["rejected", "bad"],
    ] as const) {
      const select = $(`[data-testid="mapping-manual"] select[data-role="${role}"]`) as HTMLSelectElement;
      select.value = column;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      await waitFor(() => importer.phase === "ready");
    }
    await waitFor(() => document.querySelector('[data-testid="detected-format"]'));
    click($('[data-testid="import-button"]'));
    await waitFor(() => document.querySelector('[data-testid="import-done"]'), 30_000);
    const dataset = (await lab.api.datasets.list()).find((d) => d.name === "renamed_columns")!;
    expect(dataset.rowCount).toBe(2);
    expect((await lab.api.datasets.examples({ id: dataset.id }))[0]).toMatchObject({ prompt: "2+2?", responseA: "4", responseB: "5" });
  });

  it("reads a judged file whose winner is in words: pick pairwise, map the columns, say what the words mean, skip the rest and list them", async () => {
    const bytes = readFixture("preference/openaiapi_rlhf_answer_preference.jsonl");
    const rows = new TextDecoder()
      .decode(bytes)
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { Preference: string });
    const answer2 = rows.filter((r) => r.Preference === "Answer2").length;
    await importer.accept(new File([bytes], "answer_preference.jsonl"));
    await waitFor(() => document.querySelector('[data-testid="import-panel"][data-phase="ready"]'));
    expect($('[data-testid="detect-error"]').textContent).toMatch(/no known preference format/);
    const format = $('[data-testid="format-select"]') as HTMLSelectElement;
    format.value = "pairwise";
    format.dispatchEvent(new Event("change", { bubbles: true }));
    await waitFor(() => document.querySelector('[data-testid="mapping-manual"] select[data-role="response_a"]'));
    for (const [role, column] of [
      ["prompt", "Question"],
      ["response_a", "Answer1"],
      ["response_b", "Answer2"],
      ["preference", "Preference"],
    ] as const) {
      const select = $(`[data-testid="mapping-manual"] select[data-role="${role}"]`) as HTMLSelectElement;
      select.value = column;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      await waitFor(() => importer.phase === "ready");
    }
    await waitFor(() => document.querySelector('[data-testid="detected-format"]'));
    const values = $('[data-testid="label-values"]') as HTMLInputElement;
    values.value = "Answer1=a";
    values.dispatchEvent(new Event("input", { bubbles: true }));
    const onBad = $('[data-testid="on-bad-row"]') as HTMLSelectElement;
    onBad.value = "skip";
    onBad.dispatchEvent(new Event("change", { bubbles: true }));
    click($('[data-testid="import-button"]'));
    await waitFor(() => document.querySelector('[data-testid="import-done"], [data-testid="import-error"]'), 30_000);
    expect(document.querySelector('[data-testid="import-error"]')?.textContent ?? "").toBe("");
    const report = $('[data-testid="skip-report"]');
    expect(report.querySelector("summary")!.textContent).toBe(`${answer2} rows skipped`);
    expect(report.querySelectorAll("li")).toHaveLength(answer2);
    expect(report.querySelector("li")!.textContent).toMatch(/field "Preference": expected a preference .* got the text "Answer2"/);
    expect($('[data-testid="label-source-reason"]').textContent).toMatch(/assumed human/);
    const dataset = (await lab.api.datasets.list()).find((d) => d.name === "answer_preference")!;
    expect(dataset.rowCount).toBe(rows.length - answer2);
  });
});
