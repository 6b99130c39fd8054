// Builds the renderer (src/renderer) into dist/renderer, which the browser-mode server and the
// Electron app:// protocol serve. Relative asset URLs so both origins load the same build.
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("./src/renderer", import.meta.url));

export default defineConfig({
  root,
  base: "./",
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL("./dist/renderer", import.meta.url)),
    emptyOutDir: true,
    // The CSP forbids inline script; keep every module an external file.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
  // The renderer's component tests: a DOM (jsdom) and Svelte's browser build.
  resolve: process.env.VITEST ? { conditions: ["browser"] } : {},
  test: {
    name: "renderer",
    include: ["src/renderer/**/*.test.ts"],
    environment: "jsdom",
    setupFiles: ["src/renderer/testing/setup.ts"],
    testTimeout: 60_000,
  },
});
