import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTask } from "@goodhart/objectives";
import { openDatabase } from "@goodhart/storage";
import { captureIo } from "../testing/capture-io.ts";
import { main } from "../main.ts";
import { shownPair, startChatServer, type TestChatServer } from "../../service/testing/chat-server.ts";
import { LLM_KEY_ENV } from "./label.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-cli-label-"));
const db = path.join(dir, "lab.sqlite");
const KEY = "sk-cli-test-0123456789";
const task = createTask(0, { prompts: { train: 1, validation: 1, test: 1 } });
let server: TestChatServer;

beforeAll(async () => {
  server = await startChatServer((req) => {
    const { prompt, first, second } = shownPair(req.user);
    const a = task.gold(prompt, first).total;
    const b = task.gold(prompt, second).total;
    return a > b ? "1" : a < b ? "2" : "0";
  });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  delete process.env[LLM_KEY_ENV];
});

describe("goodhart label", () => {
  it("creates comparisons, labels them synthetically and by an LLM judge, and reports agreement", async () => {
    let io = captureIo();
    expect(await main(["label", "pairs", "--name", "cmp", "--count", "25", "--seed", "2", "--db", db], io)).toBe(0);
    expect(io.stdout).toMatch(/^dataset 1 'cmp': 25 comparisons of the built-in task/);

    io = captureIo();
    expect(
      await main(
        ["label", "synthetic", "1", "--name", "syn", "--dimensions", "overall,length", "--noise", "0.2", "--seed", "4", "--db", db],
        io,
      ),
    ).toBe(0);
    expect(io.stdout).toMatch(/label set 1 'syn\/overall': 25 labels, \d+ flipped \(p=0.2, seed 4\)/);
    expect(io.stdout).toMatch(/label set 2 'syn\/length': 25 labels/);

    // Without --yes: the estimate only, nothing sent.
    io = captureIo();
    const llm = [
      "label",
      "llm",
      "1",
      "--name",
      "judge",
      "--base-url",
      server.baseUrl,
      "--model",
      "m",
      "--price-in",
      "0.5",
      "--price-out",
      "1.5",
      "--db",
      db,
    ];
    expect(await main(llm, io)).toBe(0);
    expect(io.stdout).toMatch(
      /25 comparisons x 2 orders: 50 requests to send, 0 answers cached; about [\d,]+ input \+ 200 output tokens, cost 0\.\d{4}, at least 50 s at 60 requests\/min/,
    );
    expect(io.stdout).toMatch(/Nothing sent/);
    expect(server.requests).toHaveLength(0);

    // With --yes but no key in the environment: refused, naming the variable.
    io = captureIo();
    expect(await main([...llm, "--yes"], io)).toBe(2);
    expect(io.stderr).toContain(LLM_KEY_ENV);

    process.env[LLM_KEY_ENV] = KEY;
    io = captureIo();
    expect(await main([...llm, "--yes", "--rpm", "6000"], io)).toBe(0);
    expect(io.stdout).toMatch(
      /label set 3 'judge': 25 kept, 0 dropped \(the two orders disagreed\), 0 dropped \(malformed answer\); 50 requests sent, 0 answers from the cache/,
    );
    expect(io.stdout + io.stderr).not.toContain(KEY);

    io = captureIo();
    expect(await main(["label", "agreement", "1", "--db", db], io)).toBe(0);
    expect(io.stdout).toMatch(/^2 labelers, 25 items/);
    expect(io.stdout).toMatch(/\[0\] llm: m \/ overall-v1/);
    expect(io.stdout).toMatch(/Cohen's kappa  1\.000 \[/);
    const store = openDatabase(db);
    expect(store.labels.forDataset(1, { source: "llm" })).toHaveLength(25);
    store.close();
  });

  it("names bad input", async () => {
    const io = captureIo();
    expect(await main(["label", "synthetic", "99", "--name", "x", "--db", db], io)).toBe(2);
    expect(io.stderr).toMatch(/dataset 99 does not exist/);
    const io2 = captureIo();
    expect(await main(["label", "synthetic", "1", "--name", "y", "--dimensions", "charm", "--db", db], io2)).toBe(2);
    expect(io2.stderr).toMatch(/unknown dimension 'charm'/);
  });
});
