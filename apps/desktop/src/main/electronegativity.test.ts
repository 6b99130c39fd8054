/**
 * Runs the Electronegativity static scan over apps/desktop (what CI runs through `npm test`) and
 * requires no HIGH finding. A deliberately insecure sample is scanned beside it, so the test fails
 * if the scanner stops detecting anything (e.g. an upgrade changes its output).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const appDir = fileURLToPath(new URL("../..", import.meta.url));
const cli = createRequire(import.meta.url).resolve("@doyensec/electronegativity/dist/index.js");
const electronVersion = (JSON.parse(readFileSync(join(appDir, "package.json"), "utf8")) as { optionalDependencies: { electron: string } }).optionalDependencies.electron.replace(/^\D+/, "");

interface Finding {
  issue: string;
  severity: string;
  file: string;
  location: string;
}

/** Scans a folder; the release-feed check needs the network and is skipped (dependency updates cover it). */
function scan(input: string): Promise<Finding[]> {
  const out = join(mkdtempSync(join(tmpdir(), "goodhart-eneg-")), "findings.csv");
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, "-i", input, "-o", out, "-r", "-e", electronVersion, "-x", "AvailableSecurityFixesGlobalCheck"], { timeout: 200_000 }, (err) => {
      if (err) return reject(err);
      const lines = readFileSync(out, "utf8").trim().split("\n");
      expect(lines[0]).toMatch(/^issue, severity, confidence, filename, location/);
      resolve(
        lines.slice(1).map((line) => {
          const cells = line.split(",");
          return { issue: cells[0]!, severity: cells[1]!.replace(/"/g, ""), file: cells[3]!.replace(/"/g, ""), location: cells[4]!.replace(/"/g, "") };
        }),
      );
    });
  });
}

describe("Electronegativity scan", () => {
  it("finds no HIGH issue in apps/desktop, and does find them in an insecure sample", async () => {
    const bad = mkdtempSync(join(tmpdir(), "goodhart-insecure-"));
    writeFileSync(join(bad, "main.js"), 'const { BrowserWindow } = require("electron");\nnew BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false } });\n');
    const [ours, insecure] = await Promise.all([scan(appDir), scan(bad)]);
    expect(insecure.filter((f) => f.severity === "HIGH").map((f) => f.issue)).toContain("CONTEXT_ISOLATION_JS_CHECK");
    const high = ours.filter((f) => f.severity === "HIGH");
    expect(high, JSON.stringify(high, null, 2)).toEqual([]);
  }, 240_000);
});
