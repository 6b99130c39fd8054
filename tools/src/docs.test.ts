// The documentation stays navigable: README.md is a front page, and every relative link in it and in
// docs/*.md points at a file of the repository and, with a #fragment, at a heading of that page.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const pages = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** Markdown without fenced code blocks (their brackets and hashes are not links or headings). */
function prose(file: string): string {
  return readFileSync(join(root, file), "utf8").replace(/^```[\s\S]*?^```/gm, "");
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, ... */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, text] of prose(file).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = text!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

describe("documentation", () => {
  it("keeps README.md a front page of at most 12 KB", () => {
    expect(statSync(join(root, "README.md")).size).toBeLessThanOrEqual(12 * 1024);
  });

  it("has only relative links that resolve to a file inside the repository and, with #fragment, to a heading", () => {
    const broken: string[] = [];
    for (const page of pages) {
      for (const [, target] of prose(page).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue; // https:, mailto:
        const [path, fragment] = target!.split("#") as [string, string | undefined];
        const file = path ? resolve(dirname(join(root, page)), path) : join(root, page);
        const inside = !relative(root, file).startsWith("..");
        if (!inside || !existsSync(file)) {
          broken.push(`${page}: ${target} (no such file in the repository)`);
          continue;
        }
        if (fragment && file.endsWith(".md") && !anchors(relative(root, file)).has(fragment)) {
          broken.push(`${page}: ${target} (no heading with that anchor)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it("finds a broken link when there is one", () => {
    // The checker itself: a heading's anchor is found, a made-up one is not.
    expect(anchors("docs/architecture.md").has("where-each-concept-lives")).toBe(true);
    expect(anchors("docs/architecture.md").has("no-such-heading")).toBe(false);
  });
});
