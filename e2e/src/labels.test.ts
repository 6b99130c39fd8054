/**
 * The Labels screen end to end in Chromium, keyboard only: reach the screen with Alt+7, type the
 * annotator name, create built-in comparisons, label with 1 / 2 / 0, skip with s, undo with u;
 * then the browser goes offline, answers wait in the page's outbox, and are sent when it is back
 * online. What the lab stored is read from its SQLite file.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openDatabase } from "@goodhart/storage";
import { type Session, openLab, screenshot, until as untilOnPage } from "./browser.ts";

const launchUrl = inject("labLaunchUrl");
const labDir = inject("labDir");
let session: Session;
let page: Page;

/** The labels the lab stored for a dataset, read from its database file. */
function storedLabels(datasetId: number): { preferred: string; source: string; annotator: string | null }[] {
  const store = openDatabase(join(labDir, "lab.sqlite"), { readonly: true });
  try {
    return store.labels.forDataset(datasetId).map((l) => ({ preferred: l.preferred, source: l.source, annotator: l.annotator }));
  } finally {
    store.close();
  }
}

async function progress(): Promise<{ index: number; answered: number; outbox: number }> {
  const el = page.locator('[data-testid="labels-progress"]');
  return {
    index: Number(await el.getAttribute("data-index")),
    answered: Number(await el.getAttribute("data-answered")),
    outbox: Number(await el.getAttribute("data-outbox")),
  };
}

/** Polls the page until `read` returns a value passing `ok` (browser.ts `until`, 15 s here). */
function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  return untilOnPage(page, read, ok, timeoutMs);
}

beforeAll(async () => {
  session = await openLab(launchUrl);
  page = session.page;
});

afterAll(async () => {
  await session?.close();
});

describe("Labels screen", () => {
  it("labels pairs with the keyboard only, keeps answers while offline and sends them when back", async () => {
    await page.keyboard.press("Alt+Digit7");
    await page.waitForSelector('main[data-screen="labels"]');
    // Focus lands on the screen; Tab reaches the annotator field first.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("annotator");
    await page.keyboard.type("keyboard ann");
    // Dataset, question, then the button that creates built-in comparisons.
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("create-comparisons");
    await page.keyboard.press("Enter");
    await page.waitForSelector('[data-testid="labels-current"]');
    const datasetId = Number(await page.inputValue('[data-testid="labels-dataset"]'));
    expect(datasetId).toBeGreaterThan(0);
    await screenshot(page, "labels-annotating-light");

    await page.keyboard.press("1");
    await page.keyboard.press("2");
    await page.keyboard.press("s");
    await page.keyboard.press("0");
    await until(progress, (p) => p.index === 4 && p.answered === 3 && p.outbox === 0);
    expect(await page.textContent('[data-testid="labels-progress"]')).toMatch(/Pair 5 of 50 · 3 answered/);
    expect(storedLabels(datasetId).map((l) => l.preferred)).toEqual(["a", "b", "tie"]);
    // u takes back the tie (already stored: removed from the lab), then the skip.
    await page.keyboard.press("u");
    await until(
      async () => storedLabels(datasetId).length,
      (n) => n === 2,
    );
    await page.keyboard.press("u");
    await until(progress, (p) => p.index === 2 && p.answered === 2);

    await session.context.setOffline(true);
    await page.keyboard.press("2");
    await page.keyboard.press("1");
    await until(progress, (p) => p.outbox === 2);
    await page.waitForSelector('[data-testid="labels-connection"].error');
    expect(storedLabels(datasetId)).toHaveLength(2);
    await screenshot(page, "labels-offline-light");
    await session.context.setOffline(false);
    await until(progress, (p) => p.outbox === 0);
    expect(storedLabels(datasetId)).toEqual([
      { preferred: "a", source: "human", annotator: "keyboard ann" },
      { preferred: "b", source: "human", annotator: "keyboard ann" },
      { preferred: "b", source: "human", annotator: "keyboard ann" },
      { preferred: "a", source: "human", annotator: "keyboard ann" },
    ]);
  });
});
