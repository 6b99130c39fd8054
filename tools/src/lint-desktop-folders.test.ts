// Proves the folder rules inside apps/desktop and the Svelte lint in eslint.config.mjs fire: the page
// (renderer, shared) imports nothing from the Node-side folders, the service imports no front door,
// relative paths included, and .svelte components are linted. Each case lints source text as if it
// lived at a path in the repository; nothing is written.
import { ESLint } from "eslint";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const eslint = new ESLint({ cwd: root });
const FOLDER_RULE = "@typescript-eslint/no-restricted-imports";

async function ruleIdsFor(relativePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}/${relativePath}` });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

const importing = (spec: string): string => `import { x } from "${spec}";\nexport const y = x;\n`;

describe("folders inside apps/desktop", () => {
  const pageCases: [string, string][] = [
    ["apps/desktop/src/renderer/lint-fixture.ts", "../service/lab-service.ts"],
    ["apps/desktop/src/renderer/lib/lint-fixture.ts", "../../service/runs/run-executor.ts"],
    ["apps/desktop/src/renderer/state/lint-fixture.svelte.ts", "../../server/lab-server.ts"],
    ["apps/desktop/src/renderer/lint-fixture.ts", "../main/main.ts"],
    ["apps/desktop/src/renderer/lint-fixture.ts", "../cli/main.ts"],
    ["apps/desktop/src/shared/lint-fixture.ts", "../service/runtime.ts"],
    ["apps/desktop/src/shared/lint-fixture.ts", "../server/security.ts"],
  ];
  for (const [file, spec] of pageCases) {
    it(`rejects ${spec} from ${file.replace("apps/desktop/src/", "")}`, async () => {
      expect(await ruleIdsFor(file, importing(spec))).toContain(FOLDER_RULE);
    });
  }

  const serviceCases = ["../renderer/lib/fit.ts", "../main/main.ts", "../server/lab-server.ts", "../../cli/storage-sink.ts"];
  for (const spec of serviceCases) {
    it(`rejects ${spec} from the service`, async () => {
      const file = spec.startsWith("../../") ? "apps/desktop/src/service/runs/lint-fixture.ts" : "apps/desktop/src/service/lint-fixture.ts";
      expect(await ruleIdsFor(file, importing(spec))).toContain(FOLDER_RULE);
    });
  }

  it("rejects a service import inside a .svelte component's script", async () => {
    const component =
      '<script lang="ts">\n  import { x } from "../../service/lab-service.ts";\n  const n: number = x;\n</script>\n\n<p>{n}</p>\n';
    expect(await ruleIdsFor("apps/desktop/src/renderer/screens/LintFixture.svelte", component)).toContain(FOLDER_RULE);
  });

  it("accepts the imports the layers are meant to make", async () => {
    expect(await ruleIdsFor("apps/desktop/src/renderer/lib/lint-fixture.ts", importing("../../shared/index.ts"))).toEqual([]);
    expect(await ruleIdsFor("apps/desktop/src/renderer/lint-fixture.ts", importing("./state/lab-state.svelte.ts"))).toEqual([]);
    expect(await ruleIdsFor("apps/desktop/src/service/lint-fixture.ts", importing("../shared/errors.ts"))).toEqual([]);
    expect(await ruleIdsFor("apps/desktop/src/server/lint-fixture.ts", importing("../service/runtime.ts"))).toEqual([]);
    expect(await ruleIdsFor("apps/desktop/src/main/lint-fixture.ts", importing("../service/host/host-client.ts"))).toEqual([]);
  });

  it("lets tests and test helpers start a real lab", async () => {
    expect(
      await ruleIdsFor("apps/desktop/src/renderer/screens/lint-fixture.test.ts", importing("../../service/testing/wait-for.ts")),
    ).toEqual([]);
    expect(await ruleIdsFor("apps/desktop/src/renderer/testing/lint-fixture.ts", importing("../../server/lab-server.ts"))).toEqual([]);
  });
});

describe("Svelte components", () => {
  it("lints .svelte files in the renderer with eslint-plugin-svelte", async () => {
    const component =
      '<script lang="ts">\n  let items: string[] = $state([]);\n</script>\n\n{#each items as item}<p>{item}</p>{/each}\n{@html items[0]}\n';
    const ids = await ruleIdsFor("apps/desktop/src/renderer/components/LintFixture.svelte", component);
    expect(ids).toContain("svelte/require-each-key");
    expect(ids).toContain("svelte/no-at-html-tags");
  });

  it("parses TypeScript in a component's script", async () => {
    const component =
      '<script lang="ts">\n  interface Row { id: number }\n  let { rows }: { rows: Row[] } = $props();\n</script>\n\n{#each rows as row (row.id)}<p>{row.id}</p>{/each}\n';
    expect(await ruleIdsFor("apps/desktop/src/renderer/components/LintFixture.svelte", component)).toEqual([]);
  });
});
