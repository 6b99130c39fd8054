// The LLM judge's API key from the Settings call to the labeler, with Electron faked only at its
// API boundary (safeStorage: a real AES-256-GCM cipher whose key the fake holds, so the file on disk
// is a real encrypted round trip): the main process's LabApi keeps it in the keychain-backed file,
// hands it to a real service host over the host protocol, and the host's labeling job sends it to a
// chat-completions server; neither the window's answers nor the database ever hold it.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { connectServiceHost, type HostClient } from "../service/host/host-client.ts";
import type { FromHost, MessageEnd, ToHost } from "../service/host/protocol.ts";
import { runServiceHost } from "../service/host/service-host.ts";
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
    const everything = readdirSync(d.dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(join(e.parentPath, e.name)).toString("latin1"))
      .join("\n");
    expect(everything).not.toContain(KEY);
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
