// The LLM judge from the app's side: labeling jobs started, polled and cancelled through LabApi
// against a chat-completions server on 127.0.0.1, the API key's refusals in browser mode through
// the HTTP door, and label sets written by the judge feeding a DMoERM run's capability experts in a
// real worker thread.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { JUDGE_TEMPLATES, createTask, type GoldComponent } from "@goodhart/objectives";
import { openDatabase } from "@goodhart/storage";
import { createHttpLabClient } from "../shared/http-client.ts";
import { startLabServer } from "../server/lab-server.ts";
import { createLabService, type LabService } from "./lab-service.ts";
import { LLM_API_KEY, type SecretStore } from "./secret-store.ts";
import { shownPair, startChatServer, type TestChatServer } from "./testing/chat-server.ts";
import { waitForStatus } from "./testing/wait-for.ts";

const KEY = "sk-test-llm-job-5e4d3c2b1a-never-stored";
const task = createTask(0, { prompts: { train: 1, validation: 1, test: 1 } });

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A store that keeps secrets in memory, as the desktop app's service process holds the key the main process handed it. */
function memorySecrets(): SecretStore {
  const values = new Map<string, string>();
  return {
    available: true,
    has: (n) => values.has(n),
    get: (n) => values.get(n) ?? null,
    set: (n, v) => void values.set(n, v),
    delete: (n) => void values.delete(n),
  };
}

function lab(secrets?: SecretStore): { service: LabService; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "goodhart-labels-llm-"));
  const store = openDatabase(join(dir, "lab.sqlite"));
  const service = createLabService({ store, dataDir: join(dir, "data"), requeueQueued: false, ...(secrets ? { secrets } : {}) });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => store.close());
  cleanups.push(() => service.close());
  return { service, dir };
}

/** The capability a request's system message asks about (the built-in templates' wording). */
function capabilityOf(system: string): string {
  const found = Object.values(JUDGE_TEMPLATES).find((t) => t.system === system);
  if (!found) throw new Error("test judge: unknown template");
  return found.dimension;
}

/** A judge that answers by the built-in gold's component for the template's capability: consistent across orders. */
async function goldJudge(): Promise<TestChatServer> {
  const s = await startChatServer((req) => {
    const { prompt, first, second } = shownPair(req.user);
    const cap = capabilityOf(req.system);
    const score = (r: string) => (cap === "overall" ? task.gold(prompt, r).total : task.gold(prompt, r).components[cap as GoldComponent]);
    const [a, b] = [score(first), score(second)];
    return a > b ? "1" : a < b ? "2" : "0";
  });
  cleanups.push(() => s.close());
  return s;
}

async function finished(service: LabService, id: number) {
  for (let i = 0; i < 600; i++) {
    const job = await service.labels.llmJob({ id });
    if (job.status !== "running") return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`LLM job ${id} did not finish`);
}

