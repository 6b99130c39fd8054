/**
 * Browser-mode labs for the specs: one started as `npm start` starts it, on its own database in a
 * fresh temporary folder, and LabApi calls made from inside a page (so the page's session cookie
 * is what authenticates them).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { startBrowserMode } from "@goodhart/desktop";

export interface Lab {
  /** The URL the server printed (its token becomes a session cookie when opened). */
  launchUrl: string;
  port: number;
  /** The lab's folder (lab.sqlite, data/); removed by stop(). */
  dir: string;
  stop(): Promise<void>;
}

/**
 * Starts a browser-mode lab named `name` (in its folder's name) and resolves with its launch URL.
 * The renderer is built by global setup, so the specs' labs do not build it (`buildRenderer`).
 */
export async function startLab(name: string, options: { buildRenderer?: boolean } = {}): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), `goodhart-e2e-${name}-`));
  let stop!: () => void;
  const until = new Promise<string>((resolve) => (stop = () => resolve("e2e finished")));
  let printed!: (url: string) => void;
  const url = new Promise<string>((resolve) => (printed = resolve));
  const stopped = startBrowserMode({
    dbFile: join(dir, "lab.sqlite"),
    port: 0,
    until,
    buildRenderer: options.buildRenderer ?? false,
    log: (line) => {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(line);
      if (m) printed(m[1]!);
    },
  });
  const launchUrl = await Promise.race([url, stopped.then(() => Promise.reject(new Error(`lab ${name} stopped before printing its URL`)))]);
  return {
    launchUrl,
    port: Number(new URL(launchUrl).port),
    dir,
    async stop() {
      stop();
      await stopped;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A LabApi call over HTTP from inside the page, authenticated by whatever cookies the browser sends. */
export async function callFromPage(
  page: Page,
  method: string,
  input: unknown = {},
): Promise<{ status: number; body: { ok: boolean; value?: any; error?: { message: string } } }> {
  return page.evaluate(
    async ({ method, input }) => {
      const res = await fetch(`/api/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(input),
      });
      return { status: res.status, body: await res.json() };
    },
    { method, input },
  );
}
