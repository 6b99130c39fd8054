import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createTask, goldPreferences } from "@goodhart/objectives";
import { openDatabase, type LabStore } from "@goodhart/storage";
import {
  createBuiltinComparisons,
  datasetAgreement,
  datasetComparisons,
  estimateLlmLabeling,
  labelSynthetic,
  labelWithLlm,
} from "./labels.ts";
import { createLabService } from "./lab-service.ts";
import { shownPair, startChatServer, type ChatReply, type TestChatServer } from "./testing/chat-server.ts";

const KEY = "sk-test-9f8e7d6c5b4a-never-stored";
const task = createTask(0, { prompts: { train: 1, validation: 1, test: 1 } });

/** A judge that answers by the built-in gold: consistent across orders. */
function goldJudge(user: string): string {
  const { prompt, first, second } = shownPair(user);
  const a = task.gold(prompt, first).total;
  const b = task.gold(prompt, second).total;
  return a > b ? "1" : a < b ? "2" : "0";
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function lab(count = 12): { store: LabStore; datasetId: number; dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "goodhart-labels-"));
  const file = join(dir, "lab.sqlite");
  const store = openDatabase(file);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => store.close());
  const dataset = createBuiltinComparisons(store, { name: "cmp", count, seed: 5 });
  return { store, datasetId: dataset.id, dir, file };
}

async function server(reply: (user: string, n: number) => ChatReply): Promise<TestChatServer> {
  const s = await startChatServer((req, n) => reply(req.user, n));
  cleanups.push(() => s.close());
  return s;
}

/** Every byte the lab wrote beside the database (the file, WAL and SHM) as text. */
function databaseBytes(dir: string): string {
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f)).toString("latin1"))
    .join("\n");
}

describe("synthetic labeler", () => {
  it("labels by the built-in gold per dimension and flips with the one flipper, reproducibly", () => {
    const { store, datasetId } = lab(200);
    const { comparisons } = datasetComparisons(store, datasetId);
    const sets = labelSynthetic(store, { datasetId, dimensions: ["overall", "sentiment"], noise: 0.25, seed: 3, name: "syn" });
    expect(sets.map((s) => [s.name, s.dimension, s.source, s.size])).toEqual([
      ["syn/overall", "overall", "synthetic", 200],
      ["syn/sentiment", "sentiment", "synthetic", 200],
    ]);
    const clean = store.labels.forDataset(datasetId, { dimension: "overall" });
    expect(clean.map((l) => l.preferred)).toEqual(goldPreferences(task, comparisons, "overall"));
    expect(clean.every((l) => l.source === "synthetic" && l.annotator === "built-in gold (overall)" && l.createdAt.length > 0)).toBe(true);
    const members = store.labelSets.members(sets[0]!.id);
    const nonTie = members.filter((m) => m.originalPreferred !== "tie").length;
    expect(sets[0]!.flippedCount / nonTie).toBeGreaterThan(0.15);
    expect(sets[0]!.flippedCount / nonTie).toBeLessThan(0.35);
    expect(members.filter((m) => m.originalPreferred === "tie").every((m) => !m.flipped)).toBe(true);
    // Same seed, same flips; the set covers only its own run's labels.
    const again = labelSynthetic(store, { datasetId, dimensions: ["overall"], noise: 0.25, seed: 3, name: "syn2" });
    expect(again[0]!.size).toBe(200);
    expect(store.labelSets.members(again[0]!.id).map((m) => m.flipped)).toEqual(members.map((m) => m.flipped));
  });
  it("refuses an unknown dimension or a taken name and writes nothing", () => {
    const { store, datasetId } = lab(5);
    expect(() => labelSynthetic(store, { datasetId, dimensions: ["overall", "charm"], noise: 0, seed: 1, name: "x" })).toThrow(
      /unknown dimension 'charm'/,
    );
    labelSynthetic(store, { datasetId, dimensions: ["overall"], noise: 0, seed: 1, name: "x" });
    expect(() => labelSynthetic(store, { datasetId, dimensions: ["overall"], noise: 0, seed: 1, name: "x" })).toThrow(
      /'x\/overall' already exists/,
    );
    expect(store.labels.forDataset(datasetId).length).toBe(5);
  });
});

