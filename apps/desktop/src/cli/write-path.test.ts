// One write path: with a lab running in browser mode (a real child process holding the runner lock
// and publishing lab.json), `goodhart` commands that write (models import, label pairs, label
// synthetic, label llm as a job of the lab) and read (models list, datasets list) go to that lab's
// service over HTTP. The test process is the CLI: it watches every openDatabase call it makes, so
// "no second SQLite writer" is checked, not assumed; the lab's own API then lists what was stored.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import * as storage from "@goodhart/storage";
import { fixturePath } from "../../../../fixtures/index.ts";
import { shownPair, startChatServer } from "../service/testing/chat-server.ts";
import { createHttpLabClient } from "../shared/http-client.ts";
import { captureIo } from "./testing/capture-io.ts";
import { main } from "./main.ts";

// The real openDatabase, observed: every database this process opens is recorded.
vi.mock("@goodhart/storage", async (importOriginal) => {
  const real = await importOriginal<typeof import("@goodhart/storage")>();
  return { ...real, openDatabase: vi.fn(real.openDatabase) };
});

const root = mkdtempSync(path.join(os.tmpdir(), "goodhart-write-path-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const browserLab = fileURLToPath(new URL("./testing/browser-lab.ts", import.meta.url));

const LLM_KEY = "sk-write-path-0123456789";

/** Browser mode on `db` in a child process (with the LLM judge's key in its environment); resolves once it prints its URL. */
async function startLab(db: string): Promise<{ proc: ChildProcess; exited: Promise<number | null> }> {
  const env = { ...process.env, GOODHART_LLM_API_KEY: LLM_KEY };
  const proc = spawn(process.execPath, ["--import", "tsx", browserLab, db], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`browser mode did not start:\n${output}`)), 120_000);
    const check = (d: Buffer) => {
      output += d.toString();
      if (/\?token=/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on("data", check);
    proc.stderr!.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`browser mode exited (${code}) before it started:\n${output}`));
    });
  });
  return { proc, exited };
}

describe("every CLI write goes through the running lab's service", () => {
  it("models import, label pairs, label synthetic and label llm reach browser mode, and this process opens no database", async () => {
    const db = path.join(root, "lab", "lab.sqlite");
    // The judge's endpoint: one rate-limit refusal (its retry notice must reach the CLI), then a
    // consistent judge (the longer response wins, equal lengths tie).
    const chat = await startChatServer((req, n) => {
      if (n === 1) return { status: 429, headers: { "retry-after": "0" } };
      const { first, second } = shownPair(req.user);
      return first.length > second.length ? "1" : first.length < second.length ? "2" : "0";
    });
    const lab = await startLab(db);
    const opened = vi.mocked(storage.openDatabase);
    opened.mockClear();
    const endpoint = JSON.parse(readFileSync(path.join(root, "lab", "data", "lab.json"), "utf8")) as { url: string; token: string };
    const client = createHttpLabClient({ baseUrl: endpoint.url, token: endpoint.token });
    try {
      const model = captureIo();
      expect(await main(["models", "import", fixturePath("models/tiny-gpt2"), "--db", db], model)).toBe(0);
      expect(model.stdout).toMatch(/^Model 1 "tiny-gpt2"/);
      const again = captureIo();
      expect(await main(["models", "import", fixturePath("models/tiny-gpt2"), "--db", db, "--json"], again)).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ created: false, model: { id: 1 } });

      const pairs = captureIo();
      expect(await main(["label", "pairs", "--name", "cmp", "--count", "6", "--seed", "1", "--db", db], pairs)).toBe(0);
      expect(pairs.stdout).toBe("dataset 1 'cmp': 6 comparisons of the built-in task\n");
      const synthetic = captureIo();
      expect(await main(["label", "synthetic", "1", "--name", "syn", "--noise", "0.5", "--seed", "2", "--db", db], synthetic)).toBe(0);
      expect(synthetic.stdout).toMatch(/^label set 1 'syn\/overall': 6 labels, \d+ flipped \(p=0\.5, seed 2\)/);
      // A refusal of the lab's service is the user's error, named as the service words it.
      const taken = captureIo();
      expect(await main(["label", "synthetic", "1", "--name", "syn", "--db", db], taken)).toBe(2);
      expect(taken.stderr).toMatch(/a label set named 'syn\/overall' already exists/);

      // The judge runs as a job of the lab, with the lab's key (this process has none).
      delete process.env.GOODHART_LLM_API_KEY;
      const judged = captureIo();
      const llm = [
        "label",
        "llm",
        "1",
        "--name",
        "judge",
        "--base-url",
        chat.baseUrl,
        "--model",
        "m",
        "--rpm",
        "6000",
        "--yes",
        "--db",
        db,
      ];
      expect(await main(llm, judged)).toBe(0);
      expect(judged.stdout).toMatch(
        /label set 2 'judge': 6 kept, 0 dropped \(the two orders disagreed\), 0 dropped \(malformed answer\); 12 requests sent, 0 answers from the cache/,
      );
      expect(judged.stderr).toMatch(/Judging in the running lab Goodhart Lab in browser mode/);
      expect(judged.stderr).toMatch(/LLM judge: .*429.*retry 1\//);
      // Twelve answers plus the refused request, each with the lab's key.
      expect(chat.requests.map((r) => r.authorization)).toEqual(Array(13).fill(`Bearer ${LLM_KEY}`));
      expect(judged.stdout + judged.stderr).not.toContain(LLM_KEY);

      const listed = captureIo();
      expect(await main(["datasets", "list", "--db", db, "--json"], listed)).toBe(0);
      expect((JSON.parse(listed.stdout) as { name: string }[]).map((d) => d.name)).toEqual(["cmp"]);

      // Nothing above opened the database in this process: the lab's service did every write.
      expect(opened).not.toHaveBeenCalled();
      // The running lab's service holds what the commands stored.
      expect((await client.api.models.list()).map((m) => m.name)).toEqual(["tiny-gpt2"]);
      expect((await client.api.datasets.list()).map((d) => [d.name, d.rowCount])).toEqual([["cmp", 6]]);
      expect((await client.api.labels.stats({ datasetId: 1 })).counts).toEqual([
        { source: "llm", dimension: "overall", count: 6 },
        { source: "synthetic", dimension: "overall", count: 6 },
      ]);
    } finally {
      client.close();
      await chat.close();
      lab.proc.kill("SIGINT");
      expect(await lab.exited).toBe(130);
    }
    // Without a running lab the same command runs the service in this process.
    const local = captureIo();
    expect(await main(["models", "list", "--db", db], local)).toBe(0);
    expect(local.stdout).toMatch(/^Model 1 "tiny-gpt2"/);
    expect(opened).toHaveBeenCalledWith(db);
  }, 240_000);
});
