/**
 * The electron-builder configuration cannot be exercised here (no Electron binary to package),
 * so it is validated against electron-builder's own schema and checked for what the lab needs.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const appDir = fileURLToPath(new URL("../..", import.meta.url));
const config = parse(readFileSync(join(appDir, "electron-builder.yml"), "utf8")) as Record<string, any>;
const pkg = JSON.parse(readFileSync(join(appDir, "package.json"), "utf8")) as Record<string, any>;

describe("electron-builder configuration", () => {
  it("passes electron-builder's schema validation", async () => {
    const require = createRequire(require_resolve_base());
    const { validateConfiguration } = require("app-builder-lib/out/util/config/config.js") as {
      validateConfiguration(config: unknown, logger: { isEnabled: boolean; add(): void }): Promise<void>;
    };
    await expect(validateConfiguration(config, { isEnabled: false, add: () => {} })).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...config, linux: { tagret: ["AppImage"] } }, { isEnabled: false, add: () => {} })).rejects.toThrow(/Invalid configuration object/);
  });

  it("targets AppImage and deb, NSIS, and dmg", () => {
    expect(config.linux.target).toEqual(["AppImage", "deb"]);
    expect(config.win.target).toEqual(["nsis"]);
    expect(config.mac.target).toEqual(["dmg"]);
  });

  it("unpacks native modules from asar and rebuilds them for Electron", () => {
    expect(config.asar).toBe(true);
    for (const pattern of ["**/*.node", "**/node_modules/better-sqlite3/**/*", "**/node_modules/onnxruntime-node/**/*"]) expect(config.asarUnpack).toContain(pattern);
    expect(config.npmRebuild).toBe(true);
    expect(config.buildDependenciesFromSource).toBe(false);
  });

  it("packages the entry, the preload bundle and the renderer, but no tests", () => {
    expect(pkg.main).toBe("./src/main/electron-entry.mjs");
    expect(config.files).toEqual(expect.arrayContaining(["package.json", "src/**/*", "!src/**/*.test.ts", "dist/renderer/**/*", "dist/electron/**/*"]));
    expect(pkg.scripts.dist).toMatch(/build:electron.*electron-builder --config electron-builder\.yml/);
  });

  it("pins the same Electron version as package.json and flips the hardening fuses", () => {
    expect(config.electronVersion).toBe(pkg.optionalDependencies.electron.replace(/^\D+/, ""));
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });
});

/** electron-builder is a devDependency of this app; resolve its library from here. */
function require_resolve_base(): string {
  return createRequire(import.meta.url).resolve("electron-builder/package.json");
}
