import { defineConfig } from "vitest/config";

// Two projects: the Node side (service, server, CLI, main) in node, and the renderer's component
// tests in a DOM, configured by vite.config.ts (Svelte plugin, browser conditions, jsdom).
export default defineConfig({
  test: {
    passWithNoTests: true,
    projects: [
      {
        test: {
          name: "node",
          include: ["src/**/*.test.ts", "test/**/*.test.ts"],
          exclude: ["src/renderer/**", "**/node_modules/**"],
          testTimeout: 60_000,
        },
      },
      "./vite.config.ts",
    ],
  },
});
