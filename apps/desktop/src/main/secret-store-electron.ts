/**
 * Secrets encrypted with Electron's safeStorage (the OS keychain: Keychain on macOS, DPAPI on
 * Windows, libsecret/kwallet on Linux) and kept as ciphertext in a file in the user-data folder,
 * never in SQLite. Where the only Linux backend is `basic_text` (a hard-coded key), secrets are
 * refused rather than stored in a form anyone could decrypt.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { QUEUE_PASSWORD } from "../service/queue/lab-pool.ts";
import { queuePasswordAfter, splitQueueUrl } from "../service/queue/settings-queue.ts";
import { LLM_API_KEY, type SecretStore } from "../service/secret-store.ts";
import { LabValidationError } from "../shared/errors.ts";
import type { LabApi } from "../shared/lab-api.ts";
import type { SafeStorage } from "./electron-types.ts";

export function createSafeStorageSecretStore(safeStorage: SafeStorage, file: string): SecretStore {
  const available = safeStorage.isEncryptionAvailable() && safeStorage.getSelectedStorageBackend?.() !== "basic_text";
  const read = (): Record<string, string> => {
    try {
      return JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw err;
    }
  };
  const write = (entries: Record<string, string>): void => {
    if (Object.keys(entries).length === 0) {
      rmSync(file, { force: true });
      return;
    }
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(entries), { mode: 0o600 });
    renameSync(temp, file);
  };
  return {
    available,
    has: (name) => Object.hasOwn(read(), name),
    get(name) {
      const entry = read()[name];
      if (entry === undefined || !available) return null;
      return safeStorage.decryptString(Buffer.from(entry, "base64"));
    },
    set(name, value) {
      if (!available)
        throw new Error(
          "The OS keychain is not available (on Linux, install and unlock a Secret Service such as GNOME Keyring or KWallet); the key was not stored.",
        );
      write({ ...read(), [name]: safeStorage.encryptString(value).toString("base64") });
    },
    delete(name) {
      const entries = read();
      delete entries[name];
      write(entries);
    },
  };
}

/**
 * The LabApi the app's windows talk to, with the keychain's part answered here in the main process:
 * `settings.setLlmApiKey` / `clearLlmApiKey` encrypt into (or delete from) the keychain-backed
 * store and hand the value to the service process (`handOver`, memory only there), so the key
 * never travels to the service as a LabApi call, is never answered to a window, and never reaches
 * SQLite. `settings.update` takes a worker pool's password out of `queueUrl` the same way (kept as
 * QUEUE_PASSWORD; the service gets the URL without it, see {@link queueUrlUpdate}). Every secret
 * already stored is handed over once, now, so a job started after a restart finds its key.
 */
export function keychainLabApi(
  api: LabApi,
  secrets: SecretStore,
  handOver: (name: string, value: string | null) => void,
  names: readonly string[] = [LLM_API_KEY, QUEUE_PASSWORD],
): LabApi {
  for (const name of names) {
    const value = secrets.has(name) ? secrets.get(name) : null;
    if (value !== null) handOver(name, value);
  }
  const settings: LabApi["settings"] = {
    ...api.settings,
    setLlmApiKey: async (input) => {
      secrets.set(LLM_API_KEY, input.key); // throws, storing nothing, where the keychain is unavailable
      handOver(LLM_API_KEY, input.key);
      return api.settings.get();
    },
    clearLlmApiKey: async () => {
      secrets.delete(LLM_API_KEY);
      handOver(LLM_API_KEY, null);
      return api.settings.get();
    },
    update: (input) => queueUrlUpdate(api, secrets, handOver, input),
  };
  return { ...api, settings };
}

/**
 * `settings.update` with the queue URL's password kept in the keychain and handed to the service,
 * which is sent the URL without it (see queuePasswordAfter for when the kept one is replaced,
 * cleared or kept). A refused update leaves the password as it was.
 */
async function queueUrlUpdate(
  api: LabApi,
  secrets: SecretStore,
  handOver: (name: string, value: string | null) => void,
  input: Parameters<LabApi["settings"]["update"]>[0],
): ReturnType<LabApi["settings"]["update"]> {
  if (input.queueUrl === undefined) return api.settings.update(input);
  const next = splitQueueUrl(input.queueUrl); // a bad URL is refused here, changing nothing
  const patch = { ...input, queueUrl: next.queueUrl };
  const password = queuePasswordAfter(next, (await api.settings.get()).queueUrl ?? null);
  if (password === undefined) return api.settings.update(patch);
  if (password !== null && !secrets.available)
    throw new LabValidationError(
      "queueUrl: the OS keychain is not available to keep the password (on Linux, install and unlock a Secret Service such as GNOME Keyring or KWallet); give the URL without it and set GOODHART_QUEUE_PASSWORD in the app's environment",
    );
  const previous = secrets.has(QUEUE_PASSWORD) ? secrets.get(QUEUE_PASSWORD) : null;
  const keep = (value: string | null): void => {
    if (value === null) secrets.delete(QUEUE_PASSWORD);
    else secrets.set(QUEUE_PASSWORD, value);
    handOver(QUEUE_PASSWORD, value);
  };
  // Kept and handed over before the URL changes, so no run reaches the new pool without it.
  keep(password);
  try {
    return await api.settings.update(patch);
  } catch (err) {
    keep(previous);
    throw err;
  }
}
