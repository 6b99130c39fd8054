/**
 * The electron-builder configuration cannot be exercised here (no Electron binary to package),
 * so it is validated against electron-builder's own schema and checked for what the lab needs:
 * every file it names exists, the icons are the ones build/icon.svg gives, and only the native
 * modules leave the asar.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ICNS_TYPES, ICO_SIZES, LINUX_SIZES, encodeIcns, encodeIco, makeIcons, pngSize, renderPng } from "../../build/make-icons.ts";

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
    await expect(
      validateConfiguration({ ...config, linux: { tagret: ["AppImage"] } }, { isEnabled: false, add: () => {} }),
    ).rejects.toThrow(/Invalid configuration object/);
  });

  it("targets AppImage and deb, NSIS, and dmg", () => {
    expect(config.linux.target).toEqual(["AppImage", "deb"]);
    expect(config.win.target).toEqual(["nsis"]);
    expect(config.mac.target).toEqual(["dmg"]);
  });

  it("unpacks exactly the two native modules from the asar, and rebuilds them for Electron", () => {
    expect(config.asar).toBe(true);
    // Service, worker and library code stay inside the integrity-checked archive.
    expect(config.asarUnpack).toEqual(["**/node_modules/better-sqlite3/**/*", "**/node_modules/onnxruntime-node/**/*"]);
    expect(config.npmRebuild).toBe(true);
    expect(config.buildDependenciesFromSource).toBe(false);
  });

  it("packages the entry, the preload bundle and the renderer, but no tests, and `npm run dist` builds both bundles first", () => {
    expect(pkg.main).toBe("./src/main/electron-entry.mjs");
    expect(config.files).toEqual(
      expect.arrayContaining([
        "package.json",
        "src/**/*",
        "!src/**/*.test.ts",
        "!src/renderer/**",
        "dist/renderer/**/*",
        "dist/electron/**/*",
      ]),
    );
    for (const script of ["dist", "dist:linux", "dist:win", "dist:mac"]) {
      expect(pkg.scripts[script], script).toMatch(
        /^npm run build:renderer && npm run build:electron && electron-builder --config electron-builder\.yml --publish never/,
      );
    }
  });

  it("names only files that exist (or that the dist script builds)", () => {
    const built = new Set(["dist/renderer", "dist/electron"]);
    const named: string[] = [
      config.directories.buildResources,
      config.linux.icon,
      config.win.icon,
      config.mac.icon,
      pkg.main.replace(/^\.\//, ""),
    ];
    // Each `files` pattern's fixed part (before the first glob character) must exist or be built.
    for (const pattern of config.files as string[]) {
      if (pattern.startsWith("!")) continue;
      const fixed = pattern
        .split("/")
        .filter((_, i, parts) => !parts.slice(0, i + 1).some((p) => /[*?[{]/.test(p)))
        .join("/");
      if (!built.has(fixed)) named.push(fixed);
    }
    for (const file of named) expect(existsSync(join(appDir, file)), `${file} (named in electron-builder.yml)`).toBe(true);
    expect(pkg.scripts["build:renderer"]).toMatch(/vite build/);
    expect(pkg.scripts["build:electron"]).toMatch(/build-electron\.ts/);
  });

  it("points each platform at its icon: a PNG per size for Linux, an ICO for Windows, an ICNS for macOS", () => {
    const linux = join(appDir, config.linux.icon);
    expect(statSync(linux).isDirectory()).toBe(true);
    for (const name of readdirSync(linux)) {
      const size = Number(/^(\d+)x\1\.png$/.exec(name)?.[1]);
      expect(pngSize(readFileSync(join(linux, name))), name).toEqual({ width: size, height: size });
    }
    expect(readdirSync(linux).length).toBe(LINUX_SIZES.length);
    expect(readIco(readFileSync(join(appDir, config.win.icon))).map((i) => i.size)).toEqual([...ICO_SIZES]);
    const icns = readIcns(readFileSync(join(appDir, config.mac.icon)));
    expect(icns.map((e) => e.type)).toEqual(ICNS_TYPES.map(([t]) => t));
    expect(icns.find((e) => e.type === "ic10")!.size).toBe(1024);
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

describe("icons", () => {
  it("are exactly what build/icon.svg renders to (`npm run icons` was run after the last drawing change)", () => {
    const out = mkdtempSync(join(tmpdir(), "goodhart-icons-"));
    const written = makeIcons(join(appDir, "build", "icon.svg"), out);
    expect(written.length).toBe(LINUX_SIZES.length + 3);
    for (const file of written) {
      const committed = join(appDir, "build", file.slice(out.length + 1));
      expect(
        readFileSync(file).equals(readFileSync(committed)),
        `${committed} differs from a fresh render: run npm run icons -w apps/desktop`,
      ).toBe(true);
    }
  });

  it("ICO and ICNS hold the PNGs with correct tables, read back by an independent reader", () => {
    const svg = readFileSync(join(appDir, "build", "icon.svg"));
    const pngs = [16, 256].map((n) => renderPng(svg, n));
    const ico = readIco(encodeIco(pngs));
    expect(ico.map((i) => i.size)).toEqual([16, 256]);
    expect(ico.map((i) => i.png.equals(pngs[ico.indexOf(i)]!))).toEqual([true, true]);
    expect(() => encodeIco([renderPng(svg, 512)])).toThrow(/at most 256 pixels/);
    const icns = readIcns(
      encodeIcns([
        ["ic07", renderPng(svg, 128)],
        ["ic11", pngs[0]!],
      ]),
    );
    expect(icns.map((e) => [e.type, e.size])).toEqual([
      ["ic07", 128],
      ["ic11", 16],
    ]);
    expect(() => encodeIcns([["ic7", pngs[0]!]])).toThrow(/4 ASCII characters/);
  });
});

/** Reads an ICO's directory and images (each a PNG here), checking every offset and length. */
function readIco(bytes: Buffer): { size: number; png: Buffer }[] {
  expect([bytes.readUInt16LE(0), bytes.readUInt16LE(2)]).toEqual([0, 1]);
  const count = bytes.readUInt16LE(4);
  const images: { size: number; png: Buffer }[] = [];
  let end = 6 + 16 * count;
  for (let i = 0; i < count; i++) {
    const at = 6 + 16 * i;
    const width = bytes.readUInt8(at) || 256;
    const [length, offset] = [bytes.readUInt32LE(at + 8), bytes.readUInt32LE(at + 12)];
    expect(offset).toBe(end);
    end = offset + length;
    const png = bytes.subarray(offset, end);
    expect(pngSize(png)).toEqual({ width, height: bytes.readUInt8(at + 1) || 256 });
    expect(bytes.readUInt16LE(at + 6)).toBe(32);
    images.push({ size: width, png });
  }
  expect(end).toBe(bytes.length);
  return images;
}

/** Reads an ICNS's elements (each a PNG here), checking the total and each element's length. */
function readIcns(bytes: Buffer): { type: string; size: number }[] {
  expect(bytes.toString("ascii", 0, 4)).toBe("icns");
  expect(bytes.readUInt32BE(4)).toBe(bytes.length);
  const elements: { type: string; size: number }[] = [];
  for (let at = 8; at < bytes.length;) {
    const length = bytes.readUInt32BE(at + 4);
    expect(length).toBeGreaterThan(8);
    const { width, height } = pngSize(bytes.subarray(at + 8, at + length));
    expect(width).toBe(height);
    elements.push({ type: bytes.toString("ascii", at, at + 4), size: width });
    at += length;
  }
  return elements;
}

/** electron-builder is a devDependency of this app; resolve its library from here. */
function require_resolve_base(): string {
  return createRequire(import.meta.url).resolve("electron-builder/package.json");
}
