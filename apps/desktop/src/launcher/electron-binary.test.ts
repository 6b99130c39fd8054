import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { findElectronBinary } from "./electron-binary.ts";

/** Builds a fake project folder whose node_modules/electron exports `binaryPath`. */
function projectWithElectron(binaryPath: string | null): string {
  const dir = mkdtempSync(join(tmpdir(), "goodhart-electron-"));
  if (binaryPath !== null) {
    const pkg = join(dir, "node_modules", "electron");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "electron", main: "index.js" }));
    writeFileSync(join(pkg, "index.js"), `module.exports = ${JSON.stringify(binaryPath)};`);
  }
  return pathToFileURL(join(dir, "entry.js")).href;
}

describe("findElectronBinary", () => {
  it("reports a missing package", () => {
    const result = findElectronBinary(projectWithElectron(null));
    expect(result.found).toBe(false);
    if (!result.found) expect(result.reason).toMatch(/not installed/);
  });

  it("reports a package whose binary was never downloaded", () => {
    const result = findElectronBinary(projectWithElectron("/nonexistent/electron"));
    expect(result).toEqual({ found: false, reason: "the Electron binary is missing at /nonexistent/electron" });
  });

  it("finds an installed binary", () => {
    const result = findElectronBinary(projectWithElectron(process.execPath));
    expect(result).toEqual({ found: true, path: process.execPath });
  });
});
