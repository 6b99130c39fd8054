/**
 * Two browser-mode labs side by side in one Chromium profile: cookies ignore ports, so both labs'
 * session cookies reach both servers. Each lab must keep its own session (opening the second does
 * not log the first out), take files only through its own uploads (one by drop, one by the file
 * picker), show only its own data, and delete each upload once imported.
 */
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropFile } from "./browser.ts";
import { type Lab, callFromPage, startLab } from "./labs.ts";

const pairs = (tag: string, n: number): string =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({ prompt: `${tag}: question ${i}?`, chosen: `${tag} good answer ${i}`, rejected: `${tag} bad answer ${i}` }),
  ).join("\n") + "\n";

/** The upload folders' contents of a lab (one per launch under <data>/uploads). */
function uploadsLeft(lab: Lab): string[] {
  const root = join(lab.dir, "data", "uploads");
  let launches: string[] = [];
  try {
    launches = readdirSync(root);
  } catch {
    return [];
  }
  return launches.flatMap((launch) => readdirSync(join(root, launch)));
}

async function importThrough(page: Page, give: () => Promise<void>): Promise<string> {
  await give();
  await page.waitForSelector('main[data-screen="datasets"] [data-testid="import-panel"][data-phase="ready"]');
  await page.click('[data-testid="import-button"]');
  await page.waitForSelector('[data-testid="import-done"]');
  return (await page.locator('[data-testid="dataset-rows"]').first().textContent()) ?? "";
}

let labA: Lab;
let labB: Lab;
let browser: Browser;
let context: BrowserContext;
let pageA: Page;
let pageB: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  [labA, labB] = await Promise.all([startLab("a"), startLab("b")]);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
  // One profile for both tabs, as a user's browser is: the cookie jar is shared.
  context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  pageA = await context.newPage();
  pageB = await context.newPage();
  for (const page of [pageA, pageB]) page.on("pageerror", (err) => pageErrors.push(err.message));
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await Promise.all([labA?.stop(), labB?.stop()]);
});

describe("two browser-mode labs side by side", () => {
  it("each keeps its own session cookie: opening the second lab does not log the first out", async () => {
    await pageA.goto(labA.launchUrl);
    await pageA.waitForSelector("main[data-screen]");
    await pageB.goto(labB.launchUrl);
    await pageB.waitForSelector("main[data-screen]");
    const cookies = await context.cookies();
    expect(cookies.map((c) => c.name).sort()).toEqual([`goodhart_session_${labA.port}`, `goodhart_session_${labB.port}`].sort());
    // The launch URLs' tokens left the address bar.
    expect(pageA.url()).not.toContain("token=");
    // Lab A, reloaded after lab B was opened, still works, and so does B.
    await pageA.reload();
    await pageA.waitForSelector("main[data-screen]");
    for (const page of [pageA, pageB]) {
      const answer = await callFromPage(page, "settings.get");
      expect(answer.status).toBe(200);
      expect(answer.body.ok).toBe(true);
    }
  });

  it("imports a dropped file into lab A and a picked file into lab B; each shows only its own data and keeps no upload", async () => {
    await pageA.keyboard.press("Alt+Digit2");
    await pageB.keyboard.press("Alt+Digit2");
    await pageA.waitForSelector('main[data-screen="datasets"]');
    await pageB.waitForSelector('main[data-screen="datasets"]');
    expect(await importThrough(pageA, () => dropFile(pageA, "lab-a.jsonl", Buffer.from(pairs("A", 5))))).toBe("5");
    const picked = join(labB.dir, "picked.jsonl");
    writeFileSync(picked, pairs("B", 7));
    expect(await importThrough(pageB, () => pageB.setInputFiles('[data-testid="file-input"]', picked))).toBe("7");

    const listA = await callFromPage(pageA, "datasets.list");
    const listB = await callFromPage(pageB, "datasets.list");
    expect(listA.body.value.map((d: { rowCount: number }) => d.rowCount)).toEqual([5]);
    expect(listB.body.value.map((d: { rowCount: number }) => d.rowCount)).toEqual([7]);
    expect(uploadsLeft(labA)).toEqual([]);
    expect(uploadsLeft(labB)).toEqual([]);
  });

  it("refuses, from the page, a path it names instead of an upload", async () => {
    const answer = await callFromPage(pageA, "datasets.import", { path: join(labB.dir, "picked.jsonl") });
    expect(answer.body.ok).toBe(false);
    expect(answer.body.error!.message).toMatch(/is not a file dropped, chosen or uploaded/);
    expect(pageErrors).toEqual([]);
  });
});
