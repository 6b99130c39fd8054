import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "@goodhart/storage";
import { afterAll, describe, expect, it } from "vitest";
import { captureIo } from "../testing/capture-io.ts";
import { main } from "../main.ts";
import { fixturePath } from "../../../../../fixtures/index.ts";

const fixtures = fixturePath("preference");
const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-cli-import-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("goodhart import", () => {
  it("imports a fixture, reports the detected format, and refuses the same content again", async () => {
    const db = path.join(dir, "a.sqlite");
    const file = path.join(fixtures, "stack_exchange_paired_tiny.json");
    const io = captureIo();
    expect(await main(["import", file, "--db", db], io)).toBe(0);
    expect(io.stdout).toMatch(/Imported .*stack_exchange_paired_tiny\.json as dataset 1 "stack_exchange_paired_tiny"/);
    expect(io.stdout).toMatch(/format +stack-exchange-paired \(Stack Exchange paired\), json/);
    expect(io.stdout).toMatch(/columns +prompt <- question; chosen <- response_j; rejected <- response_k/);
    expect(io.stdout).toMatch(/rows +25 examples, 25 labels \(source human\)/);

    const again = captureIo();
    expect(await main(["import", file, "--db", db], again)).toBe(1);
    expect(again.stderr).toMatch(/already imported as dataset 1 "stack_exchange_paired_tiny".*nothing imported/);
    const store = openDatabase(db);
    expect(store.datasets.list()).toHaveLength(1);
    store.close();
  });

  it("honours --format, --map, --name, --label-source and GOODHART_DB", async () => {
    const db = path.join(dir, "env.sqlite");
    const file = path.join(dir, "custom.csv");
    writeFileSync(file, "q,good,bad\nwhy?,because,no\n");
    const previous = process.env.GOODHART_DB;
    process.env.GOODHART_DB = db;
    try {
      const io = captureIo();
      const code = await main(
        [
          "import",
          file,
          "--format",
          "prompt-chosen-rejected",
          "--map",
          "prompt=q",
          "--map=chosen=good",
          "--map",
          "rejected=bad",
          "--name",
          "mine",
          "--label-source",
          "synthetic",
          "--json",
        ],
        io,
      );
      expect(code).toBe(0);
      const result = JSON.parse(io.stdout) as {
        datasetId: number;
        rows: number;
        database: string;
        report: { columns: Record<string, string> };
      };
      expect(result).toMatchObject({ rows: 1, database: db, report: { columns: { prompt: "q", chosen: "good", rejected: "bad" } } });
      const store = openDatabase(db);
      expect(store.datasets.get(result.datasetId)!.name).toBe("mine");
      expect(store.datasets.labelCounts(result.datasetId)).toEqual([{ source: "synthetic", dimension: "overall", count: 1 }]);
      store.close();
    } finally {
      if (previous === undefined) delete process.env.GOODHART_DB;
      else process.env.GOODHART_DB = previous;
    }
  });

  it("a bad file exits 1 with the file, row and field, and adds nothing", async () => {
    const db = path.join(dir, "bad.sqlite");
    const file = path.join(dir, "bad.jsonl");
    writeFileSync(file, '{"prompt":"a","chosen":"b","rejected":"c"}\n{"prompt":"a","chosen":["x"],"rejected":"c"}\n');
    const io = captureIo();
    expect(await main(["import", file, "--db", db], io)).toBe(1);
    expect(io.stderr).toContain(
      `goodhart import: ${file}, row 2, field "chosen": expected a chat message {role, content} or {from, value}, got the text "x"`,
    );
    const store = openDatabase(db);
    expect(store.datasets.list()).toEqual([]);
    store.close();
  });

  it("--label-values and --on-bad-row skip: the skipped rows are listed after the import and by datasets show", async () => {
    const db = path.join(dir, "skip.sqlite");
    const file = path.join(fixtures, "openaiapi_rlhf_answer_preference.jsonl");
    const map = [
      "--map",
      "prompt=Question",
      "--map",
      "response_a=Answer1",
      "--map",
      "response_b=Answer2",
      "--map",
      "preference=Preference",
    ];
    const io = captureIo();
    expect(
      await main(["import", file, "--db", db, "--format", "pairwise", ...map, "--label-values", "Answer1=a", "--on-bad-row", "skip"], io),
    ).toBe(0);
    const skipped = Number(/skipped +(\d+) rows/.exec(io.stdout)?.[1]);
    expect(skipped).toBeGreaterThan(10);
    expect(io.stdout).toMatch(/rows +\d+ examples/);
    expect(io.stdout).toMatch(/labels +not stated in the file: assumed human/);
    expect(io.stdout).toMatch(/values +answer1 -> a/);
    expect(io.stdout.match(/^ {4}row \d+, field "Preference": expected a preference .* got the text "Answer2"$/gm)).toHaveLength(skipped);

    const shown = captureIo();
    expect(await main(["datasets", "show", "1", "--db", db], shown)).toBe(0);
    expect(shown.stdout.match(/^ {4}row \d+, field "Preference"/gm)).toHaveLength(skipped);

    // Both label values given: every row imports, no skip report.
    const all = captureIo();
    expect(
      await main(
        ["import", file, "--db", db, "--allow-duplicate", "--format", "pairwise", ...map, "--label-values", "Answer1=a,Answer2=b"],
        all,
      ),
    ).toBe(0);
    expect(all.stdout).toMatch(/rows +100 examples, 100 labels/);
    expect(all.stdout).not.toMatch(/skipped/);
  });

  it("rejects bad usage with exit code 2", async () => {
    const io = captureIo();
    expect(await main(["import"], io)).toBe(2);
    expect(await main(["import", "x.jsonl", "--map", "prompt"], io)).toBe(2);
    expect(await main(["import", "x.jsonl", "--label-source", "crowd"], io)).toBe(2);
    expect(await main(["import", "x.jsonl", "--frobnicate", "1"], io)).toBe(2);
    expect(await main(["import", "x.jsonl", "--on-bad-row", "ignore"], io)).toBe(2);
    expect(await main(["import", "x.jsonl", "--label-values", "ours=first"], io)).toBe(2);
    expect(io.stderr).toMatch(/give exactly one file/);
    expect(io.stderr).toMatch(/mapping 'prompt' must look like field=column/);
    expect(io.stderr).toMatch(/--label-source must be one of gold, human, llm, synthetic/);
    expect(io.stderr).toMatch(/unknown option --frobnicate/);
    expect(io.stderr).toMatch(/--on-bad-row must be one of fail, skip/);
    expect(io.stderr).toMatch(/label value 'ours=first': 'first' is not a label/);
  });
});
