// Proves the module-boundary rules in eslint.config.mjs reject the imports DESIGN.md forbids.
// Each case lints source text as if it lived at a path inside a project; nothing is written.
import { ESLint } from "eslint";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const eslint = new ESLint({ cwd: root });

async function ruleIdsFor(relativePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}/${relativePath}` });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe("module boundaries", () => {
  it("rejects storage importing the engine", async () => {
    const ids = await ruleIdsFor(
      "libs/storage/src/lint-fixture.ts",
      'import { probeDevices } from "@goodhart/engine";\nexport const p = probeDevices;\n',
    );
    expect(ids).toContain("@nx/enforce-module-boundaries");
  });

  it("rejects objectives importing storage but accepts objectives importing the engine", async () => {
    const bad = await ruleIdsFor("libs/objectives/src/lint-fixture.ts", 'import * as s from "@goodhart/storage";\nexport const x = s;\n');
    expect(bad).toContain("@nx/enforce-module-boundaries");
    const good = await ruleIdsFor(
      "libs/objectives/src/lint-fixture.ts",
      'import { probeDevices } from "@goodhart/engine";\nexport const p = probeDevices;\n',
    );
    expect(good).toEqual([]);
  });

  it("rejects onnxruntime-node outside the engine", async () => {
    const ids = await ruleIdsFor(
      "libs/objectives/src/lint-fixture.ts",
      'import * as ort from "onnxruntime-node";\nexport const o = ort;\n',
    );
    expect(ids).toContain("@nx/enforce-module-boundaries");
  });

  for (const folder of ["renderer", "shared"]) {
    for (const spec of ["node:fs", "fs", "electron", "better-sqlite3", "onnxruntime-node", "@goodhart/storage"]) {
      it(`rejects ${spec} in apps/desktop/src/${folder}`, async () => {
        const ids = await ruleIdsFor(`apps/desktop/src/${folder}/lint-fixture.ts`, `import * as m from "${spec}";\nexport const x = m;\n`);
        expect(ids).toContain("no-restricted-imports");
      });
    }
  }

  it("rejects a path that leaves the repository, and the old sibling fixtures location", async () => {
    const escape = 'export const u = new URL("../../../../../sibling/data.json", import.meta.url);\n';
    expect(await ruleIdsFor("libs/engine/src/checkpoints/lint-fixture.test.ts", escape)).toContain("goodhart/no-path-outside-repo");
    const shared = 'import path from "node:path";\nexport const p = (root: string) => path.join(root, "..", "shared", "fixtures");\n';
    expect(await ruleIdsFor("libs/storage/test/lint-fixture.ts", shared)).toContain("goodhart/no-path-outside-repo");
    const inside = 'export { fixturePath } from "../../../../fixtures/index.ts";\n';
    expect(await ruleIdsFor("libs/engine/src/checkpoints/lint-fixture.test.ts", inside)).toEqual([]);
  });

  it("allows the same imports in the service layer", async () => {
    const ids = await ruleIdsFor("apps/desktop/src/service/lint-fixture.ts", 'import * as fs from "node:fs";\nexport const x = fs;\n');
    expect(ids).toEqual([]);
  });
});
