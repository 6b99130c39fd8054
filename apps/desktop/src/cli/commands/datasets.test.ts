import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIo } from "../testing/capture-io.ts";
import { main } from "../main.ts";
import { fixturePath } from "../../../../../fixtures/index.ts";

const fixtures = fixturePath("preference");
const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-cli-datasets-"));
const db = path.join(dir, "lab.sqlite");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  for (const f of ["activeuf_ultrafeedback_binarized_custom.jsonl", "stack_exchange_paired_tiny.json"]) {
    expect(await main(["import", path.join(fixtures, f), "--db", db], captureIo())).toBe(0);
  }
});

describe("goodhart datasets", () => {
  it("list shows every dataset with its format and row count", async () => {
    const io = captureIo();
    expect(await main(["datasets", "list", "--db", db], io)).toBe(0);
    const lines = io.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^id +name +format +rows +imported +source$/);
    expect(lines[1]).toMatch(/^1 +activeuf_ultrafeedback_binarized_custom +ultrafeedback-binarized +10 /);
    expect(lines[2]).toMatch(/^2 +stack_exchange_paired_tiny +stack-exchange-paired +25 /);
    const json = captureIo();
    expect(await main(["datasets", "list", "--db", db, "--json"], json)).toBe(0);
    expect((JSON.parse(json.stdout) as { rowCount: number }[]).map((d) => d.rowCount)).toEqual([10, 25]);
  });

  it("list on an empty lab says how to import", async () => {
    const io = captureIo();
    expect(await main(["datasets", "list", "--db", path.join(dir, "empty.sqlite")], io)).toBe(0);
    expect(io.stdout).toMatch(/No datasets in .*empty\.sqlite\. Import one with: goodhart import <file>/);
  });

  it("show prints counts, label sources and three sample rows", async () => {
    const io = captureIo();
    expect(await main(["datasets", "show", "1", "--db", db], io)).toBe(0);
    expect(io.stdout).toMatch(/Dataset 1 "activeuf_ultrafeedback_binarized_custom"/);
    expect(io.stdout).toMatch(/examples +10 \(pair\)/);
    expect(io.stdout).toMatch(/labels +10 llm/);
    expect(io.stdout.match(/^ {2}#\d+ {2}prompt: /gm)).toHaveLength(3);
    expect(io.stdout).toMatch(/#1 {2}prompt: Name the 10 biggest grossing legendary games/);
    expect(io.stdout).toMatch(/labels: a$/m);
    const json = captureIo();
    expect(await main(["datasets", "show", "2", "--db", db, "--json"], json)).toBe(0);
    const parsed = JSON.parse(json.stdout) as { examples: number; samples: unknown[]; labels: unknown[] };
    expect(parsed.examples).toBe(25);
    expect(parsed.samples).toHaveLength(3);
    expect(parsed.labels).toEqual([{ source: "human", dimension: "overall", count: 25 }]);
  });

  it("show refuses a missing or malformed id", async () => {
    const io = captureIo();
    expect(await main(["datasets", "show", "99", "--db", db], io)).toBe(2);
    expect(io.stderr).toMatch(/no dataset 99 in .*lab\.sqlite/);
    expect(await main(["datasets", "show", "abc", "--db", db], io)).toBe(2);
    expect(await main(["datasets", "show", "--db", db], io)).toBe(2);
    expect(io.stderr).toMatch(/'abc' is not a dataset id/);
  });
});
