/**
 * The Models screen end to end, in Chromium against the real browser-mode server: a model's files
 * dropped together on the drop zone are uploaded one by one, copied into the lab's own folder and
 * registered; the panel and the table show its architecture, size and tokenizer. (A script cannot
 * build a folder drop - Chromium gives folder entries only to a real OS drag - so this drops the
 * folder's files together; the folder path is covered by the Models screen's component test.)
 */
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { fixturePath } from "../../fixtures/index.ts";
import { type Session, openLab, screenshot } from "./browser.ts";

const launchUrl = inject("labLaunchUrl");
let session: Session;
let page: Page;

beforeAll(async () => {
  session = await openLab(launchUrl);
  page = session.page;
});

afterAll(async () => {
  await session?.close();
});

/** Drops several files at once on `selector`, as a drag of a selection of files does. */
async function dropFiles(selector: string, files: { name: string; bytes: Uint8Array }[]): Promise<void> {
  await page.evaluate(
    ({ selector, files }) => {
      const dt = new DataTransfer();
      for (const { name, base64 } of files) {
        const raw = atob(base64);
        const data = new Uint8Array(raw.length);
        for (let i = 0; i < raw.length; i++) data[i] = raw.charCodeAt(i);
        dt.items.add(new File([data], name));
      }
      const target = document.querySelector(selector)!;
      for (const type of ["dragenter", "dragover", "drop"])
        target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { selector, files: files.map((f) => ({ name: f.name, base64: Buffer.from(f.bytes).toString("base64") })) },
  );
}

describe("Models screen", () => {
  it("registers a GPT-2 checkpoint dropped as its files and shows its size, architecture and tokenizer", async () => {
    await page.keyboard.press("Alt+Digit8");
    await page.waitForSelector('main[data-screen="models"] [data-testid="model-drop"]');
    await page.fill('input[placeholder="(the folder\'s name)"]', "tiny-gpt2-dropped");
    const files = ["config.json", "model.safetensors", "tokenizer.json"].map((name) => ({
      name,
      bytes: readFileSync(fixturePath(`models/tiny-gpt2/${name}`)),
    }));
    await dropFiles('[data-testid="model-drop"]', files);
    const panel = page.locator('[data-testid="model-registered"]');
    await panel.waitFor();
    expect(await panel.locator('[data-field="architecture"]').textContent()).toBe("gpt2");
    expect(await panel.locator('[data-field="size"]').textContent()).toMatch(/^0\.0M parameters, 0\.1 MB of weights$/);
    expect(await panel.locator('[data-field="tokenizer"]').textContent()).toBe("tokenizer.json");
    const row = page.locator("tbody tr", { hasText: "tiny-gpt2-dropped" });
    await row.waitFor();
    expect(await row.textContent()).toContain("2 layers, d 32, 4 heads, vocab 257, context 64");
    // The dataset importer was not involved: a drop on the Models screen is a model.
    expect(await page.locator('main[data-screen="models"]').count()).toBe(1);
    await screenshot(page, "models-registered-light");
  });
});
