#!/usr/bin/env node
// Keeps the help blocks of docs/cli.md equal to what the CLI prints. The first fenced block of the
// page is `goodhart --help`; under each "## `goodhart <command>`" heading, the first fenced block is
// `goodhart <command> --help` (or only its usage line, when the page keeps just that line and
// explains the rest in prose). Everything else on the page is left as written.
// Usage: node tools/bin/cli-docs.mjs [--check] [--page docs/cli.md] [--cli apps/desktop/bin/goodhart.mjs]
// --check exits 1 when a block differs (writes nothing).
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

function parseArgs(argv) {
  const options = { page: path.join(repoRoot, "docs/cli.md"), cli: path.join(repoRoot, "apps/desktop/bin/goodhart.mjs"), check: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--check") options.check = true;
    else if (arg === "--page" || arg === "--cli") {
      const value = argv[++i];
      if (!value) throw new Error(`cli-docs: ${arg} needs a value`);
      options[arg.slice(2)] = path.resolve(value);
    } else throw new Error(`cli-docs: unknown argument ${arg} (expected --check, --page file, --cli file)`);
  }
  return options;
}

function helpOf(cli, words) {
  const r = spawnSync(process.execPath, [cli, ...words, "--help"], { encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0 || !r.stdout.trim()) {
    throw new Error(
      `cli-docs: goodhart ${[...words, "--help"].join(" ")} failed (exit ${r.status}): ${(r.stderr || "").trim().slice(-500)}`,
    );
  }
  return r.stdout.trimEnd();
}

/** Replaces the fenced block starting at or after `from` (and before `limit`) with `text`; returns the new page and whether it changed. */
function replaceBlock(page, from, limit, help, { keepUsageOnly = true } = {}) {
  const open = page.indexOf("```\n", from);
  if (open === -1 || open >= limit) return { page, changed: false, found: false };
  const close = page.indexOf("\n```", open + 4);
  if (close === -1) throw new Error(`cli-docs: unclosed code block at offset ${open}`);
  const old = page.slice(open + 4, close);
  // A block holding only the usage line stays a usage line.
  const text = keepUsageOnly && !old.includes("\n") ? help.split("\n")[0] : help;
  return { page: page.slice(0, open + 4) + text + page.slice(close), changed: old !== text, found: true };
}

export function syncCliPage(page, help) {
  const changed = [];
  const top = replaceBlock(page, 0, page.length, help([]), { keepUsageOnly: false });
  if (!top.found) throw new Error("cli-docs: the page has no code block for goodhart --help");
  page = top.page;
  if (top.changed) changed.push("goodhart");
  const heading = /^## `goodhart ([a-z][a-z ]*)`\s*$/gm;
  for (let m = heading.exec(page); m; m = heading.exec(page)) {
    const next = page.slice(m.index + m[0].length).search(/^## /m);
    const limit = next === -1 ? page.length : m.index + m[0].length + next;
    const words = m[1].trim().split(/\s+/);
    const r = replaceBlock(page, m.index + m[0].length, limit, help(words));
    page = r.page;
    if (r.changed) changed.push(`goodhart ${words.join(" ")}`);
  }
  return { page, changed };
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const { page, changed } = syncCliPage(readFileSync(options.page, "utf8"), (words) => helpOf(options.cli, words));
  const where = path.relative(process.cwd(), options.page);
  if (options.check) {
    if (changed.length) {
      console.error(`${where} is stale for: ${changed.join(", ")}; run node tools/bin/cli-docs.mjs`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(options.page, page);
  console.log(changed.length ? `Updated ${where}: ${changed.join(", ")}` : `${where} already matches the CLI`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  try {
    main();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
