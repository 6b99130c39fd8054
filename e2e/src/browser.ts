/**
 * Debian's Chromium driven by playwright-core, with a fresh profile per launch, plus the helpers the
 * specs share: screenshots into e2e/artifacts, dropping a file onto the window, polling the page.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, type Page, chromium } from "playwright-core";

export const artifactsDir = fileURLToPath(new URL("../artifacts", import.meta.url));

export interface Session {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Launches Chromium (playwright gives each launch a fresh temporary profile) and opens the lab at its launch URL (the token becomes a session cookie). */
export async function openLab(
  launchUrl: string,
  options: { colorScheme?: "light" | "dark"; width?: number; height?: number } = {},
): Promise<Session> {
  const browser = await chromium.launch({
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
  const context = await browser.newContext({
    acceptDownloads: true,
    colorScheme: options.colorScheme ?? "light",
    viewport: { width: options.width ?? 1400, height: options.height ?? 900 },
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(launchUrl);
  await page.waitForSelector("main[data-screen]");
  return {
    browser,
    context,
    page,
    async close() {
      await context.close();
      await browser.close();
      if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
    },
  };
}

/** Saves a full-page screenshot as e2e/artifacts/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Screenshots as e2e/artifacts/<name>-light.png and <name>-dark.png, switching the theme (Alt+T) and back. */
export async function screenshotBothThemes(page: Page, name: string): Promise<void> {
  await screenshot(page, `${name}-light`);
  await page.keyboard.press("Alt+KeyT");
  await page.waitForSelector('html[data-theme="dark"]');
  await page.waitForTimeout(50);
  await screenshot(page, `${name}-dark`);
  await page.keyboard.press("Alt+KeyT");
  await page.waitForSelector('html[data-theme="light"]');
}

/** Drops a file on the window the way a user's drag does: a DataTransfer holding a File. */
export async function dropFile(page: Page, name: string, bytes: Uint8Array): Promise<void> {
  await page.evaluate(
    ({ name, base64 }) => {
      const raw = atob(base64);
      const data = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) data[i] = raw.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([data], name));
      const target = document.querySelector("main") ?? document.body;
      for (const type of ["dragenter", "dragover", "drop"])
        target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { name, base64: Buffer.from(bytes).toString("base64") },
  );
}

/** Switches screens with the keyboard shortcut (Alt+1..6), as a keyboard user would. */
export async function goTo(page: Page, screen: "workspace" | "datasets" | "experiment" | "runs" | "compare" | "export"): Promise<void> {
  const key = { workspace: 1, datasets: 2, experiment: 3, runs: 4, compare: 5, export: 6 }[screen];
  await page.keyboard.press(`Alt+Digit${key}`);
  await page.waitForSelector(`main[data-screen="${screen}"]`);
}

/** Polls `page` every 100 ms until `read` returns a value passing `ok`; throws with the last value after `timeoutMs`. */
export async function until<T>(page: Page, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let v = await read();
  while (!ok(v)) {
    if (Date.now() > end) throw new Error(`timed out; last value: ${JSON.stringify(v)}`);
    await page.waitForTimeout(100);
    v = await read();
  }
  return v;
}
