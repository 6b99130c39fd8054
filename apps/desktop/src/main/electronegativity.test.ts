/**
 * Runs the Electronegativity static scan over apps/desktop (what CI runs through `npm test`) and
 * requires no HIGH finding. A deliberately insecure sample is scanned beside it, so the test fails
 * if the scanner stops detecting anything (e.g. an upgrade changes its output).
 *
 * The scanner is called through its runner API, which returns the findings: its CLI writes the CSV
 * header and the rows with two unsynchronised async writes, so the file is sometimes garbled.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const appDir = fileURLToPath(new URL("../..", import.meta.url));
const electronVersion = (
  JSON.parse(readFileSync(join(appDir, "package.json"), "utf8")) as { optionalDependencies: { electron: string } }
).optionalDependencies.electron.replace(/^\D+/, "");

interface Finding {
  issue: string;
  severity: string;
  file: string;
}

interface RunnerIssue {
  id: string;
  severity: { name: string };
  file: string;
}

type Runner = (options: Record<string, unknown>) => Promise<{ issues: RunnerIssue[]; errors: unknown[] }>;
const runScan = createRequire(import.meta.url)("@doyensec/electronegativity/dist/runner.js") as Runner;

/** Scans a folder; the release-feed check needs the network and is skipped (dependency updates cover it). */
async function scan(input: string): Promise<Finding[]> {
  const result = await runScan({
    input,
    isRelative: true,
    excludeFromScan: ["AvailableSecurityFixesGlobalCheck"],
    electronVersionOverride: electronVersion,
    parserPlugins: [],
    isVerbose: false,
  });
  return result.issues.map((i) => ({ issue: i.id, severity: i.severity.name, file: i.file }));
}

/**
 * Whether a path under apps/desktop stays out of the scanned snapshot: installed packages, build
 * output (dist/, packaged apps under dist/packages) and Vite's cache are not the app's sources.
 * Matched on path segments relative to the app folder, at any depth (the first segment included).
 */
function excludedFromScan(path: string): boolean {
  return relative(appDir, path)
    .split(sep)
    .some((segment) => segment === "node_modules" || segment === "dist" || segment === ".vite");
}

describe("Electronegativity scan", () => {
  it("leaves node_modules, dist and the Vite cache out of the snapshot, and keeps the sources", () => {
    for (const path of [
      "node_modules",
      "node_modules/electron/index.js",
      "dist",
      "dist/renderer/assets/app.js",
      "dist/packages/linux-unpacked/resources/app.asar",
      "src/renderer/.vite/deps/x.js",
    ]) {
      expect(excludedFromScan(join(appDir, path)), path).toBe(true);
    }
    for (const path of ["", "src/main/main.ts", "src/main/window-options.ts", "build/make-icons.ts", "src/distance.ts", "package.json"]) {
      expect(excludedFromScan(join(appDir, path)), path).toBe(false);
    }
  });

  it("finds no HIGH issue in apps/desktop, and does find them in an insecure sample", async () => {
    const bad = mkdtempSync(join(tmpdir(), "goodhart-insecure-"));
    writeFileSync(
      join(bad, "main.js"),
      'const { BrowserWindow } = require("electron");\nnew BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false } });\n',
    );
    // Scan a snapshot of the sources: other work in the checkout (the e2e renderer build writing dist/,
    // an editor) must not change the input mid-scan, and built bundles are not what we review.
    const snapshot = join(mkdtempSync(join(tmpdir(), "goodhart-eneg-app-")), "desktop");
    cpSync(appDir, snapshot, { recursive: true, filter: (src) => !excludedFromScan(src) });
    // One after the other: the scanner keeps module-level state.
    const ours = await scan(snapshot);
    const insecure = await scan(bad);
    expect(insecure.filter((f) => f.severity === "HIGH").map((f) => f.issue)).toContain("CONTEXT_ISOLATION_JS_CHECK");
    // The app's own code was scanned (its reviewed preload finding is there), so "no HIGH" means something.
    const scanned = ours.map((f) => `${f.issue} ${f.file}`).join("\n");
    expect(
      ours.some((f) => f.issue === "PRELOAD_JS_CHECK" && f.file.endsWith("window-options.ts")),
      `findings:\n${scanned}`,
    ).toBe(true);
    const high = ours.filter((f) => f.severity === "HIGH");
    expect(high, JSON.stringify(high, null, 2)).toEqual([]);
  }, 240_000);
});
