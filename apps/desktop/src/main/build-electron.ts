/**
 * Bundles the sandboxed preload into one CommonJS file (a sandboxed preload can require only
 * `electron`). Run by `npm run build:electron` (part of `npm run dist`) and on first start in
 * development.
 */
import { fileURLToPath } from "node:url";

export const preloadBundlePath = fileURLToPath(new URL("../../dist/electron/preload.cjs", import.meta.url));

export async function buildPreload(outfile: string = preloadBundlePath): Promise<string> {
  const { build } = await import("esbuild");
  await build({
    entryPoints: [fileURLToPath(new URL("../preload/preload.ts", import.meta.url))],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "chrome130",
    external: ["electron"],
    minify: false,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
  });
  return outfile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(`preload bundled to ${await buildPreload()}`);
}
