// The one helper that reaches the repository's test fixtures, and the README that vouches for them.
import { readFileSync, readdirSync } from "node:fs";
import { basename, extname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FIXTURES_ROOT, fixturePath } from "../../fixtures/index.ts";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

describe("fixturePath", () => {
  it("resolves a fixture inside <repo>/fixtures from any working directory", () => {
    expect(FIXTURES_ROOT).toBe(join(repoRoot, "fixtures"));
    const file = fixturePath("preference/stack_exchange_paired_tiny.json");
    expect(file).toBe(join(repoRoot, "fixtures", "preference", "stack_exchange_paired_tiny.json"));
    expect(JSON.parse(readFileSync(file, "utf8"))).toHaveLength(25);
    expect(fixturePath("weights/lm-buddy_tiny_gpt2")).toBe(join(repoRoot, "fixtures", "weights", "lm-buddy_tiny_gpt2"));
  });

  it("names the missing file and where it looked", () => {
    expect(() => fixturePath("preference/nope.jsonl")).toThrow(
      /"preference\/nope\.jsonl" is missing: expected .*fixtures\/preference\/nope\.jsonl/,
    );
  });

  it("refuses a path that climbs out of the fixtures folder, even to a file that exists", () => {
    expect(() => fixturePath("../package.json")).toThrow(/leaves the fixtures folder/);
  });
});

describe("fixtures/README.md", () => {
  const readme = readFileSync(join(repoRoot, "fixtures", "README.md"), "utf8");
  const fixtures = filesUnder(join(repoRoot, "fixtures")).filter(
    (f) => !["README.md", "index.ts", ".gitattributes"].includes(relative(join(repoRoot, "fixtures"), f)),
  );

  it("gives the provenance of every fixture file", () => {
    expect(fixtures.length).toBeGreaterThan(20);
    const unlisted = fixtures.filter((f) => !readme.includes(basename(f)) && !readme.includes(basename(f, extname(f))));
    expect(unlisted).toEqual([]);
  });

  it("keeps the safetensors samples apart on case-insensitive file systems", () => {
    const lower = fixtures.map((f) => f.toLowerCase());
    expect(new Set(lower).size).toBe(lower.length);
  });
});
