/**
 * The Goodhart Lab version of this build, recorded on every run the service creates (runs.lab_version)
 * so that a run an older lab stored can be named by its version. Read from the app's package.json,
 * the one file of the kind the packaged app ships; the root package.json carries the same version
 * (lab-service.test.ts checks it).
 */
import { readFileSync } from "node:fs";

export const LAB_VERSION: string = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string })
  .version;