describe("LLM judge labeler against a local chat-completions server", () => {
  it("asks both orders, keeps the pairs whose answers agree, and stores them as llm labels", async () => {
    const { store, datasetId } = lab(10);
    // A position-biased judge on the first 4 comparisons (always "1"), gold afterwards.
    const s = await server((user, n) => (n <= 8 ? "1" : goldJudge(user)));
    const result = await labelWithLlm(store, {
      datasetId,
      template: "overall",
      endpoint: { baseUrl: s.baseUrl, model: "judge-test", apiKey: KEY },
      name: "llm overall",
      judge: { backoffMs: 1 },
    });
    expect(s.requests).toHaveLength(20);
    expect(s.requests.every((r) => r.authorization === `Bearer ${KEY}` && r.model === "judge-test")).toBe(true);
    // Both orders of each comparison were shown.
    const { comparisons } = datasetComparisons(store, datasetId);
    expect(shownPair(s.requests[0]!.user).first).toBe(comparisons[0]!.responseA);
    expect(shownPair(s.requests[1]!.user).first).toBe(comparisons[0]!.responseB);
    const gold = goldPreferences(task, comparisons, "overall");
    // "1" in both orders means A, then B: inconsistent unless... it never agrees.
    expect(result.summary.inconsistent).toBe(4);
    expect(result.summary.kept).toBe(6);
    const labels = store.labels.forDataset(datasetId, { source: "llm" });
    expect(labels.map((l) => l.preferred)).toEqual(gold.slice(4));
    expect(labels.every((l) => l.annotator === "judge-test / overall-v1")).toBe(true);
    expect(result.labelSet).toMatchObject({ name: "llm overall", source: "llm", size: 6, dimension: "overall" });
  });

  it("retries 429 (honouring Retry-After), 500s and timeouts, then succeeds", async () => {
    const { store, datasetId } = lab(2);
    const log: string[] = [];
    const s = await server((user, n) => {
      if (n === 1) return { status: 429, headers: { "retry-after": "0" } };
      if (n === 2 || n === 3) return { status: 503 };
      if (n === 4) return { delayMs: 2000, then: goldJudge(user) };
      return goldJudge(user);
    });
    const result = await labelWithLlm(store, {
      datasetId,
      template: "overall",
      endpoint: { baseUrl: s.baseUrl, model: "m", apiKey: KEY },
      name: "retried",
      judge: { backoffMs: 1, timeoutMs: 300, log: (l) => log.push(l) },
    });
    expect(result.summary.requests).toBe(4);
    expect(s.requests).toHaveLength(8);
    expect(log).toHaveLength(4);
    expect(log[0]).toMatch(/HTTP 429/);
    expect(log[1]).toMatch(/HTTP 503/);
    expect(log[3]).toMatch(/no answer within 300 ms/);
    expect(log.join("\n")).not.toContain(KEY);
  });

  it("gives up after the retries with an error that names the endpoint, masks the key and adds no labels", async () => {
    const { store, datasetId } = lab(2);
    const s = await server(() => ({ status: 500, body: `{"error":"internal: token ${KEY} rejected"}` }));
    const err = await labelWithLlm(store, {
      datasetId,
      template: "overall",
      endpoint: { baseUrl: s.baseUrl, model: "m", apiKey: KEY },
      name: "fails",
      judge: { backoffMs: 1, maxRetries: 2 },
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/failed after 3 attempts; last: HTTP 500/);
    expect((err as Error).message).toContain(s.baseUrl);
    expect((err as Error).message).not.toContain(KEY);
    expect(s.requests).toHaveLength(3);
    expect(store.labels.forDataset(datasetId, { source: "llm" })).toEqual([]);
    expect(store.labelSets.byName("fails")).toBeUndefined();
  });

  it("fails at once on 401 without retrying", async () => {
    const { store, datasetId } = lab(1);
    const s = await server(() => ({ status: 401 }));
    await expect(
      labelWithLlm(store, {
        datasetId,
        template: "overall",
        endpoint: { baseUrl: s.baseUrl, model: "m", apiKey: KEY },
        name: "x",
        judge: { backoffMs: 1 },
      }),
    ).rejects.toThrow(/answered HTTP 401/);
    expect(s.requests).toHaveLength(1);
  });

  it("drops pairs with malformed answers (prose, numbers, broken JSON) and caches them", async () => {
    const { store, datasetId } = lab(4);
    const s = await server((user, n) => {
      if (n === 1) return "I think they are both fine.";
      if (n === 3) return "12";
      if (n === 5) return { status: 200, body: "{not json" };
      return goldJudge(user);
    });
    const endpoint = { baseUrl: s.baseUrl, model: "m", apiKey: KEY };
    const result = await labelWithLlm(store, { datasetId, template: "overall", endpoint, name: "malformed", judge: { backoffMs: 1 } });
    expect(result.summary).toMatchObject({ malformed: 3, kept: 1, requests: 8 });
    // Asking again sends nothing: every answer, malformed ones too, is cached.
    const again = await labelWithLlm(store, { datasetId, template: "overall", endpoint, name: "malformed again", judge: { backoffMs: 1 } });
    expect(again.summary).toMatchObject({ requests: 0, cached: 8, kept: 1 });
    expect(s.requests).toHaveLength(8);
  });

  it("keys the cache by template and model, and estimates cost and time from what is not cached", async () => {
    const { store, datasetId } = lab(3);
    const s = await server((user) => goldJudge(user));
    const before = estimateLlmLabeling(store, {
      datasetId,
      template: "overall",
      model: "m",
      inputPricePerMTok: 1,
      outputPricePerMTok: 2,
      requestsPerMinute: 60,
    });
    expect(before).toMatchObject({ comparisons: 3, requests: 6, cachedAnswers: 0, seconds: 6 });
    expect(before.inputTokens).toBeGreaterThan(6 * 50);
    expect(before.cost).toBeCloseTo((before.inputTokens * 1 + 6 * 4 * 2) / 1e6, 12);
    await labelWithLlm(store, { datasetId, template: "overall", endpoint: { baseUrl: s.baseUrl, model: "m", apiKey: KEY }, name: "a" });
    expect(estimateLlmLabeling(store, { datasetId, template: "overall", model: "m" })).toMatchObject({ requests: 0, cachedAnswers: 6 });
    expect(estimateLlmLabeling(store, { datasetId, template: "overall", model: "other" })).toMatchObject({ requests: 6 });
    expect(estimateLlmLabeling(store, { datasetId, template: "sentiment", model: "m" })).toMatchObject({ requests: 6 });
    await labelWithLlm(store, { datasetId, template: "sentiment", endpoint: { baseUrl: s.baseUrl, model: "m", apiKey: KEY }, name: "b" });
    expect(s.requests).toHaveLength(12);
    expect(s.requests[6]!.system).toMatch(/Judge only the sentiment/);
  });

  it("resumes after the labeling process is killed, asking only what was not answered", async () => {
    const { store, datasetId, file } = lab(30);
    const s = await server((user) => ({ delayMs: 20, then: goldJudge(user) }));
    const child = spawn(
      process.execPath,
      ["--import", "tsx", new URL("./testing/label-until-killed.ts", import.meta.url).pathname, file, s.baseUrl, String(datasetId)],
      {
        env: { ...process.env, GOODHART_LLM_API_KEY: KEY },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        if (/answered 10\b/.test(d.toString())) {
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.on("exit", (code) => reject(new Error(`child exited (${code}) before being killed: ${stderr}`)));
    });
    await new Promise((r) => setTimeout(r, 100));
    const sentBefore = s.requests.length;
    expect(sentBefore).toBeGreaterThanOrEqual(20);
    expect(sentBefore).toBeLessThan(60);
    // The killed run wrote answers but no labels.
    expect(store.labels.forDataset(datasetId, { source: "llm" })).toEqual([]);
    const result = await labelWithLlm(store, {
      datasetId,
      template: "overall",
      endpoint: { baseUrl: s.baseUrl, model: "judge-test", apiKey: KEY },
      name: "resumed",
    });
    expect(result.summary.cached).toBeGreaterThanOrEqual(20);
    expect(result.summary.cached + result.summary.requests).toBe(60);
    expect(s.requests.length).toBe(sentBefore + result.summary.requests);
    expect(result.summary.kept + result.summary.inconsistent + result.summary.malformed).toBe(30);
    expect(result.summary.inconsistent + result.summary.malformed).toBe(0);
  });

  it("never writes the key to the database", async () => {
    const { store, datasetId, dir } = lab(3);
    const s = await server((user) => goldJudge(user));
    await labelWithLlm(store, { datasetId, template: "overall", endpoint: { baseUrl: s.baseUrl, model: "m", apiKey: KEY }, name: "k" });
    store.close();
    expect(databaseBytes(dir)).not.toContain(KEY);
    expect(databaseBytes(dir)).toContain("overall-v1");
  });
});

describe("agreement over a dataset's labelers", () => {
  it("compares the synthetic gold labels, a gold-following LLM and a person", async () => {
    const { store, datasetId } = lab(20);
    labelSynthetic(store, { datasetId, dimensions: ["overall"], noise: 0, seed: 1, name: "syn" });
    const s = await server((user) => goldJudge(user));
    await labelWithLlm(store, { datasetId, template: "overall", endpoint: { baseUrl: s.baseUrl, model: "m", apiKey: KEY }, name: "llm" });
    const { exampleIds } = datasetComparisons(store, datasetId);
    // A person who answers "a" on every pair.
    store.labels.addMany(
      exampleIds.map((exampleId) => ({ exampleId, preferred: "a" as const, source: "human" as const, annotator: "ann" })),
    );
    const r = datasetAgreement(store, datasetId, "overall", { replicates: 200 });
    expect(r.raterNames).toEqual(["human: ann", "llm: m / overall-v1", "synthetic: built-in gold (overall)"]);
    expect(r.fleiss).not.toBeNull();
    const synVsLlm = r.pairwise.find((p) => p.raters[0] === 1 && p.raters[1] === 2)!;
    expect(synVsLlm.raw.estimate).toBe(1);
    expect(synVsLlm.cohen.estimate).toBeCloseTo(1, 12);
    const humanVsSyn = r.pairwise.find((p) => p.raters[0] === 0 && p.raters[1] === 2)!;
    expect(humanVsSyn.cohen.estimate).toBeCloseTo(0, 12); // a constant rater has kappa 0
  });
});

describe("LabApi labels methods", () => {
  it("creates comparisons, undoes only a person's unheld label, and reports agreement with nulls for undefined kappa", async () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-labels-api-"));
    const store = openDatabase(join(dir, "lab.sqlite"));
    const service = createLabService({ store, dataDir: dir, requeueQueued: false });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanups.push(() => service.close());
    const dataset = await service.labels.createComparisons({ name: "to label", count: 6, seed: 1 });
    expect(dataset).toMatchObject({ name: "to label", rowCount: 6, format: "builtin-task-comparisons" });
    const examples = await service.datasets.examples({ id: dataset.id });
    const mine = await service.labels.add({ exampleId: examples[0]!.id, preferred: "a", annotator: "ann" });
    expect(await service.labels.remove({ id: mine.id })).toEqual({ ok: true });
    await expect(service.labels.remove({ id: mine.id })).rejects.toThrow(/not a person's label that can be undone/);
    const llm = await service.labels.add({ exampleId: examples[0]!.id, preferred: "a", source: "llm", annotator: "m" });
    await expect(service.labels.remove({ id: llm.id })).rejects.toThrow(/not a person's label/);
    for (const e of examples) {
      await service.labels.add({ exampleId: e.id, preferred: "a", annotator: "ann" });
      await service.labels.add({ exampleId: e.id, preferred: "a", annotator: "bob" });
    }
    const r = await service.labels.agreement({ datasetId: dataset.id });
    expect(r.raterNames).toEqual(["human: ann", "human: bob", "llm: m"]);
    expect(r.raw.estimate).toBe(1);
    // Fleiss needs items every labeler rated; the LLM rated one.
    expect(r.fleiss).toBeNull();
    // Both people always say "a": chance agreement is 1 and kappa is undefined, sent as null.
    expect(r.pairwise[0]).toMatchObject({ raters: [0, 1], items: 6 });
    expect(r.pairwise[0]!.cohen.estimate).toBeNull();
    await expect(service.labels.agreement({ datasetId: 999 })).rejects.toThrow(/999/);
  });
});
