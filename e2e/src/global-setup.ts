/**
 * Starts the lab as `npm start` would in browser mode (building the renderer when it is missing or
 * stale) on a fresh SQLite file, and hands its launch URL to the specs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startBrowserMode } from "@goodhart/desktop";

declare module "vitest" {
  export interface ProvidedContext {
    labLaunchUrl: string;
    labDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), "goodhart-e2e-"));
  let stop!: () => void;
  const until = new Promise<string>((resolve) => (stop = () => resolve("e2e finished")));
  let launchUrl: string | null = null;
  let resolveUrl!: (url: string) => void;
  const urlReady = new Promise<string>((resolve) => (resolveUrl = resolve));
  const stopped = startBrowserMode({
    dbFile: join(dir, "lab.sqlite"),
    port: 0,
    until,
    log: (line) => {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(line);
      if (m && !launchUrl) resolveUrl((launchUrl = m[1]!));
    },
  });
  const url = await Promise.race([
    urlReady,
    stopped.then(() => Promise.reject(new Error("the lab server stopped before printing its URL"))),
  ]);
  project.provide("labLaunchUrl", url);
  project.provide("labDir", dir);
  return async () => {
    stop();
    await stopped;
    rmSync(dir, { recursive: true, force: true });
  };
}
