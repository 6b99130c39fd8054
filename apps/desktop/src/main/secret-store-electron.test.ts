// The LLM judge's API key from the Settings call to the labeler, with Electron faked only at its
// API boundary (safeStorage: a real AES-256-GCM cipher whose key the fake holds, so the file on disk
// is a real encrypted round trip): the main process's LabApi keeps it in the keychain-backed file,
// hands it to a real service host over the host protocol, and the host's labeling job sends it to a
// chat-completions server; neither the window's answers nor the database ever hold it. The worker
// pool's password takes the same road out of a queue URL, to a real password-protected redis-server.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { connectServiceHost, type HostClient } from "../service/host/host-client.ts";
import type { FromHost, MessageEnd, ToHost } from "../service/host/protocol.ts";
import { runServiceHost } from "../service/host/service-host.ts";
import { QUEUE_PASSWORD } from "../service/queue/lab-pool.ts";
import { POOL_QUEUE } from "../service/queue/pool-job.ts";
import { poolTestsUnavailable, startRedis } from "../service/queue/testing/redis-server.ts";
import { LLM_API_KEY, handedOverSecretStore } from "../service/secret-store.ts";
import { shownPair, startChatServer } from "../service/testing/chat-server.ts";
import type { SafeStorage } from "./electron-types.ts";
import { createSafeStorageSecretStore, keychainLabApi } from "./secret-store-electron.ts";

const KEY = "sk-test-keychain-0a1b2c3d4e5f-never-stored";

