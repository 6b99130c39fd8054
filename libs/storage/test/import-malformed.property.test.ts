import { writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, describe, expect, it } from "vitest";
import { ImportError, importDataset, openDatabase } from "../src/index.ts";
import { snapshot, tempDir } from "./helpers.ts";

const tmp = tempDir("goodhart-malformed-");
afterAll(tmp.cleanup);
const store = openDatabase(path.join(tmp.dir, "lab.sqlite"));
let n = 0;

const text = fc.string({ minLength: 1, maxLength: 30 });
const pair = fc.record({ prompt: text, chosen: text, rejected: text });
// Numbers and booleans in a text column are read as text (see the scalars property below); these are not.
const notText = fc.oneof(
  fc.constant(null),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
  fc.array(fc.integer(), { maxLength: 3 }),
);

/** Imports `content` and checks the failure contract: an ImportError naming the file, nothing written. */
async function expectRejected(content: string | Uint8Array, ext: string): Promise<ImportError> {
  const file = path.join(tmp.dir, `case-${n++}.${ext}`);
  writeFileSync(file, content);
  const before = snapshot(store);
  const err = await importDataset(store, file, { allowDuplicate: true }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${file} to be rejected`).toBeInstanceOf(ImportError);
  expect((err as ImportError).message.startsWith(`${file}`)).toBe(true);
  expect(snapshot(store)).toEqual(before);
  expect(store.integrityCheck()).toBe("ok");
  return err as ImportError;
}

/** Either imports cleanly or fails by the contract above; never another kind of error. */
async function importOrReject(content: string | Uint8Array, ext: string): Promise<void> {
  const file = path.join(tmp.dir, `case-${n++}.${ext}`);
  writeFileSync(file, content);
  const before = snapshot(store);
  try {
    await importDataset(store, file, { allowDuplicate: true });
  } catch (err) {
    expect(err).toBeInstanceOf(ImportError);
    expect(snapshot(store)).toEqual(before);
  }
}

describe("malformed input (property-based)", () => {
  it("JSONL: numbers and booleans in a response are imported as their text and counted per column", async () => {
    const own = openDatabase(path.join(tmp.dir, "scalars.sqlite"));
    await fc.assert(
      fc.asyncProperty(
        fc.array(pair, { minLength: 1, maxLength: 20 }),
        fc.uniqueArray(fc.nat(), { minLength: 1, maxLength: 5 }),
        fc.oneof(fc.integer(), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true })),
        async (rows, ats, scalar) => {
          const hit = new Set(ats.map((a) => a % rows.length));
          const file = path.join(tmp.dir, `scalars-${n++}.jsonl`);
          writeFileSync(file, rows.map((r, j) => JSON.stringify(hit.has(j) ? { ...r, rejected: scalar } : r)).join("\n") + "\n");
          const result = await importDataset(own, file, { allowDuplicate: true });
          expect(result.rows).toBe(rows.length);
          expect(result.report.scalarsAsText).toEqual({ rejected: hit.size });
          const stored = own.examples.list(result.datasetId, { limit: 100 });
          for (const j of hit) expect(stored.find((e) => e.rowIndex === j + 1)!.responseB).toBe(String(JSON.parse(JSON.stringify(scalar))));
        },
      ),
      { numRuns: 15 },
    );
    own.close();
  });

  it("JSONL: a row whose response is null, an object or a list is named by row and field", async () => {
    const seed = path.join(tmp.dir, "seed.jsonl");
    writeFileSync(seed, `${JSON.stringify({ prompt: "kept", chosen: "a", rejected: "b" })}\n`);
    await importDataset(store, seed);
    expect(snapshot(store)).toEqual({ datasets: 1, examples: 1, labels: 1 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(pair, { minLength: 1, maxLength: 20 }),
        fc.nat(),
        fc.constantFrom("chosen", "rejected"),
        notText,
        async (rows, at, field, bad) => {
          const i = at % rows.length;
          const lines = rows.map((r, j) => JSON.stringify(j === i ? { ...r, [field]: bad } : r));
          const err = await expectRejected(lines.join("\n") + "\n", "jsonl");
          expect(err).toMatchObject({ row: i + 1, field });
        },
      ),
      { numRuns: 25 },
    );
  });

  it("JSONL: a line cut short or with garbage is rejected at that line", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(pair, { minLength: 2, maxLength: 20 }), fc.nat(), fc.nat(), async (rows, at, cut) => {
        const i = at % rows.length;
        const lines = rows.map((r) => JSON.stringify(r));
        const line = lines[i]!;
        lines[i] = line.slice(0, 1 + (cut % (line.length - 1))); // a proper prefix of a JSON object never parses
        const err = await expectRejected(lines.join("\n"), "jsonl");
        expect(err.line).toBe(i + 1);
        expect(err.reason).toMatch(/invalid JSON/);
      }),
      { numRuns: 25 },
    );
  });

  it("CSV: an unclosed quote or a ragged row is rejected", async () => {
    const cell = fc.stringMatching(/^[a-z ]{1,12}$/);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(cell, cell, cell), { minLength: 1, maxLength: 15 }),
        fc.nat(),
        fc.boolean(),
        async (rows, at, ragged) => {
          const i = at % rows.length;
          const lines = rows.map((r) => r.join(","));
          lines[i] = ragged ? `${lines[i]},extra` : `${rows[i]![0]},"${rows[i]![1]},${rows[i]![2]}`;
          const err = await expectRejected(`prompt,chosen,rejected\n${lines.join("\n")}\n`, "csv");
          expect(err.reason).toMatch(/malformed CSV/);
          if (ragged) expect(err.row).toBe(i + 1);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("CSV: random bytes spliced into a valid file never half-import", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(text, text, text), { minLength: 1, maxLength: 10 }),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 5 }),
        async (rows, at, junk) => {
          const body = `prompt,chosen,rejected\n${rows.map((r) => r.map((c) => `"${c.replaceAll('"', '""')}"`).join(",")).join("\n")}\n`;
          const pos = at % body.length;
          await importOrReject(body.slice(0, pos) + junk + body.slice(pos), "csv");
        },
      ),
      { numRuns: 30 },
    );
  });

  it("Parquet: truncated files are rejected; corrupted bytes never half-import", async () => {
    const rows = 50;
    const valid = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: "prompt", data: Array.from({ length: rows }, (_, i) => `p${i}`) },
          { name: "chosen", data: Array.from({ length: rows }, (_, i) => `c${i}`) },
          { name: "rejected", data: Array.from({ length: rows }, (_, i) => `r${i}`) },
        ],
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: valid.length - 1 }), async (len) => {
        const err = await expectRejected(valid.slice(0, len), "parquet");
        expect(err.reason).toMatch(/not a readable Parquet file/);
      }),
      { numRuns: 20 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), async (flips) => {
        const bytes = valid.slice();
        for (const [pos, value] of flips) bytes[4 + (pos % (bytes.length - 8))] = value;
        await importOrReject(bytes, "parquet");
      }),
      { numRuns: 30 },
    );
  });
});
