import { defineConfig } from "vitest/config";

// End-to-end: the real browser-mode server (started once in global setup) driven through
// Debian's Chromium. One file at a time: the specs share one lab and one browser.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    globalSetup: ["src/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    passWithNoTests: false,
  },
});
