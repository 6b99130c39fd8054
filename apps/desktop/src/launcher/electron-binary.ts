import { existsSync } from "node:fs";
import { createRequire } from "node:module";

export type ElectronBinary = { found: true; path: string } | { found: false; reason: string };

/**
 * Locates the Electron executable. The `electron` package is an optional dependency whose
 * postinstall downloads the binary; on a machine that reaches only the npm registry the package
 * (or its binary) is absent, and the lab runs in browser mode instead.
 */
export function findElectronBinary(resolveFrom: string = import.meta.url): ElectronBinary {
  const require = createRequire(resolveFrom);
  let exported: unknown;
  try {
    exported = require("electron");
  } catch (err) {
    const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
    return { found: false, reason: `the electron package is not installed (${message})` };
  }
  if (typeof exported !== "string") return { found: false, reason: "the electron package did not export a binary path" };
  if (!existsSync(exported)) return { found: false, reason: `the Electron binary is missing at ${exported}` };
  return { found: true, path: exported };
}
