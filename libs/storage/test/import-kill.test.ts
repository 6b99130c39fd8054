import { spawn } from "node:child_process";
import { createWriteStream, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importDataset, openDatabase } from "../src/index.ts";
import { snapshot, tempDir } from "./helpers.ts";

const tmp = tempDir("goodhart-kill-");
afterAll(tmp.cleanup);
const child = fileURLToPath(new URL("./kill-import-child.ts", import.meta.url));
const big = path.join(tmp.dir, "big.jsonl");
const ROWS = 40_000;

beforeAll(async () => {
  const out = createWriteStream(big);
  for (let i = 0; i < ROWS; i++) {
    const ok = out.write(
      `${JSON.stringify({ prompt: `question ${i} ${"x".repeat(80)}`, chosen: `good answer ${i} ${"y".repeat(60)}`, rejected: `bad answer ${i}`, category: i % 2 ? "math" : "chat" })}\n`,
    );
    if (!ok) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((resolve) => out.end(resolve));
});

/** Runs the child importer and SIGKILLs it when `when` matches a line it prints. */
function importAndKill(db: string, when: (line: string) => boolean): Promise<{ signal: NodeJS.Signals | null; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", child, db, big], {
      cwd: path.dirname(child),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: string[] = [];
    let stderr = "";
    let buffered = "";
    let killed = false;
    proc.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (!killed && when(line)) {
          killed = proc.kill("SIGKILL");
        }
      }
    });
    proc.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    proc.on("error", reject);
    proc.on("exit", (code, signal) => {
      if (signal === "SIGKILL" || code === 0) resolve({ signal, lines });
      else reject(new Error(`child failed (${code}): ${lines.slice(-3).join(" | ")} ${stderr}`));
    });
  });
}

describe("an import killed with SIGKILL", () => {
  it("mid-read leaves the database intact, without any part of the dataset", async () => {
    const db = path.join(tmp.dir, "mid-read.sqlite");
    const store = openDatabase(db);
    const small = path.join(tmp.dir, "small.jsonl");
    writeFileSync(small, `${JSON.stringify({ prompt: "p", chosen: "a", rejected: "b" })}\n`);
    await importDataset(store, small);
    store.close();

    const { signal, lines } = await importAndKill(db, (l) => l === "reading 2000");
    expect(signal).toBe("SIGKILL");
    expect(lines).toContain("reading 2000");
    expect(lines).not.toContain("finished");

    const after = openDatabase(db);
    expect(after.integrityCheck()).toBe("ok");
    expect(snapshot(after)).toEqual({ datasets: 1, examples: 1, labels: 1 });
    expect(after.datasets.list().map((d) => d.name)).toEqual(["small"]);
    // The file is still usable: the same import now completes.
    const done = await importDataset(after, big);
    expect(done.rows).toBe(ROWS);
    after.close();
  });

  it("at the commit leaves either nothing or the whole dataset", async () => {
    const db = path.join(tmp.dir, "at-commit.sqlite");
    openDatabase(db).close();
    // The commit is one synchronous transaction; the kill usually lands inside it, but may land after.
    await importAndKill(db, (l) => l.startsWith("committing"));
    const after = openDatabase(db);
    expect(after.integrityCheck()).toBe("ok");
    for (const d of after.datasets.list()) expect(after.examples.count(d.id)).toBe(d.rowCount);
    expect([0, ROWS]).toContain(snapshot(after).examples);
    after.close();
  });
});
