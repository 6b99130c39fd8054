// The rule that keeps every path inside the repository: what it reports and what it lets through.
// Files are linted as if they lived at the given path under a made-up root; nothing is read.
import { RuleTester } from "eslint";
import { describe, it } from "vitest";
import { noPathOutsideRepo } from "./no-path-outside-repo.mjs";

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const root = "/repo";
const options = [{ root }];
const tester = new RuleTester({ languageOptions: { ecmaVersion: 2024, sourceType: "module" } });
// Four levels below the root: "../../../.." is the root itself, one more ".." leaves it.
const deepTest = `${root}/libs/engine/src/checkpoints/model.test.ts`;
// The old location, assembled so that a plain grep of the repository for it finds only real uses.
const OLD_FIXTURES = ["shared", "fixtures"].join("/");

tester.run("no-path-outside-repo", noPathOutsideRepo, {
  valid: [
    { filename: deepTest, options, code: 'import { fixturePath } from "../../../../fixtures/index.ts";' },
    { filename: deepTest, options, code: 'const u = new URL("../../../../fixtures/", import.meta.url);' },
    { filename: deepTest, options, code: 'const p = path.join(here, "..", "..", "..", "..", "fixtures");' },
    { filename: deepTest, options, code: 'const p = join(dir, "config.json"); const q = join(tmpdir(), "goodhart-x");' },
    // Not relative paths: URLs, absolute paths and query strings are not resolved from the file.
    { filename: deepTest, options, code: 'fetch("/api/upload?name=../../../../../../pairs.jsonl");' },
    { filename: deepTest, options, code: 'const p = join("/tmp", "..", "x");' },
    { filename: deepTest, options, code: 'const s = "see the shared fixtures folder";' },
    // A file outside the root (e.g. stdin) has no folder to resolve from.
    { filename: "/elsewhere/x.ts", options, code: 'const u = new URL("../../../../..", import.meta.url);' },
  ],
  invalid: [
    {
      filename: deepTest,
      options,
      code: `const u = new URL("../../../../../${OLD_FIXTURES}/weights/", import.meta.url);`,
      errors: [{ messageId: "sharedFixtures" }],
    },
    {
      filename: deepTest,
      options,
      code: 'const u = new URL("../../../../../sibling/data.json", import.meta.url);',
      errors: [{ messageId: "leavesRepo" }],
    },
    {
      filename: deepTest,
      options,
      code: 'import x from "../../../../../outside.ts";',
      errors: [{ messageId: "leavesRepo" }],
    },
    {
      filename: deepTest,
      options,
      code: "const u = new URL(`../../../../..`, import.meta.url);",
      errors: [{ messageId: "leavesRepo" }],
    },
    {
      // Segments split across arguments are joined before resolving.
      filename: deepTest,
      options,
      code: 'const p = path.join(here, "..", "..", "..", "..", "..", "data");',
      errors: [{ messageId: "leavesRepo" }],
    },
    {
      filename: `${root}/libs/storage/test/helpers.ts`,
      options,
      code: 'const p = path.join(repoRoot, "..", "shared", "fixtures", "preference", name);',
      errors: [{ messageId: "sharedFixtures" }],
    },
    {
      filename: `${root}/e2e/src/browser.ts`,
      options,
      code: 'const p = resolve(here, "../../..");',
      errors: [{ messageId: "leavesRepo" }],
    },
    {
      // A mention anywhere, even an absolute one, is the old location.
      filename: deepTest,
      options,
      code: `const p = "/work/${OLD_FIXTURES}/preference/x.json";`,
      errors: [{ messageId: "sharedFixtures" }],
    },
  ],
});