/** safeStorage's contract with a real cipher: ciphertext = iv | tag | AES-256-GCM(plain). */
function fakeSafeStorage(backend = "gnome_libsecret"): SafeStorage {
  const key = randomBytes(32);
  return {
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => backend,
    encryptString(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([c.update(plain, "utf8"), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptString(buf) {
      const d = createDecipheriv("aes-256-gcm", key, buf.subarray(0, 12));
      d.setAuthTag(buf.subarray(12, 28));
      return Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString("utf8");
    },
  };
}

/** Two in-memory message ends, as Electron's utility process and its parentPort are. */
function channel(): { front: MessageEnd<ToHost, FromHost>; host: MessageEnd<FromHost, ToHost> } {
  const toHost: ((m: ToHost) => void)[] = [];
  const toFront: ((m: FromHost) => void)[] = [];
  // Structured clone, as the real channel does: nothing is shared by reference.
  return {
    front: { post: (m) => setImmediate(() => toHost.forEach((l) => l(structuredClone(m)))), onMessage: (l) => void toFront.push(l) },
    host: { post: (m) => setImmediate(() => toFront.forEach((l) => l(structuredClone(m)))), onMessage: (l) => void toHost.push(l) },
  };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function desktop(safeStorage: SafeStorage) {
  const dir = mkdtempSync(join(tmpdir(), "goodhart-keychain-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const secretsFile = join(dir, "secrets.json");
  const hostSecrets = handedOverSecretStore(secretsFile, (f) => readFileSync(f, "utf8"));
  const { front, host } = channel();
  const hosted = runServiceHost(host, { dbFile: join(dir, "lab.sqlite"), service: { secrets: hostSecrets, requeueQueued: false } });
  const client: HostClient = connectServiceHost(front);
  await client.ready;
  cleanups.push(async () => {
    await client.shutdown();
    await hosted;
  });
  const keychain = createSafeStorageSecretStore(safeStorage, secretsFile);
  const handed: [string, string | null][] = [];
  const api = () =>
    keychainLabApi(client.api, keychain, (name, value) => {
      handed.push([name, value]);
      client.sendSecret(name, value);
    });
  return { dir, secretsFile, hostSecrets, keychain, handed, api };
}

/** Every file under `dir`, as one text (to check a secret is nowhere in it). */
function everythingIn(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name)).toString("latin1"))
    .join("\n");
}

describe("the API key through the main process", () => {
  it("encrypts it to the keychain file, hands it to the service process, and the labeler sends it", async () => {
    const d = await desktop(fakeSafeStorage());
    const api = d.api();
    expect((await api.settings.get()).llmApiKeySet).toBe(false);
    const settings = await api.settings.setLlmApiKey({ key: KEY });
    expect(settings.llmApiKeySet).toBe(true);
    expect(JSON.stringify(settings)).not.toContain(KEY);
    // On disk: ciphertext only, readable back through the keychain.
    const onDisk = readFileSync(d.secretsFile, "utf8");
    expect(onDisk).not.toContain(KEY);
    expect(Object.keys(JSON.parse(onDisk) as object)).toEqual([LLM_API_KEY]);
    expect(d.keychain.get(LLM_API_KEY)).toBe(KEY);
    expect(d.handed).toEqual([[LLM_API_KEY, KEY]]);

    const chat = await startChatServer((req) => {
      shownPair(req.user);
      return "1";
    });
    cleanups.push(() => chat.close());
    const dataset = await api.labels.createComparisons({ name: "cmp", count: 3, seed: 0 });
    const job = await api.labels.startLlm({ datasetId: dataset.id, template: "overall", model: "m", baseUrl: chat.baseUrl, name: "j" });
    let state = job;
    while (state.status === "running") state = await api.labels.llmJob({ id: job.id });
    expect(state).toMatchObject({ status: "done", kept: 0, inconsistent: 3 });
    expect(chat.requests).toHaveLength(6);
    expect(chat.requests.every((r) => r.authorization === `Bearer ${KEY}`)).toBe(true);
    expect(JSON.stringify(state)).not.toContain(KEY);

    // A restarted app hands the stored key over again, once.
    d.handed.length = 0;
    d.api();
    expect(d.handed).toEqual([[LLM_API_KEY, KEY]]);

    const cleared = await api.settings.clearLlmApiKey();
    expect(cleared.llmApiKeySet).toBe(false);
    expect(d.keychain.has(LLM_API_KEY)).toBe(false);
    await expect(
      api.labels.startLlm({ datasetId: dataset.id, template: "overall", model: "m", baseUrl: chat.baseUrl, name: "j2" }),
    ).rejects.toThrow(/No API key/);
    expect(everythingIn(d.dir)).not.toContain(KEY);
  });

  it("refuses the key where Linux offers only the basic_text backend, storing and handing over nothing", async () => {
    const d = await desktop(fakeSafeStorage("basic_text"));
    const api = d.api();
    await expect(api.settings.setLlmApiKey({ key: KEY })).rejects.toThrow(/keychain is not available/);
    expect(d.handed).toEqual([]);
    expect(d.hostSecrets.get(LLM_API_KEY)).toBeNull();
    expect((await api.settings.get()).llmApiKeySet).toBe(false);
  });
});

const QUEUE_PW = "pool-s3cret-through-the-keychain";
const poolUnavailable = poolTestsUnavailable();

describe("the worker pool's password through the main process", () => {
  it.skipIf(poolUnavailable !== null)(
    "keeps a queue URL's password in the keychain and hands it to the service, which submits to a password-protected pool; another URL without one clears it",
    async () => {
      const redis = await startRedis({ password: QUEUE_PW });
      cleanups.push(() => redis.stop());
      const d = await desktop(fakeSafeStorage());
      const api = d.api();
      const url = `redis://127.0.0.1:${redis.port}`;
      const settings = await api.settings.update({ queueUrl: `redis://:${QUEUE_PW}@127.0.0.1:${redis.port}` });
      expect(settings.queueUrl).toBe(url);
      expect(JSON.stringify(settings)).not.toContain(QUEUE_PW);
      expect(d.keychain.get(QUEUE_PASSWORD)).toBe(QUEUE_PW);
      expect(readFileSync(d.secretsFile, "utf8")).not.toContain(QUEUE_PW);
      expect(d.handed).toEqual([[QUEUE_PASSWORD, QUEUE_PW]]);
      expect(d.hostSecrets.get(QUEUE_PASSWORD)).toBe(QUEUE_PW);

      // Settings shows the URL without its password; "Use pool" sending it back keeps the password.
      await api.settings.update({ queueUrl: url });
      expect(d.keychain.get(QUEUE_PASSWORD)).toBe(QUEUE_PW);
      expect(d.hostSecrets.get(QUEUE_PASSWORD)).toBe(QUEUE_PW);
      // A restarted app hands it over again.
      d.handed.length = 0;
      d.api();
      expect(d.handed).toEqual([[QUEUE_PASSWORD, QUEUE_PW]]);

      // The service authenticates with it: the run is submitted to the pool and waits there.
      const env = process.env.GOODHART_QUEUE_PASSWORD;
      delete process.env.GOODHART_QUEUE_PASSWORD;
      cleanups.push(() => env !== undefined && (process.env.GOODHART_QUEUE_PASSWORD = env));
      const experiment = await api.experiments.create({ name: "pooled", kind: "diagnostic.counter", config: { steps: 3, stepMs: 1 } });
      const run = await api.runs.start({ experimentId: experiment.id, seed: 1 });
      expect(run.status).toBe("queued");
      const queue = new Queue(POOL_QUEUE, { connection: { host: "127.0.0.1", port: redis.port, password: QUEUE_PW } });
      try {
        expect(await queue.count()).toBe(1);
      } finally {
        await queue.close();
      }
      await api.runs.cancel({ id: run.id });

      // Another pool's URL without a password clears it (it is never sent to another server).
      await api.settings.update({ queueUrl: `${url}/1` });
      expect(d.keychain.has(QUEUE_PASSWORD)).toBe(false);
      expect(d.hostSecrets.get(QUEUE_PASSWORD)).toBeNull();
      await expect(api.runs.start({ experimentId: experiment.id, seed: 2 })).rejects.toThrow(/requires a password \(NOAUTH\)/);

      // So does clearing the URL.
      await api.settings.update({ queueUrl: `redis://:${QUEUE_PW}@127.0.0.1:${redis.port}` });
      expect((await api.settings.update({ queueUrl: "" })).queueUrl).toBeNull();
      expect(d.keychain.has(QUEUE_PASSWORD)).toBe(false);
      expect(d.hostSecrets.get(QUEUE_PASSWORD)).toBeNull();
      expect(everythingIn(d.dir)).not.toContain(QUEUE_PW);
    },
    60_000,
  );

  it("a refused update leaves the password as it was; without a real keychain a password is refused, changing nothing", async () => {
    const d = await desktop(fakeSafeStorage());
    const api = d.api();
    await api.settings.update({ queueUrl: `redis://:${QUEUE_PW}@pool.example:6380` });
    // Not a queue URL: refused in the main process, naming the field.
    await expect(api.settings.update({ queueUrl: ":new@pool.example" })).rejects.toThrow(/^queueUrl: /);
    // Refused by the service (another field): the new password is taken back.
    await expect(api.settings.update({ queueUrl: "redis://:new-pw@other.example:6380", runConcurrency: 0 })).rejects.toThrow(
      /Invalid input for settings\.update/,
    );
    expect(d.keychain.get(QUEUE_PASSWORD)).toBe(QUEUE_PW);
    expect(d.hostSecrets.get(QUEUE_PASSWORD)).toBe(QUEUE_PW);
    expect((await api.settings.get()).queueUrl).toBe("redis://pool.example:6380");

    const plain = await desktop(fakeSafeStorage("basic_text"));
    const refusing = plain.api();
    await expect(refusing.settings.update({ queueUrl: `redis://:${QUEUE_PW}@pool.example:6380` })).rejects.toThrow(
      /queueUrl: the OS keychain is not available/,
    );
    expect(plain.handed).toEqual([]);
    expect((await refusing.settings.get()).queueUrl).toBeNull();
    expect(everythingIn(plain.dir)).not.toContain(QUEUE_PW);
  });
});
