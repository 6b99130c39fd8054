// One flat config for the whole monorepo. The module-boundary rules encode DESIGN.md section 3:
// objectives -> engine only; storage -> no lib; the renderer and the shared contract stay free of
// Node, Electron, SQLite and ONNX Runtime so they can run in a sandboxed browser page.
import nx from "@nx/eslint-plugin";
import tseslint from "typescript-eslint";
import svelte from "eslint-plugin-svelte";
// The repository stands on its own: tools/src/lint-rules (see the block at the end of the list).
import { goodhartPlugin } from "./tools/src/lint-rules/no-path-outside-repo.mjs";

const nodeOnlyModules = ["electron", "better-sqlite3", "onnxruntime-node"];
// Node built-ins as bare names too ("fs" as well as "node:fs").
const nodeBuiltins = [
  "assert",
  "buffer",
  "child_process",
  "cluster",
  "crypto",
  "dgram",
  "dns",
  "events",
  "fs",
  "fs/promises",
  "http",
  "http2",
  "https",
  "module",
  "net",
  "os",
  "path",
  "perf_hooks",
  "process",
  "readline",
  "stream",
  "timers",
  "tls",
  "url",
  "util",
  "v8",
  "vm",
  "worker_threads",
  "zlib",
];

/** The renderer's Svelte files, for configs of eslint-plugin-svelte that name `*.svelte` / `*.svelte.ts`. */
function rendererSvelteFiles(files = ["**/*.svelte", "**/*.svelte.ts"]) {
  const renderer = "apps/desktop/src/renderer";
  const wanted = [];
  if (files.some((f) => f.endsWith(".svelte"))) wanted.push(`${renderer}/**/*.svelte`);
  if (files.some((f) => /\.svelte\.(ts|js)$/.test(f))) wanted.push(`${renderer}/**/*.svelte.ts`);
  return wanted;
}

/** no-restricted-imports options forbidding relative imports into the given apps/desktop/src folders. */
function desktopFolderRule(from, folders) {
  return {
    patterns: [
      {
        // "./x", "../x", "../../service/y.ts": any relative path with one of the folders as a segment.
        regex: `^\\.\\.?/(?:.*/)?(?:${folders.join("|")})(?:/|$)`,
        message: `In apps/desktop/src, ${from} must not import from ${folders.join(", ")} (see docs/architecture.md#layers).`,
      },
    ],
  };
}

export default [
  { ignores: ["**/node_modules/**", "**/dist/**", "**/.nx/**", "**/bench-results/**", "tools/lint-fixtures/**"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.mts", "**/*.js", "**/*.mjs"],
    plugins: { "@nx": nx },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "off",
      "@nx/enforce-module-boundaries": [
        "error",
        {
          enforceBuildableLibDependency: false,
          // Tests reach fixtures/index.ts (outside every project) by a relative import; see fixtures/README.md.
          allow: ["^(\\.\\./)+fixtures/index\\.ts$"],
          depConstraints: [
            { sourceTag: "scope:engine", onlyDependOnLibsWithTags: [] },
            { sourceTag: "scope:objectives", onlyDependOnLibsWithTags: ["scope:engine"] },
            { sourceTag: "scope:storage", onlyDependOnLibsWithTags: [] },
            {
              sourceTag: "scope:desktop",
              onlyDependOnLibsWithTags: ["scope:engine", "scope:objectives", "scope:storage"],
            },
            {
              sourceTag: "scope:tools",
              onlyDependOnLibsWithTags: ["scope:engine", "scope:objectives", "scope:storage"],
            },
            {
              sourceTag: "scope:e2e",
              onlyDependOnLibsWithTags: ["scope:desktop", "scope:engine", "scope:objectives", "scope:storage"],
            },
            // onnxruntime-node and better-sqlite3 each belong to exactly one library.
            { sourceTag: "scope:objectives", bannedExternalImports: ["onnxruntime-node", "better-sqlite3", "electron"] },
            { sourceTag: "scope:storage", bannedExternalImports: ["onnxruntime-node", "electron"] },
            { sourceTag: "scope:engine", bannedExternalImports: ["better-sqlite3", "electron"] },
          ],
        },
      ],
    },
  },
  {
    // Browser-side code: renderer and the shared contract.
    files: ["apps/desktop/src/renderer/**", "apps/desktop/src/shared/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [...nodeOnlyModules, ...nodeBuiltins].map((name) => ({
            name,
            message: "The renderer and src/shared run in a sandboxed page: use LabApi instead.",
          })),
          patterns: [
            { group: ["node:*"], message: "Node built-ins are not available in the renderer or src/shared." },
            { group: ["@goodhart/*"], message: "The renderer and src/shared reach the libraries only through LabApi." },
          ],
        },
      ],
    },
  },
  // --- Paths stay inside the repository (issue 12) ---------------------------------------------
  // No source file may name a path that leaves the repository or the old sibling fixtures folder (shared, fixtures)
  // location; test data lives in fixtures/ and is reached through fixturePath (fixtures/index.ts).
  {
    files: ["**/*.ts", "**/*.mts", "**/*.js", "**/*.mjs"],
    plugins: { goodhart: goodhartPlugin },
    rules: { "goodhart/no-path-outside-repo": "error" },
  },

  // --- Svelte components (issue 12) ------------------------------------------------------------
  // eslint-plugin-svelte's recommended rules on the renderer's components and rune modules; the
  // <script lang="ts"> blocks are parsed by typescript-eslint. svelte-check (the desktop typecheck
  // target) type-checks the same files.
  ...svelte.configs.recommended.map((config) =>
    config.files || config.rules ? { ...config, files: rendererSvelteFiles(config.files) } : config,
  ),
  {
    files: rendererSvelteFiles(),
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: [".svelte"] } },
  },
  // --- Folders inside apps/desktop (issue 12) --------------------------------------------------
  // renderer/ and shared/ run in a sandboxed page and must not pull in the Node-side folders;
  // service/ is the core every front door wraps and must not depend on any of them. Relative
  // imports count ("../service/lab-service.ts" from the renderer fails). A separate rule from the
  // page's no-restricted-imports above, so tests and test helpers (Node processes that start a
  // real lab) can be exempted here without lifting the ban on Node built-ins.
  {
    files: ["apps/desktop/src/renderer/**", "apps/desktop/src/shared/**"],
    ignores: ["apps/desktop/src/renderer/testing/**", "**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        desktopFolderRule("renderer and shared", ["service", "main", "server", "cli", "launcher", "preload"]),
      ],
    },
  },
  {
    files: ["apps/desktop/src/service/**"],
    ignores: ["apps/desktop/src/service/testing/**", "**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        desktopFolderRule("service", ["renderer", "main", "server", "cli", "launcher", "preload"]),
      ],
    },
  },
];