describe("LLM labeling jobs through LabApi", () => {
  it("estimates, runs a job with the key from the secret store, and keeps the key out of the job, answers and database", async () => {
    const secrets = memorySecrets();
    const { service, dir } = lab(secrets);
    const chat = await goldJudge();
    const dataset = await service.labels.createComparisons({ name: "cmp", count: 10, seed: 2 });
    const estimate = await service.labels.estimateLlm({
      datasetId: dataset.id,
      template: "overall",
      model: "judge-1",
      inputPricePerMTok: 1,
      outputPricePerMTok: 2,
      requestsPerMinute: 600,
    });
    expect(estimate).toMatchObject({ comparisons: 10, requests: 20, cachedAnswers: 0 });
    expect(estimate.cost).toBeGreaterThan(0);
    expect(estimate.seconds).toBeGreaterThan(0);

    const spec = { datasetId: dataset.id, template: "overall", model: "judge-1", baseUrl: chat.baseUrl, name: "judge/overall" };
    // No key anywhere: refused before anything starts.
    await expect(service.labels.startLlm(spec)).rejects.toMatchObject({ name: "ConflictError", message: /No API key/ });
    expect(chat.requests).toHaveLength(0);

    expect((await service.settings.setLlmApiKey({ key: KEY })).llmApiKeySet).toBe(true);
    const started = await service.labels.startLlm(spec);
    expect(started).toMatchObject({ status: "running", total: 10, labelSetId: null });
    const job = await finished(service, started.id);
    expect(job).toMatchObject({ status: "done", done: 10, requests: 20, error: null });
    expect(job.kept! + job.inconsistent! + job.malformed!).toBe(10);
    expect(job.labelSetId).not.toBeNull();
    expect(chat.requests.every((r) => r.authorization === `Bearer ${KEY}`)).toBe(true);
    const labels = await service.labels.list({ datasetId: dataset.id, source: "llm" });
    expect(labels).toHaveLength(job.kept!);
    // A second job over the same comparisons is answered from the cache.
    const again = await finished(service, (await service.labels.startLlm({ ...spec, name: "judge/again" })).id);
    expect(again).toMatchObject({ status: "done", requests: 0 });
    // A taken name or an unknown template is refused up front.
    await expect(service.labels.startLlm(spec)).rejects.toMatchObject({ name: "ValidationError", message: /already exists/ });
    await expect(service.labels.startLlm({ ...spec, name: "x", template: "humour" })).rejects.toThrow(/no template 'humour'/);

    // The key is in no answer and no database byte.
    expect(JSON.stringify([job, again, await service.settings.get(), labels])).not.toContain(KEY);
    const bytes = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(join(e.parentPath, e.name)).toString("latin1"))
      .join("\n");
    expect(bytes).not.toContain(KEY);

    expect((await service.settings.clearLlmApiKey()).llmApiKeySet).toBe(false);
    expect(secrets.has(LLM_API_KEY)).toBe(false);
    await expect(service.labels.startLlm({ ...spec, name: "judge/3" })).rejects.toThrow(/No API key/);
  });

  it("cancels a running job, keeping its answers so far cached", async () => {
    const { service } = lab(memorySecrets());
    let served = 0;
    const slow = await startChatServer(() => (++served > 6 ? { delayMs: 10_000, then: "1" } : "1"));
    cleanups.push(() => slow.close());
    const dataset = await service.labels.createComparisons({ name: "cmp", count: 8, seed: 2 });
    await service.settings.setLlmApiKey({ key: KEY });
    const spec = { datasetId: dataset.id, template: "overall", model: "m", baseUrl: slow.baseUrl, name: "slow" };
    const job = await service.labels.startLlm(spec);
    while ((await service.labels.llmJob({ id: job.id })).done < 3) await new Promise((r) => setTimeout(r, 20));
    const cancelled = await service.labels.cancelLlm({ id: job.id });
    expect(cancelled).toMatchObject({ status: "cancelled", labelSetId: null, error: /cached/ });
    expect((await service.labels.estimateLlm({ datasetId: dataset.id, template: "overall", model: "m" })).cachedAnswers).toBe(6);
    await expect(service.labels.llmJob({ id: 99 })).rejects.toMatchObject({ name: "NotFoundError" });
  });
});

describe("the API key in browser mode (HTTP door)", () => {
  it("refuses to store a key without a keychain, and reads the environment's key for jobs", async () => {
    const { service } = lab();
    const server = await startLabServer({ api: service, subscribe: service.subscribe });
    cleanups.push(() => server.close());
    const { api } = createHttpLabClient({ baseUrl: server.url, token: server.token });
    await expect(api.settings.setLlmApiKey({ key: KEY })).rejects.toMatchObject({ name: "ConflictError", message: /desktop app/ });
    await expect(api.settings.clearLlmApiKey()).rejects.toMatchObject({ name: "ConflictError" });
    expect((await api.settings.get()).llmApiKeySet).toBe(false);

    const chat = await goldJudge();
    const dataset = await api.labels.createComparisons({ name: "cmp", count: 4, seed: 1 });
    const spec = { datasetId: dataset.id, template: "overall", model: "m", baseUrl: chat.baseUrl, name: "env-key" };
    await expect(api.labels.startLlm(spec)).rejects.toThrow(/GOODHART_LLM_API_KEY/);
    process.env.GOODHART_LLM_API_KEY = KEY;
    cleanups.push(() => delete process.env.GOODHART_LLM_API_KEY);
    const job = await api.labels.startLlm(spec);
    expect(job.status).toBe("running");
    await finished(service, job.id);
    expect(chat.requests.every((r) => r.authorization === `Bearer ${KEY}`)).toBe(true);
  });
});

