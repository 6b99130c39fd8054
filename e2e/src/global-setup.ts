/**
 * Starts the lab as `npm start` would in browser mode (building the renderer when it is missing or
 * stale) on a fresh SQLite file, and hands its launch URL to the specs.
 */
import type { TestProject } from "vitest/node";
import { startLab } from "./labs.ts";

declare module "vitest" {
  export interface ProvidedContext {
    labLaunchUrl: string;
    labDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const lab = await startLab("shared", { buildRenderer: true });
  project.provide("labLaunchUrl", lab.launchUrl);
  project.provide("labDir", lab.dir);
  return () => lab.stop();
}
