// tools/bin/cli-docs.mjs keeps docs/cli.md's help blocks equal to the CLI's --help output. Each case
// runs the real script in a child process on a page of its own, against a small CLI written for the
// test (so the case takes a second instead of starting the real CLI once per command).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../bin/cli-docs.mjs", import.meta.url));
let dir: string;
let cli: string;
let page: string;

const HELP: Record<string, string> = {
  "": "goodhart - the lab\n\nCommands:\n  demo   run the demo\n  runs show   show a run",
  demo: "goodhart demo [--db path] [--bench]\n\nRuns the demo.\n\n  --bench   print timings",
  "runs show": "goodhart runs show <id> [--db path]\n\nShows one run.",
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "goodhart-cli-docs-"));
  cli = join(dir, "cli.mjs");
  // Prints HELP[command words] for `... --help`; exits 2 for a command it does not know.
  writeFileSync(
    cli,
    `const help = ${JSON.stringify(HELP)};\nconst words = process.argv.slice(2).filter((a) => a !== "--help").join(" ");\n` +
      `if (!(words in help)) { console.error("unknown command " + words); process.exit(2); }\nconsole.log(help[words]);\n`,
  );
  page = join(dir, "cli.md");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function cliDocs(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [script, "--page", page, "--cli", cli, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const STALE = [
  "# The command line",
  "",
  "Intro prose stays.",
  "",
  "```",
  "goodhart - old summary",
  "```",
  "",
  "## `goodhart demo`",
  "",
  "```",
  "goodhart demo [--db path]",
  "",
  "Old text.",
  "```",
  "",
  "Prose under demo stays.",
  "",
  "## `goodhart runs show`",
  "",
  "```",
  "goodhart runs show <id>",
  "```",
  "",
  "The usage line alone; this prose explains the rest.",
  "",
  "## Not a command",
  "",
  "```",
  "left alone",
  "```",
  "",
].join("\n");

describe("cli-docs", () => {
  it("rewrites each help block from the CLI and leaves the prose and other blocks alone", () => {
    writeFileSync(page, STALE);
    const r = cliDocs();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("goodhart demo");
    const text = readFileSync(page, "utf8");
    expect(text).toContain("```\n" + HELP[""] + "\n```");
    expect(text).toContain("```\n" + HELP.demo + "\n```\n\nProse under demo stays.");
    // A block holding only the usage line keeps only the (new) usage line.
    expect(text).toContain("```\ngoodhart runs show <id> [--db path]\n```\n\nThe usage line alone");
    expect(text).not.toContain("Shows one run.");
    expect(text).toContain("Intro prose stays.");
    expect(text).toContain("## Not a command\n\n```\nleft alone\n```");
  });

  it("--check fails on a stale page and passes once it is synced", () => {
    writeFileSync(page, STALE);
    const stale = cliDocs("--check");
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain("goodhart demo");
    expect(readFileSync(page, "utf8")).toBe(STALE);
    expect(cliDocs().status).toBe(0);
    expect(cliDocs("--check").status).toBe(0);
  });

  it("stops on a command the CLI cannot describe, naming it, and leaves the page as it was", () => {
    const withUnknown = `${STALE}## \`goodhart vanished\`\n\n\`\`\`\ngoodhart vanished\n\`\`\`\n`;
    writeFileSync(page, withUnknown);
    const r = cliDocs();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("goodhart vanished --help failed (exit 2)");
    expect(r.stderr).toContain("unknown command vanished");
    expect(readFileSync(page, "utf8")).toBe(withUnknown);
  });
});