describe("LLM capability labels into DMoERM", () => {
  it("trains the experts on the label sets an LLM judge wrote, through a real run", async () => {
    const { service } = lab(memorySecrets());
    const chat = await goldJudge();
    await service.settings.setLlmApiKey({ key: KEY });
    const dataset = await service.labels.createComparisons({ name: "cmp", count: 160, seed: 0 });
    const capabilities = ["informativeness", "length"] as const;
    const sets: Record<string, { id: number; kept: number }> = {};
    for (const cap of capabilities) {
      const job = await finished(
        service,
        (
          await service.labels.startLlm({
            datasetId: dataset.id,
            template: cap,
            model: "judge",
            baseUrl: chat.baseUrl,
            name: `judge/${cap}`,
          })
        ).id,
      );
      expect(job.status).toBe("done");
      sets[cap] = { id: job.labelSetId!, kept: job.kept! };
    }
    const config = {
      task: { seed: 0, prompts: { train: 200, validation: 10, test: 40 } },
      basePolicy: { layers: 1, dModel: 32, heads: 2, pretrainSteps: 40 },
      trainPairs: 240,
      testPairs: 80,
      ensembleSize: 1,
      capabilities: [...capabilities],
      labels: { capability: "labelSets", labelSets: capabilities.map((c) => sets[c]!.id) },
      training: { epochs: 1, batchSize: 64, lr: 5e-3 },
      bon: { prompts: 8, poolSize: 8 },
      bootstrapReplicates: 50,
    };
    // A label set the lab does not have is refused at submission.
    await expect(
      service.experiments.create({
        name: "bad",
        kind: "dmoerm",
        config: { ...config, labels: { capability: "labelSets", labelSets: [999] } },
      }),
    ).rejects.toMatchObject({ name: "ValidationError", message: /labels.labelSets: no label set 999/ });

    const experiment = await service.experiments.create({ name: "dmoerm-llm", kind: "dmoerm", config });
    const run = await service.runs.start({ experimentId: experiment.id, seed: 1 });
    await waitForStatus(service, run.id, ["done", "failed"], 240_000);
    const ended = await service.runs.get({ id: run.id });
    expect(ended.error ?? null).toBeNull();
    expect(ended.status).toBe("done");
    const result = (await service.runs.result({ runId: run.id })) as {
      capabilityLabels: {
        source: string;
        capabilities: { capability: string; pairs: number; labelSet?: { id: number; source: string } }[];
      };
      router: { kind: string; testAccuracy: number };
      dmoerm_bon_peak_minus_single: { estimate: number };
    };
    expect(result.capabilityLabels.source).toBe("labelSets");
    for (const cap of capabilities) {
      const entry = result.capabilityLabels.capabilities.find((c) => c.capability === cap)!;
      expect(entry.labelSet).toMatchObject({ id: sets[cap]!.id, source: "llm" });
      // Every kept non-tie judgement of the set, and nothing else, became a training comparison.
      const ties = (await service.labels.list({ datasetId: dataset.id, source: "llm", dimension: cap })).filter(
        (l) => l.preferred === "tie",
      );
      expect(entry.pairs).toBe(sets[cap]!.kept - ties.length);
      expect(entry.pairs).toBeGreaterThan(20);
    }
    expect(result.router.kind).toBe("trained");
    expect(Number.isFinite(result.dmoerm_bon_peak_minus_single.estimate)).toBe(true);
  }, 300_000);
});
