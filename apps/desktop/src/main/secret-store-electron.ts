/**
 * Secrets encrypted with Electron's safeStorage (the OS keychain: Keychain on macOS, DPAPI on
 * Windows, libsecret/kwallet on Linux) and kept as ciphertext in a file in the user-data folder,
 * never in SQLite. Where the only Linux backend is `basic_text` (a hard-coded key), secrets are
 * refused rather than stored in a form anyone could decrypt.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { LLM_API_KEY, type SecretStore } from "../service/secret-store.ts";
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
 * SQLite. Every secret already stored is handed over once, now, so a job started after a restart
 * finds its key.
 */
export function keychainLabApi(
  api: LabApi,
  secrets: SecretStore,
  handOver: (name: string, value: string | null) => void,
  names: readonly string[] = [LLM_API_KEY],
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
  };
  return { ...api, settings };
}
